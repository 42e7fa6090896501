import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { setImmediate as tick } from 'node:timers/promises'
import Fastify from 'fastify'
import t from 'tap'
import { hashContext, REDACTED, redactPaths, Sampler } from '../src/index.ts'
import logSamplerDefault, { logSamplerPlugin } from '../src/plugin.ts'

function lineStream() {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line))
      cb()
    }
  })
  return { lines, stream }
}

const turns = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.msg === 'turn')

t.test('exports', async (t) => {
  t.equal(logSamplerDefault, logSamplerPlugin)
})

t.test('request.logTurn logs through request.log, keeping the request id', async (t) => {
  const { lines, stream } = lineStream()
  let n = 0
  const app = Fastify({ logger: { stream, level: 'info' }, genReqId: () => `req-${++n}` })
  t.teardown(() => app.close())
  await app.register(logSamplerPlugin, { rate: 0.5 })
  t.ok(app.logSampler instanceof Sampler)
  const inKey = Array.from({ length: 100 }, (_, i) => `u${i}`).find((k) => app.logSampler.sampled(k))!
  const outKey = Array.from({ length: 100 }, (_, i) => `u${i}`).find((k) => !app.logSampler.sampled(k))!
  const context = [
    { role: 'user', content: 'hello, my key is sk-abcdefghijklmnopqrstuvwx' },
    { role: 'assistant', content: 'hi' }
  ]
  app.post<{ Body: { uid: string } }>('/turn', async (request) => {
    request.logTurn({ uid: request.body.uid, context, prompt: 'p', reply: 'r' }, 'turn')
    return { ok: true }
  })

  const a = await app.inject({ method: 'POST', url: '/turn', payload: { uid: outKey } })
  const b = await app.inject({ method: 'POST', url: '/turn', payload: { uid: inKey } })
  t.equal(a.statusCode, 200)
  t.equal(b.statusCode, 200)
  await tick()
  const [hashed, full] = turns(lines)
  t.match(hashed, { level: 30, reqId: 'req-1', uid: outKey, ctxHash: hashContext(context).hash, turns: 2 })
  t.notOk('context' in hashed!)
  t.notOk('prompt' in hashed!)
  t.match(full, { reqId: 'req-2', uid: inKey, prompt: 'p', reply: 'r', ctxHash: hashContext(context).hash })
  t.equal((full!.context as Array<{ content: string }>)[0]!.content, `hello, my key is ${REDACTED}`)
})

t.test('errors and warn are logged in full at rate 0', async (t) => {
  const { lines, stream } = lineStream()
  const app = Fastify({ logger: { stream, level: 'info' } })
  t.teardown(() => app.close())
  await app.register(logSamplerPlugin, { rate: 0 })
  app.get('/', async (request) => {
    request.logTurn({ uid: 'u', context: ['c'], err: new Error('llm timeout') }, 'turn')
    app.logSampler.log('warn', request.log, { uid: 'u', context: ['c'] }, 'turn')
    return 'ok'
  })
  await app.inject('/')
  await tick()
  const [err, warn] = turns(lines)
  t.match(err, { level: 30, context: ['c'], err: { message: 'llm timeout' } })
  t.match(warn, { level: 40, context: ['c'] })
})

t.test('burst summaries go to the app logger; onClose flushes them', async (t) => {
  const { lines, stream } = lineStream()
  const app = Fastify({ logger: { stream, level: 'info' }, genReqId: () => 'r' })
  await app.register(logSamplerPlugin, { rate: 0, burst: { initial: 1, thereafter: 0, tickMs: 60_000 } })
  app.get('/', async (request) => {
    request.logTurn({ uid: 'u' }, 'turn')
    return 'ok'
  })
  for (let i = 0; i < 3; i++) await app.inject('/')
  await app.close()
  await tick()
  t.equal(turns(lines).length, 1)
  const summary = lines.find((l) => l.logSampler)
  t.same(summary?.logSampler, { dropped: { turn: 2 }, total: 2, tickMs: 60_000 })
  t.notOk(summary && 'reqId' in summary, 'written by the app logger, not a request logger')
  t.same(app.logSampler.stats(), { full: 0, hashed: 1, dropped: 2 })
})

t.test('works with Fastify logging disabled', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(logSamplerPlugin)
  app.get('/', async (request) => {
    request.logTurn({ uid: 'u', context: 'c' })
    return 'ok'
  })
  t.equal((await app.inject('/')).statusCode, 200)
})

t.test('bad options fail registration with a stable code', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(logSamplerPlugin, { rate: 2 })
  await t.rejects(async () => app.ready(), { code: 'LOG_SAMPLER_INVALID_RATE' })
})

t.test('works with a pino transport (worker thread) and redact paths', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'log-sampler-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'log.ndjson')
  const app = Fastify({
    logger: {
      level: 'info',
      redact: [...redactPaths],
      transport: { target: 'pino/file', options: { destination: file, mkdir: true } }
    }
  })
  await app.register(logSamplerPlugin, { rate: 1 })
  app.get('/', async (request) => {
    request.logTurn({ uid: 'u', context: ['c'], apiKey: 'secret-key' }, 'turn')
    return 'ok'
  })
  await app.inject('/')
  await app.close()
  // The transport writes from a worker thread; wait until the line is there (bounded).
  let found: Record<string, unknown> | undefined
  for (let i = 0; i < 200 && !found; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
    let text = ''
    try {
      text = readFileSync(file, 'utf8')
    } catch {}
    found = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'turn')
  }
  t.match(found, { uid: 'u', context: ['c'], apiKey: '[Redacted]' })
})
