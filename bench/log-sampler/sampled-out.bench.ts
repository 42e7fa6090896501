// The sampled-out turn as the reference server logs it (issue 16 item 4), for 1 KB and 8 KB
// context windows: the context array rehashed on every turn (the server today) vs a per-
// conversation ContextHasher kept in step with the fsm context (`sync` after the turn, then
// `digest`) vs a plain pino info of the same small fields. Every contender does the same context
// work per turn (fsm: the user's message and the reply appended, old rounds trimmed,
// `messages()`), and a fourth row does only that, so the logging cost is also shown net of it.
// Also: heap and ArrayBuffer bytes per ContextHasher following a full default window.
// `node --expose-gc --import tsx log-sampler/sampled-out.bench.ts` (from bench/).
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { approximateTokens, type ContextLimits, ConversationContext } from '@chatbot-pro/fsm'
import { ContextHasher, createSampler } from '@chatbot-pro/log-sampler'
import pino from 'pino'
import { fmtRatio, median, report } from '../lib/report.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')

const CONVERSATIONS = 1_000
const ROUNDS = 13
const POOL = 64
const SYSTEM = 'You are the support desk of an online shop. Answer briefly and politely.'
const limits: ContextLimits = {
  maxTurns: 5,
  maxTokens: Number.POSITIVE_INFINITY,
  countTokens: approximateTokens
}
const sampler = createSampler({ rate: 0.01 })
const uids = Array.from({ length: CONVERSATIONS * 3 }, (_, i) => `user-${i}`)
  .filter((u) => !sampler.sampled(u))
  .slice(0, CONVERSATIONS)

/** A turn text of about `bytes` bytes (ASCII), distinct per `i`. */
function text(i: number, bytes: number): string {
  const base = `message ${i}: my order #${10_000 + i} has not arrived yet, could you check where it is? `
  return base.repeat(Math.ceil(bytes / base.length)).slice(0, bytes)
}

interface Conv {
  uid: string
  ctx: ConversationContext
  hasher: ContextHasher
}

/** Conversations whose window (system + 5 rounds) holds about `windowBytes`. */
function conversations(windowBytes: number): { convs: Conv[]; users: string[]; replies: string[] } {
  const turnBytes = Math.round((windowBytes - SYSTEM.length) / 10)
  const users = Array.from({ length: POOL }, (_, i) => text(i, turnBytes))
  const replies = Array.from({ length: POOL }, (_, i) => text(i + POOL, turnBytes))
  const convs = uids.map((uid, c) => {
    const ctx = new ConversationContext(limits, SYSTEM)
    for (let r = 0; r < 5; r++) {
      ctx.addUser(users[(c + r) % POOL]!)
      ctx.addAssistant(replies[(c + r) % POOL]!)
    }
    return { uid, ctx, hasher: new ContextHasher().sync(ctx) }
  })
  return { convs, users, replies }
}

type Logger = pino.Logger
interface Contender {
  name: string
  ops: number
  run: (log: Logger, i: number) => void
}

function contenders(windowBytes: number): Contender[] {
  const { convs, users, replies } = conversations(windowBytes)
  /** The context work of a turn, shared by every contender. */
  const step = (i: number): Conv => {
    const c = convs[i % CONVERSATIONS]!
    c.ctx.addUser(users[i % POOL]!)
    c.ctx.addAssistant(replies[(i + 7) % POOL]!)
    return c
  }
  return [
    {
      name: 'server today: sampler.turn({ context: messages }) rehashes the window',
      ops: 3_000,
      run: (log, i) => {
        const c = step(i)
        const messages = c.ctx.messages()
        sampler.turn(log, {
          key: c.uid,
          uid: c.uid,
          id: 'm1',
          context: messages,
          reply: 'r',
          ms: 12,
          echo: false
        })
      }
    },
    {
      name: 'ContextHasher.sync(ctx) + sampler.turn({ context, digest: hasher })',
      ops: 3_000,
      run: (log, i) => {
        const c = step(i)
        const messages = c.ctx.messages()
        c.hasher.sync(c.ctx)
        sampler.turn(log, {
          key: c.uid,
          uid: c.uid,
          id: 'm1',
          context: messages,
          digest: c.hasher,
          reply: 'r',
          ms: 12,
          echo: false
        })
      }
    },
    {
      name: 'plain pino info { uid, id, ms, echo }',
      ops: 3_000,
      run: (log, i) => {
        const c = step(i)
        c.ctx.messages()
        log.info({ uid: c.uid, id: 'm1', ms: 12, echo: false }, 'turn')
      }
    },
    {
      name: 'context work only (no log): the base every row includes',
      ops: 3_000,
      run: (_log, i) => {
        step(i).ctx.messages()
      }
    }
  ]
}

