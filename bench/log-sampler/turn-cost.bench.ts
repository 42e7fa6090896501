// Per-turn log cost and bytes written, 8 KB context: pino logging the whole context vs the sampler
// at 1/100 vs pino with the level disabled vs a plain small info. pino writes to an async file
// destination (sonic-boom, sync: false); each contender has its own file and is flushed between
// rounds, outside the timed loop. Bytes are counted exactly for 100k turns per contender.
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ContextHasher, createSampler } from '@chatbot-pro/log-sampler'
import pino from 'pino'
import { fmtRatio, median, report } from '../lib/report.ts'
import { makeContext, turnText } from './fixtures.ts'

const CONVERSATIONS = 10_000
const TURNS = 100_000
const FULL_SAMPLE = 10_000
const dir = mkdtempSync(join(tmpdir(), 'log-sampler-bench-'))
const sampler = createSampler({ rate: 0.01 })
const context = makeContext(8192)
const ctxBytes = context.reduce((n, t) => n + Buffer.byteLength(t.content), 0)
const uids = Array.from({ length: CONVERSATIONS }, (_, i) => `user-${i}`)
const outUids = uids.filter((u) => !sampler.sampled(u))
const prompt = turnText(1)
const reply = turnText(2)

/** Per conversation: an incremental hasher over its bounded (~8 KB) context window. */
function hashers(keys: string[]): ContextHasher[] {
  return keys.map(() => new ContextHasher(context))
}

type Logger = pino.Logger
type Contender = { name: string; ops: number; run: (log: Logger, i: number) => void; level?: string }

function contenders(): Contender[] {
  const all = hashers(uids)
  const out = hashers(outUids)
  // A steady-state turn: the user's message and the reply enter the window, the two oldest leave.
  const step = (h: ContextHasher, i: number) =>
    h
      .append(prompt + i)
      .append(reply)
      .dropFirst(2)
  return [
    {
      name: 'pino, full 8 KB context every turn',
      ops: 1_000,
      run: (log, i) => log.info({ uid: uids[i % CONVERSATIONS], context, prompt, reply }, 'turn')
    },
    {
      name: 'sampler 1/100, ContextHasher (mixed: 1% full)',
      ops: 10_000,
      run: (log, i) => {
        const c = i % CONVERSATIONS
        const h = all[c]!
        step(h, i)
        sampler.turn(log, { uid: uids[c], context: h, prompt, reply }, 'turn')
      }
    },
    {
      name: 'sampler, sampled-out turn, ContextHasher',
      ops: 10_000,
      run: (log, i) => {
        const c = i % out.length
        const h = out[c]!
        step(h, i)
        sampler.turn(log, { uid: outUids[c], context: h, prompt, reply }, 'turn')
      }
    },
    {
      name: 'sampler, sampled-out turn, ContextHasher already hashed (log call only)',
      ops: 10_000,
      run: (log, i) => {
        const c = i % out.length
        sampler.turn(log, { uid: outUids[c], context: out[c]!, prompt, reply }, 'turn')
      }
    },
    {
      name: 'sampler, sampled-out turn, context array (rehash 8 KB)',
      ops: 5_000,
      run: (log, i) => sampler.turn(log, { uid: outUids[i % outUids.length], context, prompt, reply }, 'turn')
    },
    {
      name: 'pino, level disabled (info at warn)',
      ops: 10_000,
      level: 'warn',
      run: (log, i) => log.info({ uid: uids[i % CONVERSATIONS], context, prompt, reply }, 'turn')
    },
    {
      name: 'pino, plain small info',
      ops: 10_000,
      run: (log, i) => log.info({ uid: uids[i % CONVERSATIONS] }, 'turn')
    }
  ]
}

async function main() {
  const list = contenders()
  const loggers = list.map((c, k) => {
    const dest = pino.destination({ dest: join(dir, `${k}.log`), sync: false, mkdir: true })
    return { dest, log: pino({ level: c.level ?? 'info' }, dest) }
  })
  await Promise.all(loggers.map(({ dest }) => once(dest, 'ready')))
  const flush = (k: number) => new Promise<void>((resolve) => loggers[k]!.dest.flush(() => resolve()))

  const samples: number[][] = list.map(() => [])
  const ROUNDS = 7
  let i = 0
  for (let round = 0; round < ROUNDS + 2; round++) {
    for (let k = 0; k < list.length; k++) {
      const c = list[k]!
      const { log } = loggers[k]!
      // Settle: collect the previous contender's garbage and let its file writes finish, so one
      // contender's I/O and GC do not land in the next one's timed loop.
      globalThis.gc?.()
      await sleep(20)
      const t0 = process.hrtime.bigint()
      for (let n = 0; n < c.ops; n++) c.run(log, i++)
      const ns = Number(process.hrtime.bigint() - t0) / c.ops
      await flush(k)
      if (round >= 2) samples[k]!.push(ns)
    }
  }
  const nsPerTurn = samples.map((s) => median(s))

  // Bytes: 100k turns per contender into a counting sink (fresh hashers, same inputs). Full logging
  // is counted over FULL_SAMPLE turns and scaled: its entries differ only in the uid's digits, and
  // serialising 100k x 8 KB would take most of the time budget on a shared machine.
  const fresh = contenders()
  const bytes = fresh.map((c, k) => {
    const turns = k === 0 ? FULL_SAMPLE : TURNS
    let total = 0
    const counter = {
      write(s: string) {
        total += Buffer.byteLength(s)
      }
    }
    const log = pino({ level: c.level ?? 'info' }, counter)
    for (let n = 0; n < turns; n++) c.run(log, n)
    return (total * TURNS) / turns
  })

  for (const { dest } of loggers) dest.flushSync()
  rmSync(dir, { recursive: true, force: true })

  const small = nsPerTurn[list.length - 1]!
  const fullBytes = bytes[0]!
  report({
    pkg: 'log-sampler',
    scenario: 'turn-cost',
    title: `Per-turn log cost and bytes for ${TURNS / 1000}k turns, ${ctxBytes} B context (pino 10, async file destination)`,
    columns: [
      'contender',
      'µs / turn (median)',
      'vs plain small info',
      'bytes for 100k turns',
      'bytes vs full'
    ],
    rows: list.map((c, k) => [
      c.name,
      (nsPerTurn[k]! / 1000).toFixed(2),
      fmtRatio(nsPerTurn[k]! / small),
      bytes[k]!.toLocaleString('en-US'),
      `${((bytes[k]! / fullBytes) * 100).toFixed(2)}%`
    ]),
    notes: [
      `Median of ${ROUNDS} interleaved rounds after 2 warm-up rounds; ops per round: ${list.map((c) => c.ops).join(' / ')}.`,
      "Time covers building the entry and pino serialising it into sonic-boom's buffer; the async write to the file is flushed between rounds, then gc() and a 20 ms pause, all outside the timed loop.",
      'ContextHasher rows include the steady-state window update of every turn (append the prompt and the reply, drop the two oldest turns).',
      `Bytes of full logging: ${FULL_SAMPLE} turns counted, x${TURNS / FULL_SAMPLE} (same-size entries); the others counted over all ${TURNS} turns.`,
      `Bytes: ${TURNS} turns over ${CONVERSATIONS} conversations (${CONVERSATIONS - outUids.length} of them sampled at rate 0.01), counted from pino's output.`
    ],
    raw: { nsPerTurn, samples, bytes, ctxBytes }
  })
}

await main()
