import { createServer, type Socket, connect as tcpConnect } from 'node:net'
import { NginxRing } from '@chatbot-pro/affinity'
import { freePort, redisForTest } from '@chatbot-pro/test-utils'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { handoverFrom, redirectUrl } from '../src/affinity.ts'
import { buildApp } from '../src/app.ts'
import { loadConfig, parseNodes } from '../src/config.ts'
import { type Client, client, SECRET } from './fixtures/harness.ts'

interface Node {
  app: FastifyInstance
  self: string
  url: string
  ws: string
}

const BASE = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  CHATBOT_SECRET: SECRET,
  LLM_LATENCY_MS: '5',
  LLM_TOKENS_PER_S: '2000',
  LLM_REPLY_TOKENS: '8'
}

/** An in-process node on a fixed port (its AFFINITY_SELF must name the port before it listens). */
async function node(
  t: Test,
  port: number,
  env: Record<string, string>,
  opts: { closeAtEnd?: boolean } = {}
): Promise<Node> {
  const config = loadConfig({ ...BASE, PORT: String(port), ...env })
  const app = await buildApp(config, { logger: false })
  await app.listen({ host: '127.0.0.1', port })
  if (opts.closeAtEnd !== false) t.teardown(() => app.close())
  const self = `127.0.0.1:${port}`
  return { app, self, url: `http://${self}`, ws: `ws://${self}/v1/chat` }
}

t.test('configuration: affinity options are validated with messages naming the variable', async (t) => {
  const load = (env: Record<string, string>) => () => loadConfig({ ...BASE, ...env })
  t.equal(loadConfig(BASE).AFFINITY_SELF, undefined, 'off by default')
  t.throws(load({ AFFINITY_NODES: 'a:1' }), /AFFINITY_NODES \/ AFFINITY_REDIS need AFFINITY_SELF/)
  t.throws(load({ AFFINITY_REDIS: 'true' }), /need AFFINITY_SELF/)
  t.throws(load({ AFFINITY_SELF: 'no-port' }), /AFFINITY_SELF must be `host:port`/)
  t.throws(load({ AFFINITY_SELF: 'a:1' }), /exactly one membership/)
  t.throws(load({ AFFINITY_SELF: 'a:1', AFFINITY_NODES: 'a:1', AFFINITY_REDIS: 'true' }), /exactly one/)
  t.throws(load({ AFFINITY_SELF: 'a:1', AFFINITY_REDIS: 'true' }), /AFFINITY_REDIS=true needs REDIS_URL/)
  t.throws(load({ AFFINITY_SELF: 'a:1', AFFINITY_NODES: 'b:1,c:2' }), /does not list AFFINITY_SELF a:1/)
  t.throws(load({ AFFINITY_SELF: 'a:1', AFFINITY_NODES: 'a:1,b' }), /entry "b" is not `host:port`/)
  t.throws(load({ AFFINITY_SELF: 'a:1', AFFINITY_NODES: 'a:1,a:1' }), /lists a:1 twice/)
  t.throws(load({ AFFINITY_SELF: 'a:1', AFFINITY_NODES: 'a:1=0' }), /weight of a:1 must be 1-1000, got 0/)
  t.throws(load({ AFFINITY_SELF: 'a:1', AFFINITY_NODES: 'a:1', AFFINITY_TTL_MS: '5' }), /AFFINITY_TTL_MS/)
  t.same(parseNodes('10.0.0.1:3000, 10.0.0.2:3000=2'), [
    { server: '10.0.0.1:3000' },
    { server: '10.0.0.2:3000', weight: 2 }
  ])
  const ok = loadConfig({
    ...BASE,
    AFFINITY_SELF: 'a:1',
    AFFINITY_REDIS: 'true',
    REDIS_URL: 'redis://127.0.0.1:1',
    AFFINITY_ROUTED_BY_BALANCER: 'true'
  })
  t.match(ok, { AFFINITY_REDIS: true, AFFINITY_ROUTED_BY_BALANCER: true, AFFINITY_TTL_MS: 5000 })
  t.equal(redirectUrl('h:1', 'u-1'), 'ws://h:1/v1/chat?uid=u-1')
  t.equal(redirectUrl('h:1', 'u-1', 'h:2'), 'ws://h:1/v1/chat?uid=u-1&from=h%3A2')
  t.equal(handoverFrom('/v1/chat?uid=u&from=h%3A2'), 'h:2')
  t.equal(handoverFrom('/v1/chat?uid=u&from=evil/x:1'), null, 'only a host:port')
  t.equal(handoverFrom('/v1/chat?uid=u'), null)
  t.equal(handoverFrom('/v1/chat'), null)
  t.equal(handoverFrom(undefined), null)
})