/** Both sizes' contenders interleaved in the same rounds, so a noisy neighbour hits them all alike. */
async function measure(sizes: number[], dir: string): Promise<Record<number, number[]>> {
  const list = sizes.flatMap((size) => contenders(size).map((c) => ({ size, c })))
  const loggers = list.map((_, k) => {
    const dest = pino.destination({ dest: join(dir, `${k}.log`), sync: false, mkdir: true })
    return { dest, log: pino({ level: 'info' }, dest) }
  })
  await Promise.all(loggers.map(({ dest }) => once(dest, 'ready')))
  const flush = (k: number) => new Promise<void>((resolve) => loggers[k]!.dest.flush(() => resolve()))
  const samples: number[][] = list.map(() => [])
  let i = 0
  for (let round = 0; round < ROUNDS + 2; round++) {
    for (let k = 0; k < list.length; k++) {
      const { c } = list[k]!
      gc!()
      await sleep(10)
      const t0 = process.hrtime.bigint()
      for (let n = 0; n < c.ops; n++) c.run(loggers[k]!.log, i++)
      const ns = Number(process.hrtime.bigint() - t0) / c.ops
      await flush(k)
      if (round >= 2) samples[k]!.push(ns)
    }
  }
  for (const { dest } of loggers) dest.flushSync()
  const out: Record<number, number[]> = {}
  list.forEach(({ size }, k) => {
    out[size] ??= []
    out[size]!.push(median(samples[k]!))
  })
  return out
}

/** Heap + ArrayBuffer bytes per ContextHasher synced to a full default window (system + 10 turns). */
function hasherBytes(): { heap: number; arrayBuffers: number } {
  const N = 20_000
  const ctx = new ConversationContext(limits, SYSTEM)
  for (let r = 0; r < 5; r++) {
    ctx.addUser(text(r, 100))
    ctx.addAssistant(text(r + 5, 100))
  }
  const keep = new Array<ContextHasher>(N)
  gc!()
  gc!()
  const m0 = process.memoryUsage()
  for (let n = 0; n < N; n++) keep[n] = new ContextHasher().sync(ctx)
  gc!()
  gc!()
  const m1 = process.memoryUsage()
  const out = { heap: (m1.heapUsed - m0.heapUsed) / N, arrayBuffers: (m1.arrayBuffers - m0.arrayBuffers) / N }
  keep.length = 0
  return out
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'log-sampler-sampled-out-'))
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')
  const sizes = [1024, 8192]
  const results = await measure(sizes, dir)
  const mem = hasherBytes()
  rmSync(dir, { recursive: true, force: true })
  const loadAfter = loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')

  const names = contenders(1024).map((c) => c.name)
  const rows = names.map((name, k) => {
    const row: Array<string | number> = [name]
    for (const size of sizes) {
      const ns = results[size]!
      const base = ns[3]!
      const net = (x: number) => Math.max(0, x - base)
      row.push((ns[k]! / 1000).toFixed(2))
      if (k < 3) {
        row.push((net(ns[k]!) / 1000).toFixed(2))
        row.push(fmtRatio(net(ns[k]!) / net(ns[2]!)))
      } else {
        row.push('', '')
      }
    }
    return row
  })
  report({
    pkg: 'log-sampler',
    scenario: 'sampled-out',
    title:
      'A sampled-out turn as the server logs it, 1 KB and 8 KB windows (system + 5 rounds, pino 10, async file)',
    columns: [
      'contender',
      '1 KB: µs / turn',
      '1 KB: log µs (net)',
      '1 KB: net vs plain info',
      '8 KB: µs / turn',
      '8 KB: log µs (net)',
      '8 KB: net vs plain info'
    ],
    rows,
    notes: [
      `Median of ${ROUNDS} rounds after 2 warm-up rounds, all 8 contender x size pairs interleaved in each round, 3000 turns a round over ${CONVERSATIONS} sampled-out conversations; gc() and a 10 ms pause between contenders, pino's file flushed outside the timed loop.`,
      "Every row includes the same context work (fsm ConversationContext: append the user's message and the reply, trim a round, messages(); a trivial length/4 token counter); 'net' subtracts the last row's median.",
      `ContextHasher following a full default window: ${Math.round(mem.heap)} B of heap + ${Math.round(mem.arrayBuffers)} B of ArrayBuffer per conversation (20,000 hashers).`,
      `Load average (1/5/15 min) before: ${load}; after: ${loadAfter}. 2 shared cores: timings are noisy, rerun in a quiet window.`,
      'Command: `cd bench && node --expose-gc --import tsx log-sampler/sampled-out.bench.ts`.'
    ],
    raw: { results, mem, load, loadAfter }
  })
}

await main()
