import t, { type Test } from 'tap'
import { MemoryStore, TieredCache, type TieredCacheOptions } from '../src/index.ts'
import { clock, FlakyStore, once } from './fixtures/stores.ts'

function setup(t: Test, opts: TieredCacheOptions = {}) {
  const c = clock()
  const store = new FlakyStore({ now: c.now })
  const cache = new TieredCache<unknown>({ store, now: c.now, ttlMs: 3000, ...opts })
  t.teardown(() => cache.close({ timeoutMs: 50 }))
  // The cache's timers are unref()ed; keep the loop alive while a test awaits them.
  const keepAlive = setInterval(() => {}, 1000)
  t.teardown(() => clearInterval(keepAlive))
  return { c, store, cache }
}

t.test('set is hot at once, durable after flush; writes coalesce', async (t) => {
  const { store, cache } = setup(t)
  await cache.ready()
  cache.set('a', { n: 1 })
  cache.set('a', { n: 2 })
  cache.set('b', 'x')
  t.same(await cache.get('a'), { n: 2 })
  t.equal(cache.getHot('b'), 'x')
  t.equal(cache.stats().dirty, 2)
  t.equal(store.batches.length, 0, 'nothing written yet')
  await cache.flush()
  t.equal(store.batches.length, 1, 'one pipelined batch')
  t.same(
    store.batches[0]?.map((w) => [w.key, w.payload]),
    [
      ['a', '{"n":2}'],
      ['b', '"x"']
    ],
    'two writes to a became one'
  )
  const s = cache.stats()
  t.equal(s.dirty, 0)
  t.equal(s.coalesced, 1)
  t.equal(s.writes, 2)
  t.equal(s.flushes, 1)
  t.equal(s.hits, 1)
  await cache.flush()
  t.equal(store.batches.length, 1, 'nothing dirty: no write')
  t.same(
    await store.get('a'),
    { payload: '{"n":2}', version: 1_000_001, ttlMs: 3000 },
    'version bumped per set'
  )
  t.equal(cache.options.ttlMs, 3000)
  t.equal(cache.size, 2)
  t.ok(cache.has('a'))
  t.notOk(cache.has('zz'))
})

t.test('the flusher runs by interval and by batch size', async (t) => {
  const { store, cache } = setup(t, { flush: { intervalMs: 5, maxBatch: 3 } })
  cache.set('a', 1)
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (cache.stats().dirty === 0) resolve()
      else setTimeout(check, 2)
    }
    check()
  })
  t.equal(store.batches.length, 1, 'the interval flushed')
  for (let i = 0; i < 7; i++) cache.set(`k${i}`, i)
  await new Promise((r) => setImmediate(r))
  await new Promise((r) => setImmediate(r))
  t.ok(store.batches.length >= 2, 'a full batch flushed without waiting for the interval')
  t.ok(
    store.batches.every((b) => b.length <= 3),
    'batches never exceed maxBatch'
  )
  await cache.flush()
  t.equal(cache.stats().dirty, 0)
})

t.test('a set during an in-flight write stays dirty and is written next', async (t) => {
  const { store, cache } = setup(t)
  let open!: () => void
  store.gate = new Promise<void>((r) => {
    open = r
  })
  cache.set('a', 1)
  const f = cache.flush()
  const f2 = cache.flush()
  await Promise.resolve()
  cache.set('a', 2)
  t.equal(cache.stats().dirty, 1)
  store.gate = undefined
  open()
  await Promise.all([f, f2])
  t.same((await store.get('a'))?.payload, '2', 'the newer value was written too')
  t.equal(cache.stats().dirty, 0)
})

t.test('get: miss loads once for many callers (single-flight), then admits', async (t) => {
  const { store, cache } = setup(t)
  await store.setMany([{ key: 'a', payload: '{"v":1}', version: 7 }], 3000)
  const all = await Promise.all([cache.get('a'), cache.get('a'), cache.get('a')])
  t.same(all, [{ v: 1 }, { v: 1 }, { v: 1 }])
  t.equal(store.gets, 1, 'one cold read')
  t.equal(all[0], all[1], 'same object for every waiter')
  t.equal(cache.stats().sharedLoads, 2)
  t.equal(await cache.get('missing'), undefined)
  t.equal(cache.peek('a') !== undefined, true, 'admitted (room in the tier)')
  t.equal(cache.stats().misses, 4)
})