t.test(
  'two nodes, static list: uids minted owned here, misroutes redirected (ws 4307, http 307)',
  async (t) => {
    const redis = await redisForTest(t)
    const ports = [await freePort(), await freePort()]
    const nodes = ports.map((p) => `127.0.0.1:${p}`)
    const env = { REDIS_URL: redis.url, AFFINITY_NODES: nodes.join(',') }
    const a = await node(t, ports[0] as number, { ...env, AFFINITY_SELF: nodes[0] as string })
    const b = await node(t, ports[1] as number, { ...env, AFFINITY_SELF: nodes[1] as string })
    const ring = new NginxRing(nodes.map((server) => ({ server })))

    // New sessions on A: every uid is one A owns (WebSocket and HTTP).
    const sessions = []
    for (let i = 0; i < 20; i++) {
      const c = client(t, a.ws)
      const s = await c.hello()
      t.equal(ring.owner(s.uid), a.self, 'ws: minted owned by A')
      sessions.push({ c, s })
    }
    const created = await b.app.inject({ method: 'POST', url: '/v1/sessions' })
    t.equal(ring.owner(created.json().uid), b.self, 'http: minted owned by B')

    // A's user resumes on B: redirect frame to A, then 4307.
    const { s } = sessions[0] as { s: Record<string, string> }
    const wrong = client(t, `${b.ws}?uid=${s.uid}`)
    const frame = await wrong.hello(s.token)
    t.same(frame, { v: 1, type: 'redirect', owner: a.self, url: `ws://${a.self}/v1/chat?uid=${s.uid}` })
    t.equal((await wrong.waitClose()).code, 4307)
    const right = client(t, frame.url)
    t.match(await right.hello(s.token), { type: 'session', uid: s.uid, resumed: true })

    // HTTP: 307 with Location on the owner, same path; the owner answers.
    const auth = { authorization: `Bearer ${s.token}` }
    const moved = await b.app.inject({ url: `/v1/sessions/${s.uid}`, headers: auth })
    t.equal(moved.statusCode, 307)
    t.equal(moved.headers.location, `http://${a.self}/v1/sessions/${s.uid}`)
    t.equal((await a.app.inject({ url: `/v1/sessions/${s.uid}`, headers: auth })).statusCode, 200)
    const post = await b.app.inject({
      method: 'POST',
      url: `/v1/sessions/${s.uid}/messages`,
      headers: auth,
      payload: { text: 'hi' }
    })
    t.equal(post.statusCode, 307, 'messages too')
    // Authorisation first: a bad token is a 401, not a redirect that reveals the owner.
    const bad = await b.app.inject({ url: `/v1/sessions/${s.uid}`, headers: { authorization: 'Bearer x' } })
    t.equal(bad.statusCode, 401)
    const metrics = (await b.app.inject('/metrics')).body
    t.match(metrics, /chatbot_affinity_redirects_total\{transport="ws",reason="misroute"\} 1/)
    t.match(metrics, /chatbot_affinity_redirects_total\{transport="http",reason="misroute"\} 2/)
  }
)

