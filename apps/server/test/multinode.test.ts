import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { NginxRing } from '@chatbot-pro/affinity'
import { freePort, type NginxServer, startNginx, startRedis } from '@chatbot-pro/test-utils'
import t from 'tap'
import WebSocket from 'ws'
import { SECRET } from './fixtures/harness.ts'

// Three real server processes (the built dist/server.js, each in its own process group, stopped by
// pid) over one real redis-server, behind a real nginx routing `hash $affinity_key consistent`
// with the map of packages/affinity/README.md. Needs `pnpm --filter @chatbot-pro/server build`.

const entry = join(import.meta.dirname, '..', 'dist', 'server.js')
const USERS = 1000
const CONCURRENCY = 150

// biome-ignore lint/suspicious/noExplicitAny: frames are read loosely in tests
type Frame = Record<string, any> & { type: string }

/** A WebSocket client that says hello on open and hands every frame, and the close, to `next()`. */
class Conn {
  readonly ws: WebSocket
  readonly url: string
  readonly log: string[] = []
  readonly #frames: Frame[] = []
  #head = 0
  #waiter: ((f: Frame) => void) | null = null

  constructor(url: string, hello: Frame) {
    this.url = url
    this.ws = new WebSocket(url)
    this.ws.on('open', () => {
      this.log.push('open>hello')
      this.ws.send(JSON.stringify(hello))
    })
    this.ws.on('message', (d) => this.#push(JSON.parse(d.toString()) as Frame))
    this.ws.on('close', (code) => this.#push({ type: 'close', code }))
    this.ws.on('error', () => {})
  }

  #push(f: Frame): void {
    this.log.push(f.type)
    const w = this.#waiter
    if (w !== null) {
      this.#waiter = null
      w(f)
    } else this.#frames.push(f)
  }

  /** The next frame (or `{ type: 'close', code }`). */
  next(timeoutMs = 20_000): Promise<Frame> {
    if (this.#head < this.#frames.length) return Promise.resolve(this.#frames[this.#head++] as Frame)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no frame within ${timeoutMs} ms on ${this.url} after ${this.log.join(',')}`)),
        timeoutMs
      )
      this.#waiter = (f) => {
        clearTimeout(timer)
        resolve(f)
      }
    })
  }

  send(f: Frame): void {
    this.log.push(`>${f.type}`)
    this.ws.send(JSON.stringify(f))
  }
}

interface NodeProc {
  self: string
  port: number
  child: ChildProcess
  out: string[]
  exit: Promise<number | null>
}

async function spawnNode(port: number, env: Record<string, string>): Promise<NodeProc> {
  const child = spawn(process.execPath, [entry], {
    detached: true,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      CHATBOT_SECRET: SECRET,
      ...env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const out: string[] = []
  const keep = (d: Buffer): void => {
    if (out.length < 200) out.push(d.toString())
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const self = `127.0.0.1:${port}`
  let exited = false
  void exit.then(() => {
    exited = true
  })
  for (const deadline = Date.now() + 30_000; ; ) {
    if (exited) throw new Error(`node ${self} exited:\n${out.join('')}`)
    try {
      if ((await fetch(`http://${self}/readyz`)).ok) break
    } catch {}
    if (Date.now() > deadline) throw new Error(`node ${self} not ready:\n${out.join('')}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return { self, port, child, out, exit }
}

function killGroup(n: NodeProc): void {
  if (n.child.exitCode === null && n.child.signalCode === null && n.child.pid !== undefined) {
    try {
      process.kill(-n.child.pid, 'SIGKILL')
    } catch {}
  }
}

async function turnsOk(self: string): Promise<number> {
  const text = await (await fetch(`http://${self}/metrics`)).text()
  const m = /chatbot_turns_total\{outcome="ok"\} (\d+)/.exec(text)
  return m === null ? 0 : Number(m[1])
}

async function redirectsOf(self: string): Promise<number> {
  const text = await (await fetch(`http://${self}/metrics`)).text()
  let n = 0
  for (const m of text.matchAll(/chatbot_affinity_redirects_total\{[^}]*\} (\d+)/g)) n += Number(m[1])
  return n
}

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (i < items.length) await fn(items[i++] as T)
    })
  )
}

let nginx: NginxServer
let nodes: NodeProc[] = []
let ring: NginxRing
let chatUrl: string

t.before(async () => {
  const redis = await startRedis()
  t.teardown(() => redis.close())
  const ports = [await freePort(), await freePort(), await freePort()]
  const list = ports.map((p) => `127.0.0.1:${p}`)
  ring = new NginxRing(list.map((server) => ({ server })))
  const env = {
    REDIS_URL: redis.url,
    AFFINITY_NODES: list.join(','),
    AFFINITY_ROUTED_BY_BALANCER: 'true',
    LLM_LATENCY_MS: '20',
    LLM_TOKENS_PER_S: '0',
    LLM_REPLY_TOKENS: '6',
    MAX_TURNS: '50',
    MAX_CONTEXT_TOKENS: '100000',
    SHUTDOWN_TIMEOUT_MS: '20000'
  }
  nodes = await Promise.all(ports.map((p, i) => spawnNode(p, { ...env, AFFINITY_SELF: list[i] as string })))
  t.teardown(() => {
    for (const n of nodes) killGroup(n)
  })
  nginx = await startNginx({
    config: ({ port }) => `
  map $arg_uid $affinity_key {
    ""      $request_id;
    default $arg_uid;
  }
  map $http_upgrade $connection_upgrade {
    default upgrade;
    ""      "";
  }
  upstream chat {
    hash $affinity_key consistent;
${list.map((s) => `    server ${s};`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://chat;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1h;
    }
  }`
  })
  t.teardown(() => nginx.close())
  chatUrl = `ws://127.0.0.1:${nginx.port}/v1/chat`
})

