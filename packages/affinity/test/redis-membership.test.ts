import { once } from 'node:events'
import { redisForTest } from '@chatbot-pro/test-utils'
import { Redis } from 'ioredis'
import t from 'tap'
import { type MembershipChange, NginxRing, RedisMembership } from '../src/index.ts'

type Change = MembershipChange

/** Resolves with the first `change` for which `pred` holds (listener attached before acting). */
function changeWhere(m: RedisMembership, pred: (c: Change) => boolean, ms = 10_000): Promise<Change> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching change within ${ms} ms`)), ms)
    const on = (c: Change): void => {
      if (!pred(c)) return
      clearTimeout(timer)
      m.off('change', on)
      resolve(c)
    }
    m.on('change', on)
  })
}

const names = (c: { after: readonly { server: string }[] }): string[] => c.after.map((m) => m.server)

t.test('members join, see each other, leave on stop; all build the same ring', async (t) => {
  const redis = await redisForTest(t)
  const clients: Redis[] = []
  const client = (): Redis => {
    const c = new Redis(redis.url)
    clients.push(c)
    return c
  }
  t.teardown(() => {
    for (const c of clients) c.disconnect()
  })
  const a = new RedisMembership({ redis: client(), self: { server: '10.0.0.1:3000' } })
  const b = new RedisMembership({ redis: client(), self: { server: '10.0.0.2:3000', weight: 2 } })
  const c = new RedisMembership({ redis: client(), self: { server: '10.0.0.3:3000' } })
  t.teardown(() => Promise.all([a.stop(), b.stop(), c.stop()]))

  const firstA = once(a, 'change')
  await a.start()
  t.same((await firstA)[0].joined, [{ server: '10.0.0.1:3000', weight: 1, down: false }])
  t.same(names(a.members.length ? { after: a.members } : { after: [] }), ['10.0.0.1:3000'])

  const aSeesAll = changeWhere(a, (ch) => ch.after.length === 3)
  const bSeesAll = changeWhere(b, (ch) => ch.after.length === 3)
  await b.start()
  await c.start()
  await Promise.all([aSeesAll, bSeesAll])
  t.same(names({ after: a.members }), ['10.0.0.1:3000', '10.0.0.2:3000', '10.0.0.3:3000'], 'sorted by server')
  t.same(a.members, b.members)
  t.same(b.members, c.members)
  t.equal(b.members[1]?.weight, 2, 'weight travels with the heartbeat')
  const ra = new NginxRing(a.members)
  const rc = new NginxRing(c.members)
  for (let i = 0; i < 200; i++) t.equal(ra.owner(`u${i}`), rc.owner(`u${i}`)) || t.end()

  const aSeesLeave = changeWhere(a, (ch) => ch.left.length === 1)
  await c.stop()
  const left = await aSeesLeave
  t.same(
    left.left,
    [{ server: '10.0.0.3:3000', weight: 1, down: false }],
    'the leave is announced, not waited for'
  )
  t.same(names(left), ['10.0.0.1:3000', '10.0.0.2:3000'])
  t.same(left.before.length, 3)
  await c.stop()
  await t.rejects(c.start(), { code: 'AFFINITY_CLOSED' })
})

t.test('a member killed without leaving drops out after the TTL', async (t) => {
  const redis = await redisForTest(t)
  const ca = new Redis(redis.url)
  const cb = new Redis(redis.url)
  t.teardown(() => {
    ca.disconnect()
    cb.disconnect()
  })
  const opts = { ttlMs: 300, heartbeatMs: 50 }
  const a = new RedisMembership({ redis: ca, self: { server: 'a:1' }, ...opts })
  const b = new RedisMembership({ redis: cb, self: { server: 'b:1' }, ...opts })
  t.teardown(() => Promise.all([a.stop(), b.stop()]))
  const both = changeWhere(a, (ch) => ch.after.length === 2)
  await a.start()
  await b.start()
  await both
  // A crash: no more heartbeats, no leave message, the connection just goes away.
  const gone = changeWhere(a, (ch) => ch.left.some((m) => m.server === 'b:1'))
  await b.stop({ leave: false })
  cb.disconnect()
  const ch = await gone
  t.same(names(ch), ['a:1'])
  t.equal(await ca.sismember('{affinity}:members', 'b:1'), 0, 'the stale entry is removed from the set')
  t.equal(await ca.exists('{affinity}:m:a:1'), 1, 'a keeps beating')
  t.ok((await ca.pttl('{affinity}:m:a:1')) <= 300)
})

t.test('refresh() calls share one read; foreign or broken entries are ignored', async (t) => {
  const redis = await redisForTest(t)
  const c = new Redis(redis.url)
  t.teardown(() => c.disconnect())
  const m = new RedisMembership({ redis: c, self: { server: 'x:1' }, keyPrefix: 'p:' })
  t.teardown(() => m.stop())
  await m.start()
  await m.start()
  await c.sadd('p:members', 'junk:1', 'zero:1')
  await c.set('p:m:zero:1', '0')
  const p1 = m.refresh()
  const p2 = m.refresh()
  t.equal(p1, p2, 'the same promise')
  await p1
  t.same(names({ after: m.members }), ['x:1'])
  t.same((await c.smembers('p:members')).sort(), ['x:1'], 'junk and weight 0 are pruned')
  await c.del('p:members', 'p:m:x:1')
  await m.refresh()
  t.same(m.members, [], 'an empty set is an empty ring')
  await c.sadd('p:members', 'late:1')
  await c.set('p:m:late:1', '1')
  const late = m.refresh()
  await m.stop()
  await late
  t.same(m.members, [], 'a read that lands after stop() changes nothing')
})

t.test('Redis errors: start fails with the cause, heartbeat errors go to error listeners', async (t) => {
  const redis = await redisForTest(t)
  const bad = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  bad.on('error', () => {})
  const m = new RedisMembership({ redis: bad, self: { server: 'x:1' } })
  const err = await m.start().catch((e: Error) => e)
  t.match(err, { code: 'AFFINITY_REDIS_ERROR', message: /start failed/ })
  t.ok((err as Error).cause)

  // Fail fast while Redis is down instead of queueing commands until it is back.
  const c = new Redis(redis.url, { maxRetriesPerRequest: 0 })
  c.on('error', () => {})
  t.teardown(() => c.disconnect())
  const n = new RedisMembership({ redis: c, self: { server: 'y:1' }, ttlMs: 200, heartbeatMs: 20 })
  await n.start()
  const failing = once(n, 'error')
  await redis.stop()
  const [e] = await failing
  t.match(e, { code: 'AFFINITY_REDIS_ERROR', message: /heartbeat failed/ })
  const silent = new RedisMembership({ redis: c, self: { server: 'z:1' }, ttlMs: 200, heartbeatMs: 20 })
  t.equal(silent.listenerCount('error'), 0)
  await t.rejects(n.stop(), { code: 'AFFINITY_REDIS_ERROR', message: /leave failed/ })
  await redis.start()
})

t.test('options are checked', async (t) => {
  const c = new Redis({ lazyConnect: true })
  t.teardown(() => c.disconnect())
  const mk = (o: unknown) => () => new RedisMembership(o as never)
  t.throws(mk(null), { code: 'AFFINITY_INVALID_OPTION', message: /"options"/ })
  t.throws(mk({ redis: {}, self: { server: 'a' } }), { message: /"redis" must be an ioredis client/ })
  t.throws(mk({ redis: c }), { message: /"self"/ })
  t.throws(mk({ redis: c, self: { server: 'a' }, keyPrefix: 1 }), { message: /keyPrefix/ })
  t.throws(mk({ redis: c, self: { server: 'a' }, ttlMs: '1' }), { code: 'AFFINITY_INVALID_OPTION' })
  t.throws(mk({ redis: c, self: { server: 'a' }, ttlMs: 1 }), { code: 'AFFINITY_OPTION_RANGE' })
  t.throws(mk({ redis: c, self: { server: 'a' }, ttlMs: 100, heartbeatMs: 100 }), {
    message: /< ttlMs \(100\)/
  })
  const m = new RedisMembership({ redis: c, self: { server: 'a:1', weight: 3 } })
  t.same(m.self, { server: 'a:1', weight: 3, down: false })
  t.equal(m.ttlMs, 5000)
  t.equal(m.heartbeatMs, 1000)
  await m.stop()
})