t.test(
  'handover: turns finish, sessions flushed, clients redirected to the new owner, who takes them',
  async (t) => {
    const redis = await redisForTest(t)
    const ports = [await freePort(), await freePort(), await freePort()]
    const nodes = ports.map((p) => `127.0.0.1:${p}`)
    const env = { REDIS_URL: redis.url, AFFINITY_NODES: nodes.join(','), LLM_LATENCY_MS: '200' }
    const leaving = await node(
      t,
      ports[0] as number,
      { ...env, AFFINITY_SELF: nodes[0] as string },
      { closeAtEnd: false }
    )
    const others = [
      await node(t, ports[1] as number, { ...env, AFFINITY_SELF: nodes[1] as string }),
      await node(t, ports[2] as number, { ...env, AFFINITY_SELF: nodes[2] as string })
    ]
    const without = new NginxRing(nodes.slice(1).map((server) => ({ server })))
    const users: Array<{ c: Client; uid: string; token: string }> = []
    for (let i = 0; i < 12; i++) {
      const c = client(t, leaving.ws)
      const s = await c.hello()
      users.push({ c, uid: s.uid, token: s.token })
    }
    // A turn in flight on every connection when the handover starts.
    for (const [i, u] of users.entries()) u.c.send({ v: 1, type: 'text', id: 't1', text: `in flight ${i}` })
    // Every turn has reached the server (a fixed pause raced the frames on a loaded machine).
    for (
      const deadline = Date.now() + 10_000;
      leaving.app.queues.turns.inFlight + leaving.app.queues.turns.depth < 12;
    ) {
      if (Date.now() > deadline) throw new Error('the turns never all reached the leaving node')
      await new Promise((r) => setTimeout(r, 5))
    }
    const closing = leaving.app.close()
    const db = new Redis(redis.url)
    t.teardown(() => db.quit())
    for (const [i, u] of users.entries()) {
      const reply = await u.c.next('reply', 10_000)
      const redirect = await u.c.next('redirect', 10_000)
      const owner = without.owner(u.uid)
      t.same(redirect, {
        v: 1,
        type: 'redirect',
        owner,
        url: `ws://${owner}/v1/chat?uid=${u.uid}&from=${encodeURIComponent(leaving.self)}`
      })
      t.equal((await u.c.waitClose(10_000)).code, 4307)
      // Flushed before the redirect: the new owner finds the finished turn in Redis.
      const snap = JSON.parse((await db.hget(`chat:{${u.uid}}`, 'value')) as string)
      t.same(snap.context.turns.slice(-2), [
        ['user', `in flight ${i}`],
        ['assistant', reply.text]
      ])
    }
    // The leaving node is still draining (not ready): the new owners mark it down and take over.
    for (const u of users) {
      const next = client(t, u.c.frames.find((f) => f.type === 'redirect')?.url as string)
      const s = await next.hello(u.token)
      t.match(s, { type: 'session', uid: u.uid, resumed: true }, 'resumed on the new owner')
      next.send({ v: 1, type: 'text', id: 't2', text: 'and now?' })
      t.match(await next.next('reply', 10_000), { id: 't2' })
      next.terminate()
    }
    await closing
    t.equal(
      await leaving.app.handover?.().then((r) => r.redirected),
      users.length,
      'idempotent: one handover'
    )
    const owned = others.map((o) => o.app.affinity.ring.owner(users[0]?.uid as string))
    t.equal(owned[0], owned[1], 'both remaining nodes agree on the new ring')
  }
)

