import { redisForTest } from '@chatbot-pro/test-utils'
import { Redis } from 'ioredis'
import t from 'tap'
import { RedisStore, TieredCache } from '../src/index.ts'

const server = await redisForTest(t, { args: ['--notify-keyspace-events', 'Ex'] })

t.test('Redis stopped mid-run, then restarted: no acknowledged write is lost', async (t) => {
  const store = new RedisStore({ client: server.url, prefix: 'f:' })
  const cache = new TieredCache<{ turn: number }>({
    store,
    flush: { intervalMs: 10, minBackoffMs: 20, maxBackoffMs: 100, timeoutMs: 500, maxDirty: 10_000 }
  })
  t.teardown(() => cache.close({ timeoutMs: 100 }))
  await cache.ready()
  const acked = new Map<string, number>()
  const write = (i: number): void => {
    const key = `u${i % 50}`
    cache.set(key, { turn: i })
    acked.set(key, i)
  }
  for (let i = 0; i < 100; i++) write(i)
  await cache.flush()

  await server.stop()
  for (let i = 100; i < 300; i++) write(i)
  await new Promise((r) => setTimeout(r, 150))
  t.ok(cache.stats().flushErrors > 0, 'flushes failed while Redis was down')
  t.equal(cache.stats().dirty, 50, 'every written key is still dirty')
  t.same(await cache.get('u7'), { turn: 257 }, 'the hot tier keeps serving reads')

  await server.start() // an empty Redis (nothing persisted)
  const deadline = Date.now() + 5000
  while (cache.stats().dirty > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  t.equal(cache.stats().dirty, 0, 'everything flushed once Redis was back')

  const admin = new Redis(server.url)
  t.teardown(() => admin.quit())
  let lost = 0
  for (const [key, turn] of acked) {
    const v = await admin.hget(`f:{${key}}`, 'value')
    if (v === null || JSON.parse(v).turn !== turn) lost++
  }
  t.equal(lost, 0, 'the latest acknowledged write of every key is in Redis')
})

t.test('close() flushes everything and quits the connections it created', async (t) => {
  const store = new RedisStore({ client: server.url, prefix: 'c:' })
  const cache = new TieredCache({ store, flush: { intervalMs: 60_000 } })
  await cache.ready()
  for (let i = 0; i < 1200; i++) cache.set(`k${i}`, i)
  const report = await cache.close()
  t.same(report, { flushed: 1200, unflushed: [] })
  t.equal(store.client.status, 'end', 'the store quit the client it created')
  const admin = new Redis(server.url)
  t.teardown(() => admin.quit())
  t.equal(await admin.hget('c:{k1199}', 'value'), '1199')
})

t.test('close() with Redis down reports what it could not flush', async (t) => {
  const store = new RedisStore({ client: server.url, prefix: 'd:' })
  const cache = new TieredCache({ store, flush: { intervalMs: 60_000, minBackoffMs: 20 } })
  await cache.ready()
  cache.set('a', 1)
  await server.stop()
  cache.set('b', 2)
  const report = await cache.close({ timeoutMs: 300 })
  t.same(report.unflushed.sort(), ['a', 'b'])
  await server.start()
})