/** Opens a connection and says hello; resolves with the session frame (or throws on anything else). */
async function open(url: string, resume?: string): Promise<{ c: Conn; s: Frame }> {
  const c = new Conn(
    url,
    resume === undefined
      ? { v: 1, type: 'hello', stream: false }
      : { v: 1, type: 'hello', resume, stream: false }
  )
  const s = await c.next()
  if (s.type !== 'session') throw new Error(`expected a session frame, got ${JSON.stringify(s)}`)
  return { c, s }
}

async function turn(c: Conn, id: string, text: string): Promise<Frame> {
  c.send({ v: 1, type: 'text', id, text })
  for (;;) {
    const f = await c.next()
    if ((f.type === 'reply' || f.type === 'error') && f.id === id) return f
    if (f.type === 'close' || f.type === 'redirect') return f
  }
}

const users: Array<{ uid: string; token: string }> = []

t.test('(a) users keep all their turns on one node through nginx, with no redirects', async (t) => {
  const before = await Promise.all(nodes.map((n) => turnsOk(n.self)))
  const problems: string[] = []
  await pool(
    Array.from({ length: USERS }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      // A new session (no uid: nginx spreads it by $request_id) and two turns...
      const first = await open(chatUrl)
      const { uid, token } = first.s
      users.push({ uid, token })
      for (const k of [0, 1]) {
        const r = await turn(first.c, `a${k}`, `user ${i} turn ${k}`)
        if (r.type !== 'reply') problems.push(`${uid}: ${JSON.stringify(r)}`)
      }
      first.c.ws.close()
      // ...then a resume through nginx with the uid in the URL, and one more turn.
      const again = await open(`${chatUrl}?uid=${uid}`, token)
      if (again.s.resumed !== true) problems.push(`${uid}: not resumed`)
      const r = await turn(again.c, 'a2', `user ${i} turn 2`)
      if (r.type !== 'reply') problems.push(`${uid}: ${JSON.stringify(r)}`)
      again.c.ws.close()
    }
  )
  t.same(problems, [], 'every turn answered, every resume resumed, no redirect')
  const after = await Promise.all(nodes.map((n) => turnsOk(n.self)))
  const expected = nodes.map((n) => users.filter((u) => ring.owner(u.uid) === n.self).length * 3)
  t.same(
    after.map((x, i) => x - (before[i] as number)),
    expected,
    'each node answered exactly the turns of the users the ring gives it'
  )
  t.ok(
    expected.every((x) => x > 0),
    'new sessions spread over every node'
  )
  t.same(await Promise.all(nodes.map((n) => redirectsOf(n.self))), [0, 0, 0], 'no node redirected anyone')
})

t.test(
  '(b) a resume sent to the wrong node gets a redirect and 4307, and succeeds on the owner',
  async (t) => {
    const u = users[0] as { uid: string; token: string }
    const owner = ring.owner(u.uid)
    const wrong = nodes.find((n) => n.self !== owner) as NodeProc
    const c = new Conn(`ws://${wrong.self}/v1/chat?uid=${u.uid}`, { v: 1, type: 'hello', resume: u.token })
    const f = await c.next()
    t.same(f, { v: 1, type: 'redirect', owner, url: `ws://${owner}/v1/chat?uid=${u.uid}` })
    t.same(await c.next(), { type: 'close', code: 4307 })
    const { c: right, s } = await open(f.url, u.token)
    t.match(s, { uid: u.uid, resumed: true })
    t.match(await turn(right, 'b1', 'after the redirect'), { type: 'reply', id: 'b1' })
    right.ws.close()
  }
)

t.test('(d) adding a node moves about 1/N of the users, all of them to the new node', async (t) => {
  const three = ring
  const fourth = `127.0.0.1:${await freePort()}`
  const four = new NginxRing([...three.servers.map((s) => ({ server: s.server })), { server: fourth }])
  const uids = [...users.map((u) => u.uid), ...Array.from({ length: 20_000 }, () => randomUUID())]
  const moved = uids.filter((u) => three.owner(u) !== four.owner(u))
  const share = moved.length / uids.length
  t.ok(share > 0.15 && share < 0.35, `moved ${(share * 100).toFixed(1)}% (1/4 expected)`)
  t.same(
    moved.filter((u) => four.owner(u) !== fourth),
    [],
    'every moved user moved to the new node, nobody else moved'
  )
})
