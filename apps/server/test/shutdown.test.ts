import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { redisForTest } from '@chatbot-pro/test-utils'
import { Redis } from 'ioredis'
import t from 'tap'
import { Client, SECRET } from './fixtures/harness.ts'

const entry = join(import.meta.dirname, '..', 'dist', 'server.js')

/** Starts the built server as a real process; resolves with its address once it listens. */
async function startProcess(
  env: Record<string, string>
): Promise<{ child: ChildProcess; url: string; out: string[] }> {
  const child = spawn(process.execPath, [entry], {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      CHATBOT_SECRET: SECRET,
      ...env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const out: string[] = []
  child.stderr?.on('data', (d) => out.push(d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    let buf = ''
    child.stdout?.on('data', (d) => {
      buf += d.toString()
      out.push(d.toString())
      const m = /Chatbot Pro listening on (http:\/\/[\d.]+:\d+)/.exec(buf)
      if (m) resolve(m[1] as string)
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out.join('')}`)))
  })
  return { child, url, out }
}

t.test(
  'SIGTERM: clients told (state + 1001), turns finished, every acknowledged turn in Redis, exit 0',
  async (t) => {
    const redis = await redisForTest(t, { args: ['--notify-keyspace-events', 'Ex'] })
    const { child, url, out } = await startProcess({
      REDIS_URL: redis.url,
      LLM_LATENCY_MS: '150',
      LLM_TOKENS_PER_S: '0',
      SHUTDOWN_TIMEOUT_MS: '5000'
    })
    t.teardown(() => {
      child.kill('SIGKILL')
    })
    const wsUrl = `${url.replace('http', 'ws')}/v1/chat`
    const clients = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const c = new Client(wsUrl)
        t.teardown(() => c.terminate())
        const s = await c.hello()
        return { c, uid: s.uid as string, acked: [] as string[] }
      })
    )
    // Two acknowledged turns each...
    for (const round of [0, 1]) {
      await Promise.all(
        clients.map(async (x) => {
          x.c.send({ v: 1, type: 'text', id: `r${round}`, text: `round ${round} from ${x.uid.slice(0, 8)}` })
          const r = await x.c.next('reply')
          x.acked.push(r.text)
        })
      )
    }
    // ...and a third in flight when SIGTERM arrives.
    for (const x of clients)
      x.c.send({ v: 1, type: 'text', id: 'r2', text: `round 2 from ${x.uid.slice(0, 8)}` })
    await new Promise((r) => setTimeout(r, 30))
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    t.equal(code, 0, `exit 0\n${out.join('')}`)

    const db = new Redis(redis.url)
    t.teardown(() => db.quit())
    for (const x of clients) {
      const closed = await x.c.waitClose()
      t.equal(closed.code, 1001, 'going away')
      const shutdownFrame = x.c.frames.find((f) => f.type === 'state' && f.reason === 'shutdown')
      t.ok(shutdownFrame, 'a state frame before the close')
      const r2 = x.c.frames.find((f) => (f.type === 'reply' || f.type === 'error') && f.id === 'r2')
      if (r2?.type === 'reply') x.acked.push(r2.text)
      const raw = await db.hget(`chat:{${x.uid}}`, 'value')
      t.ok(raw, 'session in Redis')
      const snap = JSON.parse(raw as string)
      const assistant = (snap.context.turns as Array<[string, string]>)
        .filter(([role]) => role === 'assistant')
        .map(([, c]) => c)
      for (const text of x.acked) t.ok(assistant.includes(text), 'acknowledged turn persisted')
    }
  }
)

t.test('a bad configuration stops the start with a message naming the variable', async (t) => {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH, PORT: 'not-a-port' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let err = ''
  child.stderr?.on('data', (d) => {
    err += d.toString()
  })
  const [code] = await once(child, 'exit')
  t.equal(code, 1)
  t.match(err, /Invalid configuration: .*PORT/)

  const prod = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let perr = ''
  prod.stderr?.on('data', (d) => {
    perr += d.toString()
  })
  const [pcode] = await once(prod, 'exit')
  t.equal(pcode, 1)
  t.match(perr, /CHATBOT_SECRET is required/)
})
