import { startRedisCluster } from '@chatbot-pro/test-utils'
import { Cluster } from 'ioredis'
import t from 'tap'
import { Affinity, type MembershipChange, NginxRing, RedisMembership } from '../src/index.ts'

// The same membership against a real Redis Cluster (three masters): the keys share the
// `{affinity}` hash tag, so MULTI, SMEMBERS and MGET stay on one slot; PUBLISH reaches the
// subscribers on every master.

function changeWhere(
  m: RedisMembership,
  pred: (c: MembershipChange) => boolean,
  ms = 15_000
): Promise<MembershipChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching change within ${ms} ms`)), ms)
    const on = (c: MembershipChange): void => {
      if (!pred(c)) return
      clearTimeout(timer)
      m.off('change', on)
      resolve(c)
    }
    m.on('change', on)
  })
}

t.test('members over a Redis Cluster: join, agree, leave, and a killed member expires', async (t) => {
  const cluster = await startRedisCluster()
  t.teardown(() => cluster.close())
  const clients: Cluster[] = []
  const client = (): Cluster => {
    const c = new Cluster([...cluster.startupNodes])
    clients.push(c)
    return c
  }
  t.teardown(() => {
    for (const c of clients) c.disconnect()
  })
  const opts = { ttlMs: 400, heartbeatMs: 50 }
  const a = new RedisMembership({ redis: client(), self: { server: '10.0.0.1:3000' }, ...opts })
  const b = new RedisMembership({ redis: client(), self: { server: '10.0.0.2:3000', weight: 2 }, ...opts })
  const c = new RedisMembership({ redis: client(), self: { server: '10.0.0.3:3000' }, ...opts })
  t.teardown(() => Promise.all([a.stop(), b.stop(), c.stop()]))

  const aSeesAll = changeWhere(a, (ch) => ch.after.length === 3)
  const cSeesAll = changeWhere(c, (ch) => ch.after.length === 3)
  await a.start()
  await b.start()
  await c.start()
  await Promise.all([aSeesAll, cSeesAll])
  t.same(a.members, c.members)
  t.same(
    a.members.map((m) => `${m.server}/${m.weight}`),
    ['10.0.0.1:3000/1', '10.0.0.2:3000/2', '10.0.0.3:3000/1']
  )
  const ra = new NginxRing(a.members)
  const rc = new NginxRing(c.members)
  t.same(
    Array.from({ length: 500 }, (_, i) => ra.owner(`u${i}`)),
    Array.from({ length: 500 }, (_, i) => rc.owner(`u${i}`)),
    'the same ring on every node'
  )

  const leave = changeWhere(a, (ch) => ch.left.some((m) => m.server === '10.0.0.3:3000'))
  await c.stop()
  t.same(
    (await leave).after.map((m) => m.server),
    ['10.0.0.1:3000', '10.0.0.2:3000']
  )

  const expired = changeWhere(a, (ch) => ch.left.some((m) => m.server === '10.0.0.2:3000'))
  await b.stop({ leave: false })
  ;(clients[1] as Cluster).disconnect()
  t.same(
    (await expired).after.map((m) => m.server),
    ['10.0.0.1:3000'],
    'a member that stops beating drops out after the TTL'
  )
})

t.test('Affinity over a Cluster client mints uids this node owns', async (t) => {
  const cluster = await startRedisCluster()
  t.teardown(() => cluster.close())
  const ca = new Cluster([...cluster.startupNodes])
  const cb = new Cluster([...cluster.startupNodes])
  t.teardown(() => {
    ca.disconnect()
    cb.disconnect()
  })
  const a = new Affinity({ self: 'a:1', redis: ca, heartbeatMs: 50, ttlMs: 400 })
  const b = new Affinity({ self: 'b:1', redis: cb, heartbeatMs: 50, ttlMs: 400 })
  t.teardown(() => Promise.all([a.stop(), b.stop()]))
  const both = new Promise<void>((resolve) => {
    const on = (): void => {
      if (a.members.length === 2) {
        a.off('change', on)
        resolve()
      }
    }
    a.on('change', on)
  })
  await a.start()
  await b.start()
  await both
  for (let i = 0; i < 100; i++) {
    const uid = a.mintUid()
    t.equal(a.ownerOf(uid), 'a:1') || t.end()
    t.equal(b.ownerOf(uid), 'a:1') || t.end()
  }
})
