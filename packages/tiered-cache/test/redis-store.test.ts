import { freePort, redisForTest } from '@chatbot-pro/test-utils'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { RedisStore, TieredCache } from '../src/index.ts'
import { clock, once } from './fixtures/stores.ts'

const server = await redisForTest(t, { args: ['--notify-keyspace-events', 'Ex'] })
const admin = new Redis(server.url)
t.teardown(() => admin.quit())

let n = 0
/** A cache over its own RedisStore (own prefix), closed at the end of the test. */
function make(
  t: Test,
  opts: { prefix?: string; now?: () => number; ttlMs?: number; subscriber?: object } = {}
) {
  const store = new RedisStore({
    client: server.url,
    prefix: opts.prefix ?? `t${++n}:`,
    subscriber: opts.subscriber
  })
  const cache = new TieredCache<unknown>({ store, now: opts.now, ttlMs: opts.ttlMs ?? 60_000 })
  t.teardown(() => cache.close({ timeoutMs: 200 }))
  return { store, cache }
}

t.test('layout: one hash per entry with value, v, ts and a TTL; batches are pipelined', async (t) => {
  const { store, cache } = make(t, { prefix: 'lay:' })
  await cache.ready()
  await cache.ready()
  for (let i = 0; i < 3; i++) cache.set('u1', { turn: i })
  cache.set('u2', 'x')
  await cache.flush()
  const h = await admin.hgetall('lay:{u1}')
  t.same(JSON.parse(h.value as string), { turn: 2 })
  t.ok(Number(h.v) > 0)
  t.ok(Math.abs(Number(h.ts) - Date.now()) < 60_000)
  const ttl = await admin.pttl('lay:{u1}')
  t.ok(ttl > 59_000 && ttl <= 60_000, 'PEXPIRE set')
  t.equal(cache.stats().writes, 2, 'three sets of u1 became one write')
  t.equal(cache.stats().flushes, 1)
  t.equal(store.redisKey('a'), 'lay:{a}')
  t.same(await store.pttl(['u1', 'nope']).then((r) => r.map((x) => x > 0 || x)), [true, -2])
  await cache.delete('u2')
  t.equal(await admin.exists('lay:{u2}'), 0)
})

t.test('restart over a populated Redis: nothing preloaded, lazy single-flight loads', async (t) => {
  const prefix = 'lazy:'
  const p = admin.pipeline()
  for (let i = 0; i < 1000; i++)
    p.hset(`${prefix}{k${i}}`, 'value', JSON.stringify({ i }), 'v', '5', 'ts', '0')
  await p.exec()
  const { cache } = make(t, { prefix })
  await cache.ready()
  t.equal(cache.size, 0, 'nothing preloaded')
  const got = await Promise.all(Array.from({ length: 10 }, () => cache.get('k42')))
  t.same(got[9], { i: 42 })
  t.equal(cache.stats().loads, 1, 'ten concurrent misses made one Redis call')
  t.equal(cache.size, 1)
  cache.set('k42', { i: 43 })
  await cache.flush()
  t.equal((await admin.hget(`${prefix}{k42}`, 'v').then(Number)) > 5, true, 'new version is newer')
})

t.test('version CAS: two caches on one Redis, the older write is refused', async (t) => {
  const ca = clock(2_000_000)
  const cb = clock(1_000_000)
  const a = make(t, { prefix: 'cas:', now: ca.now })
  const b = make(t, { prefix: 'cas:', now: cb.now })
  a.cache.set('s', 'from A (newer)')
  await a.cache.flush()
  b.cache.set('s', 'from B (older)')
  const stale = once(b.cache, 'stale')
  await b.cache.flush()
  t.same(await stale, ['s', 1_000_000])
  t.equal(b.cache.stats().staleWrites, 1)
  t.equal(await admin.hget('cas:{s}', 'value'), '"from A (newer)"')
  t.equal(await b.cache.get('s'), 'from A (newer)', 'B re-reads the winner')
  cb.set(3_000_000)
  b.cache.set('s', 'from B (later)')
  await b.cache.flush()
  t.equal(await admin.hget('cas:{s}', 'value'), '"from B (later)"', 'a newer write wins')
  const [out] = await a.store.setMany([{ key: 's', payload: '"from B (later)"', version: 3_000_000 }], 1000)
  t.equal(out, 'written', 'replaying the same write is idempotent')
})

