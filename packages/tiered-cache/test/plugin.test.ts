import { freePort, redisForTest } from '@chatbot-pro/test-utils'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import t from 'tap'
import { MemoryStore, RedisStore } from '../src/index.ts'
import tieredCachePlugin, { TieredCache } from '../src/plugin.ts'

const server = await redisForTest(t, { args: ['--notify-keyspace-events', 'Ex'] })

t.test('no redis: a MemoryStore; decorates fastify.sessionCache; close flushes', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(tieredCachePlugin, { ttlMs: 10_000, hot: { maxSize: 100 } })
  app.get('/s/:id', async (req) => {
    const { id } = req.params as { id: string }
    const n = ((await app.sessionCache.get(id)) as number | undefined) ?? 0
    app.sessionCache.set(id, n + 1)
    return { n: n + 1 }
  })
  t.ok(app.sessionCache instanceof TieredCache)
  t.ok(app.sessionCache.store instanceof MemoryStore)
  t.same((await app.inject('/s/u1')).json(), { n: 1 })
  t.same((await app.inject('/s/u1')).json(), { n: 2 })
  const store = app.sessionCache.store
  await app.close()
  t.same((await store.get('u1'))?.payload, '2', 'flushed on close')
})

t.test('redis URL: the plugin creates, and on close quits, its connections', async (t) => {
  const app = Fastify()
  await app.register(tieredCachePlugin, { redis: server.url, prefix: 'p:' })
  const store = app.sessionCache.store as RedisStore
  t.ok(store instanceof RedisStore)
  app.sessionCache.set('u', { hello: 'world' })
  await app.close()
  t.equal(store.client.status, 'end')
  const admin = new Redis(server.url)
  t.teardown(() => admin.quit())
  t.equal(await admin.hget('p:{u}', 'value'), '{"hello":"world"}')
})

t.test('redis client given: left open on close; warnings and flush errors are logged', async (t) => {
  const client = new Redis(server.url)
  t.teardown(() => client.quit())
  const lines: string[] = []
  const app = Fastify({
    logger: {
      level: 'warn',
      stream: {
        write: (l: string) => {
          lines.push(l)
        }
      }
    }
  })
  await app.register(tieredCachePlugin, { redis: client, prefix: 'q:', keyspaceEvents: 'assume' })
  app.sessionCache.emit('warning', 'something odd')
  app.sessionCache.emit('flushError', new Error('boom'))
  app.sessionCache.emit('backpressure', { dirty: 1, maxDirty: 1 })
  app.sessionCache.set('k', 1)
  await app.close()
  t.equal(client.status, 'ready', 'the client passed in stays open')
  t.equal(await client.hget('q:{k}', 'value'), '1')
  t.match(lines.join(''), /something odd/)
  t.match(lines.join(''), /flush failed/)
  t.match(lines.join(''), /backpressure/)
})

t.test('close reports unflushed writes in the log', async (t) => {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'error', stream: { write: (l: string) => void lines.push(l) } } })
  const store = new MemoryStore()
  store.setMany = async () => {
    throw new Error('down')
  }
  await app.register(tieredCachePlugin, { store, closeTimeoutMs: 30, flush: { minBackoffMs: 5 } })
  app.sessionCache.set('k', 1)
  await app.close()
  t.match(lines.join(''), /closed with unflushed writes/)
})

t.test('a store that cannot become ready fails the registration cleanly', async (t) => {
  const client = new Redis(server.url)
  t.teardown(() => client.quit())
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(tieredCachePlugin, {
    redis: client,
    keyspaceEvents: 'assume',
    // A loopback port nothing listens on (port 1 once answered HTTP under the parallel CI run).
    subscriber: { host: '127.0.0.1', port: await freePort(), retryStrategy: () => null }
  })
  await t.rejects(
    async () => {
      await app.ready()
    },
    { code: 'ECONNREFUSED' }
  )
})