t.test('a set while a load is in flight wins', async (t) => {
  const { store, cache } = setup(t)
  await store.setMany([{ key: 'a', payload: '"old"', version: 1 }], 3000)
  const p = cache.get('a')
  cache.set('a', 'new')
  t.equal(await p, 'new')
})

t.test('delete while loading or flushing', async (t) => {
  const { store, cache } = setup(t)
  await store.setMany([{ key: 'a', payload: '"old"', version: 1 }], 3000)
  const p = cache.get('a')
  await cache.delete('a')
  await p
  t.equal(cache.peek('a'), undefined, 'but it is not cached')
  t.equal(await store.get('a'), undefined)

  let open!: () => void
  store.gate = new Promise<void>((r) => {
    open = r
  })
  cache.set('b', 1)
  const f = cache.flush()
  const d = cache.delete('b')
  store.gate = undefined
  open()
  await Promise.all([f, d])
  t.equal(await store.get('b'), undefined, 'the in-flight write could not resurrect it')
  cache.set('c', 1)
  await cache.delete('c')
  t.equal(cache.stats().dirty, 0, 'a dirty entry deleted is no longer dirty')
  await cache.flush()
  t.equal(await store.get('c'), undefined)
  store.delete = async () => {
    throw new Error('down')
  }
  await t.rejects(cache.delete('x'), { code: 'CACHE_COLD_WRITE', cause: { message: 'down' } })
})

t.test('cold read errors are wrapped with cause', async (t) => {
  const { store, cache } = setup(t)
  store.failReads = new Error('ECONNREFUSED')
  await t.rejects(cache.get('a'), { code: 'CACHE_COLD_READ', cause: { message: 'ECONNREFUSED' } })
  store.failReads = undefined
  await store.setMany([{ key: 'bad', payload: '{not json', version: 1 }], 3000)
  await t.rejects(cache.get('bad'), { code: 'CACHE_COLD_READ' })
})

t.test('bad input', async (t) => {
  const { cache } = setup(t, { maxKeyLength: 8 })
  t.throws(() => cache.set('', 1), { code: 'CACHE_INVALID_KEY', message: /empty/ })
  t.throws(() => cache.set('123456789', 1), { code: 'CACHE_INVALID_KEY', message: /maxKeyLength 8/ })
  t.throws(() => cache.set(5 as never, 1), { code: 'CACHE_INVALID_KEY', statusCode: 400 })
  await t.rejects(cache.get(''), { code: 'CACHE_INVALID_KEY' })
  t.throws(() => cache.set('a', 10n), { code: 'CACHE_INVALID_VALUE', message: /BigInt/ })
  const cyc: Record<string, unknown> = {}
  cyc.self = cyc
  t.throws(() => cache.set('a', cyc), { code: 'CACHE_INVALID_VALUE', message: /circular/ })
  t.throws(() => cache.set('a', undefined), { code: 'CACHE_INVALID_VALUE', message: /undefined/ })
  t.throws(() => cache.set('a', () => 1), { code: 'CACHE_INVALID_VALUE' })
  t.throws(() => cache.pin(''), { code: 'CACHE_INVALID_KEY' })
  t.equal(cache.size, 0, 'nothing was stored')
  t.throws(() => new TieredCache({ ttlMs: 0 }), { code: 'CACHE_INVALID_TTL' })
  t.throws(() => new TieredCache({ ttlMs: 100, hot: { maxAgeMs: 200 } }), {
    code: 'CACHE_HOT_AGE_EXCEEDS_TTL'
  })
})

