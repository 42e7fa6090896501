import { redisForTest } from '@chatbot-pro/test-utils'
import { Redis } from 'ioredis'
import t from 'tap'
import { client, startApp } from './fixtures/harness.ts'

t.test('with Redis as the cold tier a conversation resumes after a server restart', async (t) => {
  const redis = await redisForTest(t, { args: ['--notify-keyspace-events', 'Ex'] })
  const env = { REDIS_URL: redis.url }
  const first = await startApp(t, env)
  const a = client(t, first.wsUrl)
  const session = await a.hello()
  a.send({ v: 1, type: 'text', id: '1', text: 'the product id is 4711' })
  const reply = await a.next('reply')
  t.equal((await first.app.inject('/readyz')).statusCode, 200, 'ready with Redis up')
  await first.app.close()

  const db = new Redis(redis.url)
  t.teardown(() => db.quit())
  const stored = await db.hgetall(`chat:{${session.uid}}`)
  t.ok(stored.value, 'the session is in Redis')
  t.match(JSON.parse(stored.value as string), { state: 'CHATTING' })
  t.ok(Number(await db.pttl(`chat:{${session.uid}}`)) > 0, 'with a TTL')

  const second = await startApp(t, env)
  t.equal(second.app.conversations.size, 0, 'nothing preloaded')
  const b = client(t, second.wsUrl)
  const resumed = await b.hello(session.token)
  t.match(resumed, { type: 'session', uid: session.uid, resumed: true, state: 'CHATTING' })
  t.same(resumed.context, [
    { role: 'user', content: 'the product id is 4711' },
    { role: 'assistant', content: reply.text }
  ])
})

t.test('Redis expiry ends the conversation with a state frame', async (t) => {
  const redis = await redisForTest(t, { args: ['--notify-keyspace-events', 'Ex'] })
  const h = await startApp(t, { REDIS_URL: redis.url, SESSION_TTL_MS: '1000' })
  const c = client(t, h.wsUrl)
  await c.hello()
  c.send({ v: 1, type: 'text', id: '1', text: 'hello' })
  await c.next('reply')
  const end = await c.next('state', 8000)
  t.match(end, { state: 'END', reason: 'expired' })
  t.match(await c.waitClose(), { code: 1000 })
})

t.test('readiness fails while Redis is down', async (t) => {
  const redis = await redisForTest(t, { args: ['--notify-keyspace-events', 'Ex'] })
  const h = await startApp(t, { REDIS_URL: redis.url })
  t.equal((await h.app.inject('/readyz')).statusCode, 200)
  await redis.stop()
  const res = await h.app.inject('/readyz')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { code: 'NOT_READY', message: /Redis/ })
  await redis.start()
})