/** A TCP proxy to Redis whose client -> Redis direction can be held (a slow or partitioned link). */
async function stallingProxy(t: Test, target: number): Promise<{ url: string; hold(on: boolean): void }> {
  let held = false
  const waiting: Array<() => void> = []
  const server = createServer((down: Socket) => {
    const up = tcpConnect(target, '127.0.0.1')
    up.pipe(down)
    down.on('data', (chunk) => {
      if (!held) up.write(chunk)
      else waiting.push(() => up.write(chunk))
    })
    const end = (): void => {
      up.destroy()
      down.destroy()
    }
    up.on('error', end).on('close', end)
    down.on('error', end).on('close', end)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  const { port } = server.address() as { port: number }
  return {
    url: `redis://127.0.0.1:${port}`,
    hold(on) {
      held = on
      if (!on) for (const w of waiting.splice(0)) w()
    }
  }
}

t.test("a late write from the old owner does not overwrite the new owner's newer session", async (t) => {
  const redis = await redisForTest(t)
  const proxy = await stallingProxy(t, redis.port)
  const oldOwner = await node(t, await freePort(), { REDIS_URL: proxy.url })
  const newOwner = await node(t, await freePort(), { REDIS_URL: redis.url })
  const a = client(t, oldOwner.ws)
  const s = await a.hello()
  a.send({ v: 1, type: 'text', id: '1', text: 'first, on the old owner' })
  await a.next('reply')
  await oldOwner.app.sessionCache.flush()

  // The old owner's link to Redis stalls: its next write-behind batch is late.
  proxy.hold(true)
  a.send({ v: 1, type: 'text', id: '2', text: 'second, written late by the old owner' })
  await a.next('reply')
  t.ok(oldOwner.app.sessionCache.stats().dirty >= 1, 'the old write is pending')

  // Meanwhile the user is on the new owner, which loads the flushed state and writes a newer one.
  const b = client(t, newOwner.ws)
  const resumed = await b.hello(s.token)
  t.equal(resumed.context.length, 2, 'the new owner sees the flushed turn only')
  b.send({ v: 1, type: 'text', id: '3', text: 'third, on the new owner' })
  await b.next('reply')
  await newOwner.app.sessionCache.flush()

  // The late write arrives: the compare-and-set refuses it (older version).
  const stale = new Promise<[string, number]>((resolve) =>
    oldOwner.app.sessionCache.once('stale', (key: string, version: number) => resolve([key, version]))
  )
  proxy.hold(false)
  const [key] = await stale
  t.equal(key, s.uid, 'the old owner learns its write was stale')
  t.equal(oldOwner.app.sessionCache.stats().staleWrites, 1)
  const db = new Redis(redis.url)
  t.teardown(() => db.quit())
  const snap = JSON.parse((await db.hget(`chat:{${s.uid}}`, 'value')) as string)
  const users = (snap.context.turns as Array<[string, string]>)
    .filter(([r]) => r === 'user')
    .map(([, c]) => c)
  t.same(users, ['first, on the old owner', 'third, on the new owner'], "the new owner's session stands")
})

t.test(
  'Redis membership: nodes find each other, a leaving node hands its users to the survivor',
  async (t) => {
    const redis = await redisForTest(t)
    const ports = [await freePort(), await freePort()]
    const env = { REDIS_URL: redis.url, AFFINITY_REDIS: 'true', AFFINITY_TTL_MS: '2000' }
    const a = await node(
      t,
      ports[0] as number,
      { ...env, AFFINITY_SELF: `127.0.0.1:${ports[0]}` },
      { closeAtEnd: false }
    )
    const b = await node(t, ports[1] as number, { ...env, AFFINITY_SELF: `127.0.0.1:${ports[1]}` })
    for (const deadline = Date.now() + 10_000; a.app.affinity.members.length < 2; ) {
      if (Date.now() > deadline) throw new Error('A never saw B')
      await new Promise((r) => setTimeout(r, 20))
    }
    const users = []
    for (let i = 0; i < 8; i++) {
      const c = client(t, a.ws)
      const s = await c.hello()
      t.equal(a.app.affinity.ownerOf(s.uid), a.self, 'minted owned by A')
      users.push({ c, s })
    }
    await a.app.close()
    for (const { c, s } of users) {
      const redirect = await c.next('redirect')
      t.equal(redirect.owner, b.self)
      const next = client(t, redirect.url)
      t.match(await next.hello(s.token), { type: 'session', uid: s.uid, resumed: true })
    }
    t.same(
      b.app.affinity.members.map((m) => m.server),
      [b.self],
      'the leave reached B'
    )
  }
)

t.test('a from= hint naming a node that is still ready is ignored (static and Redis)', async (t) => {
  const redis = await redisForTest(t)
  for (const mode of ['static', 'redis']) {
    const ports = [await freePort(), await freePort()]
    const nodes = ports.map((p) => `127.0.0.1:${p}`)
    const env: Record<string, string> =
      mode === 'static'
        ? { REDIS_URL: redis.url, AFFINITY_NODES: nodes.join(',') }
        : { REDIS_URL: redis.url, AFFINITY_REDIS: 'true' }
    const a = await node(t, ports[0] as number, { ...env, AFFINITY_SELF: nodes[0] as string })
    const b = await node(t, ports[1] as number, { ...env, AFFINITY_SELF: nodes[1] as string })
    for (const deadline = Date.now() + 10_000; b.app.affinity.members.length < 2; ) {
      if (Date.now() > deadline) throw new Error('B never saw A')
      await new Promise((r) => setTimeout(r, 20))
    }
    const s = await client(t, a.ws).hello()
    const forged = client(t, `${b.ws}?uid=${s.uid}&from=${encodeURIComponent(a.self)}`)
    t.match(await forged.hello(s.token), { type: 'redirect', owner: a.self }, `${mode}: still A's`)
    t.equal((await forged.waitClose()).code, 4307)
    t.notOk(
      b.app.affinity.members.some((m) => m.down),
      `${mode}: nobody marked down`
    )
  }
})

t.test('static list: a node marked down after its handover comes back once it is ready again', async (t) => {
  const redis = await redisForTest(t)
  const ports = [await freePort(), await freePort()]
  const nodes = ports.map((p) => `127.0.0.1:${p}`)
  const env = { REDIS_URL: redis.url, AFFINITY_NODES: nodes.join(',') }
  const envA = { ...env, AFFINITY_SELF: nodes[0] as string }
  const a = await node(t, ports[0] as number, envA, { closeAtEnd: false })
  const b = await node(t, ports[1] as number, { ...env, AFFINITY_SELF: nodes[1] as string })
  const c = client(t, a.ws)
  const s = await c.hello()
  await a.app.close()
  const redirect = await c.next('redirect')
  t.match(await client(t, redirect.url).hello(s.token), { type: 'session', resumed: true })
  t.same(
    b.app.affinity.members.map((m) => m.down),
    [true, false],
    'A marked down on B'
  )
  // A restarts: B's re-probe finds it ready and puts it back in the ring.
  await node(t, ports[0] as number, envA)
  for (const deadline = Date.now() + 15_000; b.app.affinity.members.some((m) => m.down); ) {
    if (Date.now() > deadline) throw new Error('A never came back on B')
    await new Promise((r) => setTimeout(r, 50))
  }
  t.equal(b.app.affinity.ownerOf(s.uid), a.self, "A owns its users again in B's ring")
})

t.test('the last node: handover has nobody to redirect to; clients get the usual 1001', async (t) => {
  const port = await freePort()
  const self = `127.0.0.1:${port}`
  const solo = await node(t, port, { AFFINITY_SELF: self, AFFINITY_NODES: self }, { closeAtEnd: false })
  const c = client(t, solo.ws)
  await c.hello()
  await solo.app.close()
  t.equal((await c.waitClose()).code, 1001)
  t.notOk(
    c.frames.some((f) => f.type === 'redirect'),
    'no redirect'
  )
  t.match(await solo.app.handover?.(), { redirected: 0 })
})
