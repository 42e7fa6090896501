import { execFile } from 'node:child_process'
import { mock } from 'node:test'
import { promisify } from 'node:util'
import t from 'tap'
import {
  ContextHasher,
  createSampler,
  hashContext,
  REDACTED,
  Sampler,
  type TurnLogger
} from '../src/index.ts'
import { capture, makeContext } from './fixtures/capture.ts'

const run = promisify(execFile)
const fixture = new URL('./fixtures/print-sampled.ts', import.meta.url).pathname

t.test('rate 0 samples nothing, rate 1 everything', async (t) => {
  const none = createSampler({ rate: 0 })
  const all = createSampler({ rate: 1 })
  for (let i = 0; i < 1000; i++) {
    t.equal(none.sampled(`k${i}`), false)
    t.equal(all.sampled(i), true)
  }
  t.ok(new Sampler() instanceof Sampler)
})

t.test('decisions are deterministic, in this process and across processes', async (t) => {
  const s = createSampler({ rate: 0.1, seed: 42n })
  const expected = Array.from({ length: 2000 }, (_, i) => (s.sampled(`user-${i}`) ? '1' : '0')).join('')
  t.equal(
    createSampler({ rate: 0.1, seed: 42 }).sampled('user-7'),
    s.sampled('user-7'),
    'number seed = bigint seed'
  )
  const spawn = () => run(process.execPath, [...process.execArgv, fixture, '2000'], { encoding: 'utf8' })
  const [a, b] = await Promise.all([spawn(), spawn()])
  const pa = JSON.parse(a.stdout)
  const pb = JSON.parse(b.stdout)
  t.equal(pa.sampled, pb.sampled, 'two processes agree')
  t.equal(pa.sampled, expected, 'and agree with this one')
  t.same(pa.ctx, pb.ctx)
  t.same(pa.ctx, hashContext(['hello', { role: 'user', content: 'héllo 漢字' }]))
  const other = createSampler({ rate: 0.1, seed: 43n })
  const changed = Array.from({ length: 2000 }, (_, i) => (other.sampled(`user-${i}`) ? '1' : '0')).join('')
  t.not(changed, expected, 'another seed picks other keys')
})

t.test('the sampled share is within statistical bounds over 1M keys', async (t) => {
  for (const [rate, n] of [
    [0.01, 1_000_000],
    [0.25, 100_000]
  ] as const) {
    const s = createSampler({ rate })
    let hits = 0
    for (let i = 0; i < n; i++) if (s.sampled(`conversation:${i}`)) hits++
    const sd = Math.sqrt(n * rate * (1 - rate))
    t.ok(
      Math.abs(hits - n * rate) < 5 * sd,
      `rate ${rate}: ${hits} of ${n} (expected ${n * rate} +- ${5 * sd})`
    )
  }
  const numeric = createSampler({ rate: 0.5 })
  let hits = 0
  for (let i = 0; i < 20_000; i++) if (numeric.sampled(i)) hits++
  t.ok(Math.abs(hits - 10_000) < 5 * Math.sqrt(5000), `numeric keys: ${hits}`)
})

function keys(s: Sampler, want: boolean): string {
  for (let i = 0; ; i++) if (s.sampled(`u${i}`) === want) return `u${i}`
}

t.test('sampled keys log in full, others log the hash', async (t) => {
  const s = createSampler({ rate: 0.5 })
  const { logger, lines } = capture()
  const context = makeContext(2048)
  const inKey = keys(s, true)
  const outKey = keys(s, false)
  const digest = hashContext(context)

  s.turn(logger, { uid: outKey, context, prompt: 'p', reply: 'r', model: 'm1' }, 'turn')
  t.same(lines.pop(), {
    level: 30,
    uid: outKey,
    model: 'm1',
    ctxHash: digest.hash,
    ctxBytes: digest.bytes,
    turns: digest.turns,
    msg: 'turn'
  })

  s.turn(logger, { uid: inKey, context, prompt: 'p', reply: 'r', model: 'm1' }, 'turn')
  t.same(lines.pop(), {
    level: 30,
    uid: inKey,
    model: 'm1',
    ctxHash: digest.hash,
    ctxBytes: digest.bytes,
    turns: digest.turns,
    context,
    prompt: 'p',
    reply: 'r',
    msg: 'turn'
  })

  s.turn(logger, { uid: outKey, context: 'a string context' })
  t.match(lines.pop(), { ctxHash: hashContext('a string context').hash, turns: 1, ctxBytes: 16 })

  s.turn(logger, { uid: outKey, model: 'no context' })
  t.same(lines.pop(), { level: 30, uid: outKey, model: 'no context' })

  s.turn(logger, { context: 'no key' })
  t.notOk('context' in lines.pop()!, 'an entry without its key is not sampled')
  s.turn(logger, { uid: null, context: 'null key' })
  t.notOk('context' in lines.pop()!)
  t.same(s.stats(), { full: 1, hashed: 5, dropped: 0 })
})