t.test('expiry via real keyspace notifications', async (t) => {
  const { cache } = make(t, { prefix: 'exp:', ttlMs: 150 })
  await cache.ready()
  cache.set('gone', 1)
  await cache.flush()
  const [key] = await once<string>(cache, 'expired')
  t.equal(key, 'gone')
  t.equal(cache.peek('gone'), undefined, 'evicted from the hot tier')
  t.equal(cache.stats().expired, 1)
  await admin.set('exp:unrelated', '1', 'PX', 1)
  await admin.set('other:{x}', '1', 'PX', 1)
})

t.test('notifications lost while the subscriber is down are found by reconciliation', async (t) => {
  const { cache } = make(t, {
    prefix: 'rec:',
    subscriber: { retryStrategy: () => 400 }
  })
  await cache.ready()
  cache.set('a', 1)
  cache.set('b', 2)
  await cache.flush()
  const expired = once<string>(cache, 'expired')
  await admin.client('KILL', 'TYPE', 'pubsub')
  await admin.pexpire('rec:{a}', 1)
  await new Promise((r) => setTimeout(r, 20))
  t.equal(await admin.exists('rec:{a}'), 0, 'expired while nobody listened')
  t.same(await expired, ['a'])
  t.equal(cache.stats().expired, 0, 'not from a notification')
  t.equal(cache.stats().expiredByReconcile, 1, 'from the reconcile after resubscribe')
  t.equal(cache.peek('b'), 2)
})

t.test('keyspaceEvents: configure adds Ex; failures are reported clearly; off and assume', async (t) => {
  await admin.config('SET', 'notify-keyspace-events', '')
  const { cache } = make(t, { prefix: 'cfg:' })
  await cache.ready()
  const [, flags] = (await admin.config('GET', 'notify-keyspace-events')) as string[]
  t.match(flags, /E/)
  t.match(flags, /x/)

  await admin.config('SET', 'notify-keyspace-events', 'AE')
  const viaA = new RedisStore({ client: admin, prefix: 'cfgA:' })
  await viaA.ready()
  t.equal(
    ((await admin.config('GET', 'notify-keyspace-events')) as string[])[1],
    'AE',
    "'A' includes x: untouched"
  )
  await viaA.close()

  const client = new Redis(server.url)
  t.teardown(() => client.quit())
  // Connected before the store takes it, so the status at the end says only what close() did.
  await once(client, 'ready')
  client.config = (async () => {
    throw new Error('ERR unknown command CONFIG')
  }) as never
  const store = new RedisStore({ client })
  const warning = once<string>(store, 'warning')
  await store.ready()
  t.match((await warning)[0], /could not enable keyspace expiry notifications.*ERR unknown command CONFIG/)
  await store.close()
  t.equal(client.status, 'ready', 'a client passed in stays open')

  const off = new RedisStore({ client, keyspaceEvents: 'off' })
  await off.ready()
  await off.close()
  await off.close()
  const assume = new RedisStore({ client, keyspaceEvents: 'assume', returnBuffers: true })
  await assume.ready()
  await assume.setMany([{ key: 'b', payload: Buffer.from('"bin"'), version: 1 }], 1000)
  const rec = await assume.get('b')
  t.ok(Buffer.isBuffer(rec?.payload))
  t.equal(await assume.get('missing'), undefined)
  await assume.close()
})

t.test('bad store options', async (t) => {
  t.throws(() => new RedisStore({ client: 42 as never }), { code: 'CACHE_INVALID_OPTION' })
  t.throws(() => new RedisStore(undefined as never), { code: 'CACHE_INVALID_OPTION' })
  const client = new Redis(server.url, { lazyConnect: true })
  t.throws(() => new RedisStore({ client, prefix: 5 as never }), { message: /prefix/ })
  t.throws(() => new RedisStore({ client, keyspaceEvents: 'yes' as never }), { message: /keyspaceEvents/ })
  client.disconnect()
})

t.test('ready() rejects when the subscriber cannot connect', async (t) => {
  const client = new Redis(server.url)
  t.teardown(() => client.quit())
  const store = new RedisStore({
    client,
    keyspaceEvents: 'assume',
    // A loopback port nothing listens on (port 1 once answered HTTP under the parallel CI run).
    subscriber: { host: '127.0.0.1', port: await freePort(), retryStrategy: () => null }
  })
  await t.rejects(store.ready(), { code: 'ECONNREFUSED' })
  await store.close()
})
