import t, { type Test } from 'tap'
import {
  type CacheInvalidValueError,
  jsonSerializer,
  type Serializer,
  TieredCache,
  type TieredCacheOptions
} from '../src/index.ts'
import { clock, FlakyStore, once } from './fixtures/stores.ts'

function setup(t: Test, opts: TieredCacheOptions = {}) {
  const c = clock()
  const store = new FlakyStore({ now: c.now })
  const cache = new TieredCache<unknown>({ store, now: c.now, ttlMs: 3000, ...opts })
  t.teardown(() => cache.close({ timeoutMs: 50 }))
  const keepAlive = setInterval(() => {}, 1000)
  t.teardown(() => clearInterval(keepAlive))
  return { c, store, cache }
}

/** JSON, counting serialize() calls; no cheap check (everything is found at flush). */
function counting(): Serializer & { calls: number } {
  const s = {
    calls: 0,
    serialize(value: unknown) {
      s.calls++
      return jsonSerializer.serialize(value)
    },
    deserialize: jsonSerializer.deserialize
  }
  return s
}

t.test('set() does not serialise; the flush serialises once per cold write', async (t) => {
  const serializer = counting()
  const { store, cache } = setup(t, { serializer })
  const conv = { turns: [1] }
  cache.set('a', conv)
  conv.turns.push(2)
  cache.set('a', conv)
  cache.set('a', conv)
  t.equal(serializer.calls, 0, 'nothing serialised by set()')
  t.equal(cache.getHot('a'), conv, 'the hot tier holds the live object')
  await cache.flush()
  t.equal(serializer.calls, 1, 'three coalesced sets, one serialisation')
  t.equal(store.batches[0]?.[0]?.payload, '{"turns":[1,2]}', 'the state at flush time')
  conv.turns.push(3)
  t.same(
    (await store.get('a'))?.payload,
    '{"turns":[1,2]}',
    'a later mutation does not reach the written copy'
  )
  await cache.flush()
  t.equal(serializer.calls, 1, 'clean: nothing to serialise')
})

t.test('a retried write resends the bytes captured at its first attempt', async (t) => {
  const serializer = counting()
  const { store, cache } = setup(t, { serializer })
  const conv = { n: 1 }
  store.failWrites = new Error('down')
  cache.set('a', conv)
  await t.rejects(cache.flush(), { code: 'CACHE_COLD_WRITE' })
  conv.n = 2
  store.failWrites = undefined
  await cache.flush()
  t.equal(serializer.calls, 1, 'not serialised again for the retry')
  t.same(
    store.batches.map((b) => b[0]?.payload),
    ['{"n":1}', '{"n":1}'],
    'same version, same bytes'
  )
  cache.set('a', conv)
  await cache.flush()
  t.equal(serializer.calls, 2, 'a new set is a new version, serialised afresh')
  t.same((await store.get('a'))?.payload, '{"n":2}')
})

t.test('a set() during a write in flight is serialised for the next batch', async (t) => {
  const { store, cache } = setup(t)
  let open = (): void => {}
  store.gate = new Promise<void>((resolve) => {
    open = resolve
  })
  cache.set('a', { v: 1 })
  const first = cache.flush()
  await new Promise((r) => setImmediate(r))
  cache.set('a', { v: 2 })
  store.gate = undefined
  open()
  await first
  await cache.flush()
  t.same((await store.get('a'))?.payload, '{"v":2}')
  t.equal(cache.stats().dirty, 0)
})

t.test('the JSON check refuses what it can see cheaply, at set()', async (t) => {
  const { cache } = setup(t)
  t.throws(() => cache.set('a', Symbol('x')), { code: 'CACHE_INVALID_VALUE', message: /symbol/ })
  t.throws(() => cache.set('a', { n: 1n }), {
    code: 'CACHE_INVALID_VALUE',
    message: /BigInt \(property "n"\)/
  })
  t.equal(jsonSerializer.check?.(null), undefined)
  t.equal(jsonSerializer.check?.('s'), undefined)
  t.equal(jsonSerializer.check?.({ toJSON: () => 1n }), undefined, 'toJSON is only called at flush')
  t.equal(cache.size, 0)
})

t.test('a value only the flush finds unserialisable: event, stats, kept hot, never dropped', async (t) => {
  const { store, cache } = setup(t, { hot: { maxSize: 2 } })
  const deep = { a: { b: 1n } }
  cache.set('bad', deep)
  cache.set('good', 1)
  const ev = once<InstanceType<typeof CacheInvalidValueError>>(cache, 'invalidValue')
  await t.rejects(cache.flush(), { code: 'CACHE_INVALID_VALUE', message: /"bad".*BigInt/ })
  const [err] = await ev
  t.equal(err?.code, 'CACHE_INVALID_VALUE')
  t.ok(err?.cause instanceof TypeError, 'cause: the serializer error')
  t.same((await store.get('good'))?.payload, '1', 'the rest of the batch was written')
  t.equal(await store.get('bad'), undefined)
  const s = cache.stats()
  t.equal(s.invalidValues, 1)
  t.equal(s.dirty, 1, 'still counted as not durable')
  t.same(cache.dirtyKeys(), ['bad'])
  for (let i = 0; i < 10; i++) cache.set(`x${i}`, i)
  await cache.flush().catch(() => {})
  t.equal(cache.getHot('bad'), deep, 'never evicted')
  await t.rejects(cache.flush(), { code: 'CACHE_INVALID_VALUE' }, 'flush keeps saying so')
  t.equal(cache.stats().invalidValues, 1, 'not retried on its own')
  deep.a.b = 2 as never
  cache.set('bad', deep)
  await cache.flush()
  t.same((await store.get('bad'))?.payload, '{"a":{"b":2}}', 'written once set again with a good value')
  t.equal(cache.stats().dirty, 0)
})

t.test('without an invalidValue listener the failure is a warning; delete and close handle it', async (t) => {
  const serializer: Serializer = {
    serialize: (v) => (v === 'nope' ? undefined : JSON.stringify(v)),
    deserialize: jsonSerializer.deserialize
  }
  const { cache } = setup(t, { serializer })
  const warned = once<string>(cache, 'warning')
  cache.set('a', 'nope')
  cache.set('b', 'nope')
  await t.rejects(cache.flush(), { code: 'CACHE_INVALID_VALUE', message: /returned undefined/ })
  const [msg] = await warned
  t.match(msg, /at flush; the write is kept in the hot tier/)
  await cache.delete('a')
  t.equal(cache.stats().dirty, 1, 'deleting an invalid entry drops its pending write')
  const report = await cache.close({ timeoutMs: 1000 })
  t.same(
    report,
    { flushed: 0, unflushed: ['b'] },
    'close reports it at once, without waiting for the deadline'
  )
})
