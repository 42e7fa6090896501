import { redisForTest } from '@chatbot-pro/test-utils'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import t from 'tap'
import { Affinity } from '../src/index.ts'
import affinityPlugin, { affinityPlugin as named } from '../src/plugin.ts'

t.test('static members: decorates fastify.affinity', async (t) => {
  t.equal(named, affinityPlugin)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(affinityPlugin, { self: 'a:1', members: [{ server: 'a:1' }, { server: 'b:1' }] })
  app.get('/owner/:uid', async (req) => {
    const { uid } = req.params as { uid: string }
    return { owner: app.affinity.ownerOf(uid), mine: app.affinity.owns(uid) }
  })
  await app.ready()
  t.ok(app.affinity instanceof Affinity)
  const uid = app.affinity.mintUid()
  const res = await app.inject(`/owner/${uid}`)
  t.same(res.json(), { owner: 'a:1', mine: true })
})

t.test(
  'redis URL: the plugin creates the client, joins on ready, leaves and closes it on close',
  async (t) => {
    const redis = await redisForTest(t)
    const watcher = new Redis(redis.url)
    t.teardown(() => watcher.disconnect())
    const app = Fastify()
    await app.register(affinityPlugin, { self: '127.0.0.1:3001', redis: redis.url, heartbeatMs: 100 })
    await app.ready()
    t.same(
      app.affinity.members.map((m) => m.server),
      ['127.0.0.1:3001']
    )
    t.equal(await watcher.sismember('{affinity}:members', '127.0.0.1:3001'), 1)
    t.ok(app.affinity.owns(app.affinity.mintUid()))
    await app.close()
    t.equal(await watcher.sismember('{affinity}:members', '127.0.0.1:3001'), 0, 'left on close')
    t.equal(await watcher.exists('{affinity}:m:127.0.0.1:3001'), 0)
  }
)

t.test('a client passed in stays open; ring changes and errors are logged', async (t) => {
  const redis = await redisForTest(t)
  const client = new Redis(redis.url, { maxRetriesPerRequest: 0 })
  client.on('error', () => {})
  t.teardown(() => client.disconnect())
  const lines: Array<{ msg: string }> = []
  const stream = { write: (s: string) => lines.push(JSON.parse(s)) }
  const app = Fastify({ logger: { level: 'info', stream } })
  await app.register(affinityPlugin, { self: 'a:1', redis: client, ttlMs: 200, heartbeatMs: 20 })
  await app.ready()
  t.ok(lines.some((l) => l.msg === 'affinity: ring changed'))
  await redis.stop()
  while (!lines.some((l) => /membership refresh failed/.test(l.msg)))
    await new Promise((r) => setTimeout(r, 10))
  await redis.start()
  await app.close().catch(() => {})
  t.equal(client.status === 'end', false, "the caller's client is not closed")
})

t.test('bad options fail registration, and a created client is released', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  void app.register(affinityPlugin, { self: 'a:1', redis: 'redis://127.0.0.1:1', members: [] })
  await t.rejects(
    async () => {
      await app.ready()
    },
    { code: 'AFFINITY_INVALID_OPTION', message: /exactly one/ }
  )
})