t.test('Redis down: keeps serving, retries with backoff, backpressure past maxDirty, drains', async (t) => {
  const { store, cache } = setup(t, {
    flush: { maxDirty: 3, minBackoffMs: 1, maxBackoffMs: 4, intervalMs: 1 }
  })
  const errors: Error[] = []
  cache.on('flushError', (e) => errors.push(e))
  store.failWrites = new Error('connection lost')
  cache.set('a', 1)
  cache.set('b', 2)
  await t.rejects(cache.flush(), { code: 'CACHE_COLD_WRITE', cause: { message: 'connection lost' } })
  t.equal(cache.stats().dirty, 2, 'still dirty')
  t.equal(await cache.get('a'), 1, 'still served')
  cache.set('c', 3)
  const bp = once(cache, 'backpressure')
  t.throws(() => cache.set('d', 4), { code: 'CACHE_BACKPRESSURE', statusCode: 503 })
  t.same((await bp)[0], { dirty: 3, maxDirty: 3 })
  t.throws(() => cache.set('e', 4), { code: 'CACHE_BACKPRESSURE' }, 'same error, once signalled')
  cache.set('a', 10)
  t.pass('a key already dirty can still be updated')
  t.equal(cache.stats().backpressureRejects, 2)
  // Wait for the flusher's own retries (polled, not a fixed sleep: the machine may be loaded).
  for (let waited = 0; errors.length < 2 && waited < 5000; waited += 10)
    await new Promise((r) => setTimeout(r, 10))
  t.ok(errors.length >= 2, 'the flusher retried on its own')
  const drained = once(cache, 'drain')
  store.failWrites = undefined
  await drained
  t.equal(cache.stats().dirty, 0, 'everything flushed once the store is back')
  t.same((await store.get('a'))?.payload, '10')
  cache.set('d', 4)
})

t.test('a single failing write in a batch is retried alone', async (t) => {
  const { store, cache } = setup(t)
  store.failKeys.add('b')
  cache.set('a', 1)
  cache.set('b', 2)
  await t.rejects(cache.flush(), { code: 'CACHE_COLD_WRITE', message: /1 entries/ })
  t.same(cache.dirtyKeys(), ['b'])
  store.failKeys.clear()
  await cache.flush()
  t.same(cache.dirtyKeys(), [])
})

t.test('a batch that never answers times out and is retried', async (t) => {
  const { store, cache } = setup(t, { flush: { timeoutMs: 5 } })
  store.gate = new Promise(() => {})
  cache.set('a', 1)
  await t.rejects(cache.flush(), { code: 'CACHE_COLD_WRITE', cause: { message: /no reply within 5 ms/ } })
  store.gate = undefined
  await cache.flush()
  t.equal(cache.stats().dirty, 0)
})

t.test('stale write: another writer holds a newer version', async (t) => {
  const { store, cache, c } = setup(t)
  cache.set('a', 'mine')
  await store.setMany([{ key: 'a', payload: '"theirs"', version: c.now() + 100 }], 3000)
  const stale = once<string | number>(cache, 'stale')
  await cache.flush()
  t.same(await stale, ['a', c.now()])
  t.equal(cache.stats().staleWrites, 1)
  t.equal(cache.peek('a'), undefined, 'our outdated copy was dropped')
  t.equal(await cache.get('a'), 'theirs')
})

t.test('dirty and pinned entries survive eviction pressure', async (t) => {
  const { store, cache } = setup(t, { hot: { maxSize: 4, admission: 'none' } })
  await store.setMany([{ key: 'p', payload: '"pinned"', version: 1 }], 3000)
  store.failWrites = new Error('down')
  cache.pin('p')
  cache.pin('p')
  await cache.get('p')
  for (let i = 0; i < 6; i++) cache.set(`d${i}`, i)
  t.equal(cache.stats().size, 7)
  t.equal(cache.stats().overflow, 3, 'grew past maxSize instead of dropping data')
  t.equal(cache.stats().pinned, 1)
  store.failWrites = undefined
  await cache.flush()
  t.equal(cache.stats().size, 4, 'trimmed back once clean')
  t.equal(cache.peek('p'), 'pinned')
  for (let i = 0; i < 10; i++) cache.set(`x${i}`, i)
  await cache.flush()
  t.equal(cache.peek('p'), 'pinned', 'still pinned after churn')
  cache.unpin('p')
  t.equal(cache.peek('p'), 'pinned', 'one pin left')
  cache.unpin('p')
  cache.unpin('p')
  cache.unpin('never')
  for (let i = 0; i < 10; i++) cache.set(`y${i}`, i)
  await cache.flush()
  t.equal(cache.peek('p'), undefined, 'evictable once unpinned')
  cache.pin('y9')
  cache.unpin('y9')
  t.ok(cache.stats().maxOverflow >= 3, 'the largest overflow is remembered')
})