t.test('a ContextHasher is used as is, and its turns are logged when full', async (t) => {
  const s = createSampler({ rate: 0.5, key: 'conversation' })
  const { logger, lines } = capture()
  const h = new ContextHasher(['one', 'two'])
  s.turn(logger, { conversation: keys(s, false), context: h })
  t.match(lines.pop(), { ctxHash: h.hash, ctxBytes: 6, turns: 2 })
  s.turn(logger, { conversation: keys(s, true), context: h })
  t.match(lines.pop(), { ctxHash: h.hash, context: ['one', 'two'] })
})

t.test('a precomputed digest: hashed entries log it without touching the context', async (t) => {
  const s = createSampler({ rate: 0.5 })
  const { logger, lines } = capture()
  const context = [{ role: 'user', content: 'the prompt as sent' }]
  const h = new ContextHasher([{ role: 'user', content: 'the window' }])
  // A context that throws if anything reads it: a hashed entry must not.
  const untouchable = new Proxy(context, {
    get() {
      throw new Error('read')
    }
  })
  s.turn(logger, { uid: keys(s, false), context: untouchable, digest: h, reply: 'r', ms: 3 })
  t.same(lines.pop(), { level: 30, uid: keys(s, false), ms: 3, ctxHash: h.hash, ctxBytes: h.bytes, turns: 1 })
  const d = hashContext(['x', 'y'])
  s.turn(logger, { uid: keys(s, false), digest: d })
  t.match(lines.pop(), { ctxHash: d.hash, ctxBytes: 2, turns: 2 })
  // Full: the context is logged and its own hash with it, so ctxHash always matches what is logged.
  s.turn(logger, { uid: keys(s, true), context, digest: h, reply: 'r' })
  const full = lines.pop()!
  t.match(full, { ctxHash: hashContext(context).hash, context, reply: 'r' })
  t.notOk('digest' in full, 'the digest itself is never copied into an entry')
  s.turn(logger, { uid: keys(s, true), digest: h })
  t.match(lines.pop(), { ctxHash: h.hash, turns: 1 })
  t.same(s.stats(), { full: 2, hashed: 2, dropped: 0 })
})

t.test('warn/error/fatal and entries with err are never sampled away', async (t) => {
  const s = createSampler({ rate: 0, burst: { initial: 0, thereafter: 0 }, now: () => 0 })
  const { logger, lines } = capture()
  for (const level of ['warn', 'error', 'fatal'] as const) {
    s.log(level, logger, { uid: 'u', context: ['c'], prompt: 'p' }, level)
    t.match(lines.pop(), { msg: level, context: ['c'], prompt: 'p' })
  }
  s.turn(logger, { uid: 'u', context: ['c'], err: new Error('boom') }, 'failed turn')
  t.match(lines.pop(), { level: 30, context: ['c'], err: { message: 'boom' } })
  s.turn(logger, { uid: 'u', context: ['c'] }, 'dropped by burst')
  t.equal(lines.length, 0, 'an info turn is dropped by the burst limit, the others were not')
  s.close()
  t.same(s.stats(), { full: 4, hashed: 0, dropped: 1 })

  const custom = createSampler({ rate: 0, always: ['debug'], level: 'debug' })
  custom.turn(logger, { uid: 'u', context: 'c' })
  t.match(lines.pop(), { level: 20, context: 'c' })
  custom.log('warn', logger, { uid: 'u', context: 'c' })
  t.notOk('context' in lines.pop()!, 'always replaces the default list')
})

t.test('a disabled level costs nothing and logs nothing', async (t) => {
  const s = createSampler({ rate: 1 })
  const { logger, lines } = capture({ level: 'warn' })
  s.turn(logger, { uid: 'u', context: 'c' })
  t.equal(lines.length, 0)
  t.same(s.stats(), { full: 0, hashed: 0, dropped: 0 })
  const calls: unknown[] = []
  const bare = { info: (o: object) => calls.push(o) } as unknown as TurnLogger
  s.turn(bare, { uid: 'u' })
  t.equal(calls.length, 1, 'a logger without isLevelEnabled is always called')
})

