// In-thread queues: RingQueue vs denque vs Array push/shift (data structures), and WorkQueue vs
// fastq vs p-queue (task queues with a no-op async worker). Contenders run round-robin in one
// process; the table reports the median of the rounds and the ratio to RingQueue / WorkQueue.
import { RingQueue, WorkQueue } from '@chatbot-pro/ring-queue'
import Denque from 'denque'
import fastq from 'fastq'
import PQueue from 'p-queue'
import { fmtRate, fmtRatio, median, report } from '../lib/report.ts'

const ROUNDS = 7
const item = { id: 1 }

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t0)
}

async function timeAsync(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t0)
}

// Each contender gets its own loop (no shared helper taking the queue as a parameter): a shared
// call site would see three queue classes, go megamorphic, and measure V8's inline caches instead
// of the queues.

// --- steady depth 1k: the queue holds 1000 items; each op is one push and one shift.
const DEPTH = 1000
const STEADY_OPS = 2_000_000

function steadyRing(): number {
  const q = new RingQueue<object>({ capacity: 2048 })
  for (let i = 0; i < DEPTH; i++) q.tryPush(item)
  return time(() => {
    for (let i = 0; i < STEADY_OPS; i++) {
      q.tryPush(item)
      q.shift()
    }
  })
}

function steadyDenque(): number {
  const q = new Denque<object>()
  for (let i = 0; i < DEPTH; i++) q.push(item)
  return time(() => {
    for (let i = 0; i < STEADY_OPS; i++) {
      q.push(item)
      q.shift()
    }
  })
}

function steadyArray(): number {
  const q: object[] = []
  for (let i = 0; i < DEPTH; i++) q.push(item)
  return time(() => {
    for (let i = 0; i < STEADY_OPS; i++) {
      q.push(item)
      q.shift()
    }
  })
}

// --- 1M burst: push 1M items, then shift them all. Array#shift is O(n) at this depth (V8 moves
// the backing store), so the Array contender shifts only BURST_ARRAY_SHIFTS items and its pair
// rate is computed from its measured push and shift costs per item.
const BURST = 1_000_000
const BURST_ARRAY_SHIFTS = 500

function burstRing(): number {
  const q = new RingQueue<object>({ capacity: BURST })
  return time(() => {
    for (let i = 0; i < BURST; i++) q.tryPush(item)
    for (let i = 0; i < BURST; i++) q.shift()
  })
}

function burstDenque(): number {
  const q = new Denque<object>()
  return time(() => {
    for (let i = 0; i < BURST; i++) q.push(item)
    for (let i = 0; i < BURST; i++) q.shift()
  })
}

function burstArray(): number {
  const q: object[] = []
  const push = time(() => {
    for (let i = 0; i < BURST; i++) q.push(item)
  })
  const shift = time(() => {
    for (let i = 0; i < BURST_ARRAY_SHIFTS; i++) q.shift()
  })
  return push + (shift / BURST_ARRAY_SHIFTS) * BURST
}

// --- task queues: submit N no-op async tasks, wait for all of them.
const TASKS = 100_000

async function workQueueRun(): Promise<number> {
  const q = new WorkQueue<number, number>({
    capacity: TASKS,
    concurrency: 1,
    codel: false,
    worker: async (x) => x
  })
  return timeAsync(async () => {
    let last: Promise<number> | undefined
    for (let i = 0; i < TASKS; i++) last = q.submit(i)
    await last
  })
}

async function fastqRun(): Promise<number> {
  const q = fastq.promise(async (x: number) => x, 1)
  return timeAsync(async () => {
    let last: Promise<number> | undefined
    for (let i = 0; i < TASKS; i++) last = q.push(i)
    await last
  })
}

async function pQueueRun(): Promise<number> {
  const q = new PQueue({ concurrency: 1 })
  const task = async () => 1
  return timeAsync(async () => {
    for (let i = 0; i < TASKS; i++) void q.add(task)
    await q.onIdle()
  })
}

type Contender = { name: string; run: () => number | Promise<number>; ops: number }

async function measure(contenders: Contender[]): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]))
  for (let round = -2; round < ROUNDS; round++) {
    for (const c of contenders) {
      globalThis.gc?.()
      const ns = await c.run()
      if (round >= 0) samples.get(c.name)!.push((c.ops * 1e9) / ns)
    }
  }
  return new Map([...samples].map(([name, s]) => [name, median(s)]))
}

const steadyRates = await measure([
  { name: 'RingQueue (tryPush/shift)', run: steadyRing, ops: STEADY_OPS },
  { name: 'denque', run: steadyDenque, ops: STEADY_OPS },
  { name: 'Array push/shift', run: steadyArray, ops: STEADY_OPS }
])
const burstRates = await measure([
  { name: 'RingQueue (tryPush/shift)', run: burstRing, ops: BURST },
  { name: 'denque', run: burstDenque, ops: BURST },
  { name: 'Array push/shift', run: burstArray, ops: BURST }
])
const taskRates = await measure([
  { name: 'WorkQueue (submit, no-op async worker)', run: workQueueRun, ops: TASKS },
  { name: 'fastq.promise (no-op async worker)', run: fastqRun, ops: TASKS },
  { name: 'p-queue (add, no-op async task)', run: pQueueRun, ops: TASKS }
])

const ring = 'RingQueue (tryPush/shift)'
const rows: Array<Array<string>> = []
for (const name of steadyRates.keys()) {
  const s = steadyRates.get(name)!
  const b = burstRates.get(name)!
  rows.push([
    name,
    fmtRate(s),
    fmtRatio(s / steadyRates.get(ring)!),
    fmtRate(b),
    fmtRatio(b / burstRates.get(ring)!)
  ])
}
const wq = 'WorkQueue (submit, no-op async worker)'
for (const [name, r] of taskRates) {
  rows.push([name, fmtRate(r), fmtRatio(r / taskRates.get(wq)!), '—', '—'])
}

report({
  pkg: 'ring-queue',
  scenario: 'in-thread',
  title: 'In-thread queues: push+shift pairs per second',
  columns: ['contender', 'steady depth 1k', 'vs RingQueue', '1M burst', 'vs RingQueue'],
  rows,
  notes: [
    `Steady: ${DEPTH} items queued, then ${STEADY_OPS / 1e6}M x (push, shift). Burst: push ${BURST / 1e6}M, then shift them all.`,
    `Array burst: Array#shift is O(n) at 1M depth; measured over ${BURST_ARRAY_SHIFTS} shifts and extrapolated.`,
    `Task queues (last three rows): ${TASKS / 1e3}k no-op async tasks submitted, then awaited; ratio vs WorkQueue (codel off, concurrency 1).`,
    `Median of ${ROUNDS} rounds after 2 warm-up rounds, contenders interleaved round-robin.`,
    'Command: `pnpm --filter @chatbot-pro/ring-queue build && cd bench && node --expose-gc --import tsx ring-queue/in-thread.bench.ts`.'
  ],
  raw: {
    steady: Object.fromEntries(steadyRates),
    burst: Object.fromEntries(burstRates),
    tasks: Object.fromEntries(taskRates)
  }
})