t.test('age bound: a clean entry past 2/3 TTL is re-checked; gone means expired', async (t) => {
  const { store, cache, c } = setup(t)
  cache.set('a', 1)
  cache.set('b', 2)
  await cache.flush()
  t.equal(cache.options.hot.maxAgeMs, 2000)
  c.advance(2000)
  t.equal(cache.getHot('a'), undefined, 'past its bound: not served blindly')
  t.equal(cache.peek('a'), undefined)
  t.equal(await cache.get('a'), 1, 'reloaded from the cold store, which still has it')
  t.equal(cache.stats().loads, 1)
  await store.delete('b')
  const exp = once<string>(cache, 'expired')
  t.equal(await cache.get('b'), undefined)
  t.same(await exp, ['b'])
  t.equal(cache.stats().expiredByReconcile, 1)
})

t.test('reconcile: checks aged (or all) clean entries in batches', async (t) => {
  const { store, cache, c } = setup(t, { reconcile: { batchSize: 2 } })
  for (const k of ['a', 'b', 'c', 'd']) cache.set(k, k)
  await cache.flush()
  t.same(await cache.reconcile(), { checked: 0, expired: 0 }, 'nothing aged yet')
  await store.delete('a')
  await store.delete('c')
  const expired: string[] = []
  cache.on('expired', (k) => expired.push(k))
  c.advance(1000)
  t.same(await cache.reconcile({ all: true }), { checked: 4, expired: 2 })
  t.same(expired.sort(), ['a', 'c'])
  t.equal(cache.size, 2)
  c.advance(1500)
  t.same(await cache.reconcile(), { checked: 0, expired: 0 }, 'bound renewed from the remaining TTL')
  c.advance(600)
  cache.set('b', 'b2')
  t.same(await cache.reconcile(), { checked: 1, expired: 0 }, 'd aged; b is dirty, not checked')
  t.equal(cache.stats().reconcileChecks, 5)
  cache.set('z', 1)
  await cache.flush()
  const pttl = store.pttl
  store.pttl = async (keys) => keys.map(() => -1)
  t.match(await cache.reconcile({ all: true }), { expired: 0 }, 'no TTL: bound is maxAgeMs')
  store.pttl = pttl
  await store.delete('d')
  c.advance(5000)
  store.failPttl = new Error('down')
  const warn = once<string>(cache, 'warning')
  store.emit('resync')
  t.match((await warn)[0], /reconcile failed: down/)
})

t.test('store expiry events evict clean entries; dirty ones are kept', async (t) => {
  const { store, cache } = setup(t)
  cache.set('a', 1)
  await cache.flush()
  cache.set('b', 2)
  const expired: string[] = []
  cache.on('expired', (k) => expired.push(k))
  store.emit('expired', 'a')
  store.emit('expired', 'b')
  store.emit('expired', 'elsewhere')
  t.same(expired, ['a', 'elsewhere'])
  t.equal(cache.peek('a'), undefined)
  t.equal(cache.peek('b'), 2, 'its flush recreates the key')
  t.equal(cache.stats().expired, 2)
  const w = once<string>(cache, 'warning')
  store.emit('warning', 'hello')
  t.same(await w, ['hello'])
})

t.test('the reconcile timer runs', async (t) => {
  const { cache, c } = setup(t, { reconcile: { intervalMs: 5 } })
  cache.set('a', 1)
  await cache.flush()
  await cache.store.delete('a')
  c.advance(2500)
  const [key] = await once<string>(cache, 'expired')
  t.equal(key, 'a')
})