t.test('full entries are scrubbed; hashed ones never carry the text', async (t) => {
  const s = createSampler({ rate: 1 })
  const { logger, lines } = capture()
  const secret = 'sk-abcdefghijklmnopqrstuv'
  const context = [
    `my key is ${secret}`,
    { role: 'user', content: `Bearer ${secret}` },
    { role: 'assistant', content: 'clean' },
    { role: 'tool', content: { json: secret } },
    null
  ] as never
  s.turn(logger, { uid: 'u', context, prompt: `use ${secret}`, reply: [`${secret}`, 5], n: 1 })
  const line = lines.pop()!
  t.same(line.context, [
    `my key is ${REDACTED}`,
    { role: 'user', content: `Bearer ${REDACTED}` },
    { role: 'assistant', content: 'clean' },
    { role: 'tool', content: { json: secret } },
    null
  ])
  t.equal(line.prompt, `use ${REDACTED}`)
  t.same(line.reply, [REDACTED, 5])
  t.same(context[2], { role: 'assistant', content: 'clean' }, 'the caller context is not modified')
  t.equal((context[0] as string).includes(secret), true)

  s.turn(logger, { uid: 'u', prompt: { messages: 1 } })
  t.same(lines.pop()!.prompt, { messages: 1 }, 'non-text values pass through')

  const raw = createSampler({ rate: 1, scrub: false })
  raw.turn(logger, { uid: 'u', prompt: secret, context: [secret] })
  t.match(lines.pop(), { prompt: secret, context: [secret] })

  const custom = createSampler({ rate: 1, scrub: (s) => s.toUpperCase() })
  custom.turn(logger, { uid: 'u', prompt: 'abc' })
  t.equal(lines.pop()!.prompt, 'ABC')
})

t.test(
  'burst limiting: first `initial` per tick, then every `thereafter`-th; summary per tick',
  async (t) => {
    let now = 10_000
    const s = createSampler({ rate: 0, burst: { initial: 2, thereafter: 3, tickMs: 1000 }, now: () => now })
    const { logger, lines } = capture()
    const logged: unknown[] = []
    for (let i = 1; i <= 10; i++) {
      s.turn(logger, { uid: 'u', i }, 'a')
      if (lines.length) logged.push(lines.pop()!.i)
    }
    t.same(logged, [1, 2, 5, 8], 'n = 1, 2, then initial + 3k')
    s.turn(logger, { uid: 'u' }, 'b')
    s.turn(logger, { uid: 'u' })
    t.equal(lines.length, 2, 'counters are per message')
    lines.length = 0

    now += 999
    s.turn(logger, { uid: 'u', i: 11 }, 'a')
    s.turn(logger, { uid: 'u', i: 12 }, 'a')
    t.same(
      lines.map((l) => l.i),
      [11],
      'still the same tick: n = 11 logged, 12 dropped'
    )
    lines.length = 0
    now += 1
    s.turn(logger, { uid: 'u' }, 'a')
    t.same(lines[0], {
      level: 30,
      logSampler: { dropped: { a: 7 }, total: 7, tickMs: 1000 },
      msg: 'log-sampler: entries dropped by burst limiting'
    })
    t.equal(lines[1]!.msg, 'a', 'a new tick starts from zero')
    t.same(s.stats(), { full: 0, hashed: 8, dropped: 7 })

    lines.length = 0
    now += 5000
    s.flush()
    t.equal(lines.length, 0, 'no summary when nothing was dropped')
    s.turn(logger, { uid: 'u' }, 'a')
    t.equal(lines.length, 1, 'messages not seen for a tick were forgotten and start again')

    const noBurst = createSampler({ rate: 0 })
    noBurst.flush()
    noBurst.close()
  }
)

t.test('summaries go to summaryLogger when given', async (t) => {
  let now = 0
  const main = capture()
  const child = capture()
  const s = createSampler({
    rate: 0,
    burst: { initial: 0, thereafter: 0, tickMs: 100 },
    now: () => now,
    summaryLogger: main.logger
  })
  s.turn(child.logger, { uid: 'u' }, 'x')
  s.turn(child.logger, { uid: 'u' }, 'y')
  t.equal(child.lines.length, 0)
  now = 100
  s.flush()
  t.same(main.lines[0]!.logSampler, { dropped: { x: 1, y: 1 }, total: 2, tickMs: 100 })
  t.equal(child.lines.length, 0)
})

t.test('an unref()ed timer writes the summary when no further entry arrives', async (t) => {
  mock.timers.enable({ apis: ['setTimeout'] })
  t.teardown(() => mock.timers.reset())
  let now = 0
  const s = createSampler({ rate: 0, burst: { initial: 1, thereafter: 0, tickMs: 1000 }, now: () => now })
  const { logger, lines } = capture()
  s.turn(logger, { uid: 'u' }, 'm')
  s.turn(logger, { uid: 'u' }, 'm')
  s.turn(logger, { uid: 'u' }, 'm')
  t.equal(lines.length, 1)
  now = 999
  mock.timers.tick(999)
  t.equal(lines.length, 1)
  now = 1000
  mock.timers.tick(1)
  t.same(lines[1]!.logSampler, { dropped: { m: 2 }, total: 2, tickMs: 1000 })

  now = 1500
  s.turn(logger, { uid: 'u' }, 'm')
  s.turn(logger, { uid: 'u' }, 'm')
  t.equal(lines.length, 3)
  s.close()
  t.same(lines[3]!.logSampler, { dropped: { m: 1 }, total: 1, tickMs: 1000 }, 'close() flushes')
  mock.timers.tick(5000)
  t.equal(lines.length, 4, 'the timer was cleared')
})
