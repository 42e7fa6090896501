import t from 'tap'
import { DEFAULTS, MemoryStore, normalizeOptions } from '../src/index.ts'

t.test('defaults', async (t) => {
  const o = normalizeOptions()
  t.ok(Object.isFrozen(o))
  t.equal(o.ttlMs, DEFAULTS.ttlMs)
  t.equal(o.hot.maxAgeMs, Math.floor((DEFAULTS.ttlMs * 2) / 3), 'hot age defaults to 2/3 of the TTL')
  t.equal(o.hot.maxSize, 10_000)
  t.equal(o.hot.admission, 'tinylfu')
  t.same(o.flush, DEFAULTS.flush)
  t.equal(o.store, undefined)
  t.equal(normalizeOptions({ ttlMs: 1 }).hot.maxAgeMs, 1, 'at least 1 ms')
})

t.test('does not mutate the caller object', async (t) => {
  const opts = { ttlMs: 3000, hot: { maxSize: 5 } }
  const o = normalizeOptions(opts)
  t.same(opts, { ttlMs: 3000, hot: { maxSize: 5 } })
  t.equal(o.hot.maxAgeMs, 2000)
  const store = new MemoryStore()
  t.teardown(() => store.close())
  t.equal(normalizeOptions({ store }).store, store)
})

t.test('bad options have clear errors', async (t) => {
  const caught = (fn: () => unknown): unknown => {
    try {
      fn()
    } catch (err) {
      return err
    }
  }
  t.ok(caught(() => normalizeOptions({ ttlMs: 0 })) instanceof RangeError, 'a RangeError')
  t.ok(caught(() => normalizeOptions({ hot: { maxSize: -1 } })) instanceof TypeError, 'a TypeError')
  t.throws(() => normalizeOptions({ ttlMs: 0 }), { code: 'CACHE_INVALID_TTL' })
  t.throws(() => normalizeOptions({ ttlMs: -5 }), { code: 'CACHE_INVALID_TTL' })
  t.throws(() => normalizeOptions({ ttlMs: Number.NaN }), { code: 'CACHE_INVALID_TTL' })
  t.throws(() => normalizeOptions({ ttlMs: '1' as never }), { code: 'CACHE_INVALID_TTL' })
  t.throws(() => normalizeOptions({ ttlMs: 1000, hot: { maxAgeMs: 1001 } }), {
    code: 'CACHE_HOT_AGE_EXCEEDS_TTL',
    message: /hot.maxAgeMs \(1001\) must not exceed ttlMs \(1000\)/
  })
  t.throws(() => normalizeOptions({ hot: { maxSize: 0 } }), {
    code: 'CACHE_INVALID_OPTION',
    message: /hot.maxSize/
  })
  t.throws(() => normalizeOptions({ hot: { maxSize: 1.5 } }), {
    code: 'CACHE_INVALID_OPTION',
    message: /integer/
  })
  t.throws(() => normalizeOptions({ hot: { admission: 'lfu' as never } }), { message: /hot.admission/ })
  t.throws(() => normalizeOptions({ hot: 3 as never }), { message: /hot: expected an object/ })
  t.throws(() => normalizeOptions(null as never), { message: /options/ })
  t.throws(() => normalizeOptions({ flush: { intervalMs: Infinity } }), { message: /flush.intervalMs/ })
  t.throws(() => normalizeOptions({ flush: { minBackoffMs: 10, maxBackoffMs: 5 } }), {
    message: /flush.maxBackoffMs/
  })
  t.throws(() => normalizeOptions({ serializer: {} as never }), { message: /serializer/ })
  t.throws(() => normalizeOptions({ now: 5 as never }), { message: /now/ })
  t.throws(() => normalizeOptions({ store: {} as never }), { message: /store/ })
  t.throws(() => normalizeOptions({ store: null as never }), { message: /store/ })
})