t.test('admission: a scan of cold entries does not flush the hot set', async (t) => {
  const { store, cache } = setup(t, { hot: { maxSize: 10 } })
  const writes = []
  for (let i = 0; i < 100; i++) writes.push({ key: `k${i}`, payload: String(i), version: 1 })
  await store.setMany(writes, 3000)
  for (let round = 0; round < 5; round++) for (let i = 0; i < 10; i++) await cache.get(`k${i}`)
  for (let i = 10; i < 100; i++) await cache.get(`k${i}`)
  let hot = 0
  for (let i = 0; i < 10; i++) if (cache.peek(`k${i}`) !== undefined) hot++
  t.equal(hot, 10, 'the frequent keys stayed')
  t.ok(cache.stats().rejected > 80)
})

t.test('close flushes everything, reports the rest, and refuses further use', async (t) => {
  const { store, cache } = setup(t)
  cache.set('a', 1)
  cache.set('b', 2)
  const report = await cache.close()
  t.same(report, { flushed: 2, unflushed: [] })
  t.equal(await cache.close(), await cache.close(), 'idempotent')
  t.same((await store.get('b'))?.payload, '2')
  t.throws(() => cache.set('c', 1), { code: 'CACHE_CLOSED' })
  await t.rejects(cache.get('a'), { code: 'CACHE_CLOSED' })
  await t.rejects(cache.delete('a'), { code: 'CACHE_CLOSED' })
})

t.test('close with the store down gives up at the deadline and says what is lost', async (t) => {
  const { store, cache } = setup(t, { flush: { minBackoffMs: 5, maxBackoffMs: 10 } })
  cache.set('a', 1)
  cache.set('b', 2)
  await cache.flush()
  cache.set('b', 3)
  cache.set('c', 4)
  store.failWrites = new Error('down')
  const before = store.batches.length
  // A deadline 30x the backoff: at least one retry even on a loaded machine (60 ms was flaky).
  const report = await cache.close({ timeoutMs: 300 })
  t.same(report.unflushed.sort(), ['b', 'c'])
  t.equal(report.flushed, 0)
  t.ok(store.batches.length - before >= 2, 'retried until the deadline')
})

t.test('close waits for an in-flight write', async (t) => {
  const { store, cache } = setup(t)
  let open!: () => void
  store.gate = new Promise<void>((r) => {
    open = r
  })
  cache.set('a', 1)
  const f = cache.flush()
  const closing = cache.close()
  store.gate = undefined
  open()
  await f
  t.same(await closing, { flushed: 1, unflushed: [] })
})

t.test('a load finishing after close is returned but not cached', async (t) => {
  const { store, cache } = setup(t)
  await store.setMany([{ key: 'a', payload: '1', version: 1 }], 3000)
  const p = cache.get('a')
  await cache.close()
  t.equal(await p, 1)
  t.equal(cache.size, 0)
})

t.test('default store and clock', async (t) => {
  const cache = new TieredCache()
  t.teardown(() => cache.close())
  t.ok(cache.store instanceof MemoryStore)
  cache.set('a', { x: 1 })
  await cache.flush()
  t.same(await cache.get('a'), { x: 1 })
  await new Promise((r) => setTimeout(r, 150)) // let the coarse read clock tick once
  t.same(cache.getHot('a'), { x: 1 })
})

t.test('close during a timer reconcile stops the timer', async (t) => {
  const { store, cache, c } = setup(t, { reconcile: { intervalMs: 5 } })
  cache.set('a', 1)
  await cache.flush()
  c.advance(2500)
  let release!: () => void
  const called = new Promise<void>((resolve) => {
    store.pttl = async (keys) => {
      resolve()
      await new Promise<void>((r) => {
        release = r
      })
      return keys.map(() => 1000)
    }
  })
  await called
  const closing = cache.close()
  release()
  t.same(await closing, { flushed: 0, unflushed: [] })
})
