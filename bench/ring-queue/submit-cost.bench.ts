// The hot-path cost of WorkQueue.submit() per shedding mode: what the reference server pays per
// turn (one submit per turn, 10-20k/s). Two paths: "idle slot" (a worker is free: the common case,
// the item starts at once) and "queued" (every worker busy: the item waits in the ring, and in
// 'request' mode passes admission). Time per submit+settle and heap bytes per submit, modes
// interleaved round-robin in one process; ratios vs `codel: false`.
import { loadavg } from 'node:os'
import { WorkQueue, type WorkQueueOptions } from '@chatbot-pro/ring-queue'
import { median, report } from '../lib/report.ts'

const ROUNDS = 7
const OPS = 100_000
const BATCH = 64
const BYTES_N = 10_000

type Codel = WorkQueueOptions<number, number>['codel']
const modes: Array<{ name: string; codel: Codel }> = [
  { name: 'codel: false (ring full only)', codel: false },
  { name: "mode 'rfc8289' (default)", codel: { targetMs: 50, intervalMs: 500 } },
  { name: "mode 'request'", codel: { mode: 'request', targetMs: 50, intervalMs: 500 } },
  {
    name: "mode 'request' + adaptiveLifo",
    codel: { mode: 'request', adaptiveLifo: true, targetMs: 50, intervalMs: 500 }
  }
]

const noop = async (x: number) => x

// Idle slot: concurrency above the batch, so every submit finds a free worker.
async function idle(codel: Codel): Promise<number> {
  const q = new WorkQueue<number, number>({ capacity: 1024, concurrency: 1024, codel, worker: noop })
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < OPS; i += BATCH) {
    let last: Promise<number> | undefined
    for (let k = 0; k < BATCH; k++) last = q.submit(k)
    await last
  }
  return Number(process.hrtime.bigint() - t0) / OPS
}

// Queued: one worker, batches of 64, so 63 of every 64 submits wait in the ring. The no-op
// worker's service time is microseconds, far under the target: 'request' admission admits all.
async function queued(codel: Codel): Promise<number> {
  const q = new WorkQueue<number, number>({ capacity: 1024, concurrency: 1, codel, worker: noop })
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < OPS; i += BATCH) {
    let last: Promise<number> | undefined
    for (let k = 0; k < BATCH; k++) last = q.submit(k)
    await last
  }
  return Number(process.hrtime.bigint() - t0) / OPS
}

// Heap bytes per queued submit: BYTES_N submissions to a worker that never finishes, with a
// pool already grown (so entries are reused, as in steady state), measured after a full GC, on a
// stopped clock so nothing is shed.
async function bytesPerSubmit(codel: Codel): Promise<number> {
  const hold: Array<() => void> = []
  const q = new WorkQueue<number, number>({
    capacity: 16_384,
    concurrency: 1,
    codel,
    // A stopped clock: no service time is measured and no state changes, so every submission of
    // every mode is admitted and queued, and the figure is the per-item allocation alone.
    now: () => 0,
    worker: () =>
      new Promise<number>((resolve) => {
        hold.push(() => resolve(0))
      })
  })
  const pending: Array<Promise<number>> = new Array(BYTES_N)
  const fill = () => {
    for (let i = 0; i < BYTES_N; i++) pending[i] = q.submit(i)
  }
  fill()
  for (let i = 0; i < BYTES_N; i++) {
    hold.shift()?.()
    await pending[i]
  }
  hold.length = 0
  globalThis.gc?.()
  const before = process.memoryUsage().heapUsed
  fill()
  const after = process.memoryUsage().heapUsed
  const bytes = (after - before) / BYTES_N
  if (q.stats().dropped !== 0)
    throw new Error('a submission was shed: the byte count would include its error')
  const closing = q.close({ drain: false })
  hold.shift()?.()
  await closing.catch(() => {})
  await Promise.allSettled(pending)
  return bytes
}

const load0 = loadavg()
const samples = new Map(
  modes.map((m) => [m.name, { idle: [] as number[], queued: [] as number[], bytes: [] as number[] }])
)
for (let round = -2; round < ROUNDS; round++) {
  for (const m of modes) {
    globalThis.gc?.()
    const a = await idle(m.codel)
    const b = await queued(m.codel)
    const c = await bytesPerSubmit(m.codel)
    if (round < 0) continue
    const s = samples.get(m.name)!
    s.idle.push(a)
    s.queued.push(b)
    s.bytes.push(c)
  }
}
const load1 = loadavg()
const base = samples.get(modes[0]!.name)!
const rows: string[][] = []
const raw: Record<string, unknown> = {}
for (const m of modes) {
  const s = samples.get(m.name)!
  const idleNs = median(s.idle)
  const queuedNs = median(s.queued)
  const bytes = median(s.bytes)
  raw[m.name] = { idleNs, queuedNs, bytes, samples: s }
  rows.push([
    m.name,
    `${idleNs.toFixed(0)} ns`,
    `${(idleNs / median(base.idle)).toFixed(2)}x`,
    `${queuedNs.toFixed(0)} ns`,
    `${(queuedNs / median(base.queued)).toFixed(2)}x`,
    `${bytes.toFixed(0)} B`
  ])
}
const fmt = (l: number[]) => l.map((x) => x.toFixed(2)).join('/')

report({
  pkg: 'ring-queue',
  scenario: 'submit-cost',
  title: 'WorkQueue.submit() cost per shedding mode',
  columns: [
    'codel',
    'idle slot: per submit',
    'vs off',
    'queued: per submit',
    'vs off',
    'heap per queued submit'
  ],
  rows,
  notes: [
    `Per submit = wall time of ${OPS / 1e3}k submissions in batches of ${BATCH}, each batch awaited, / ${OPS / 1e3}k (submit, worker call, settle, the caller's promise). Idle slot: concurrency 1024. Queued: concurrency 1. No-op async worker; target 50 ms / interval 500 ms.`,
    `Heap per queued submit: heapUsed growth over ${BYTES_N / 1e3}k submissions to a stalled worker, pool warm, after a full GC (the caller's promise and its executor closure; no per-item allocation in the modes themselves).`,
    `Median of ${ROUNDS} rounds after 2 warm-up rounds, modes interleaved round-robin. Load average (1/5/15 min) before -> after: ${fmt(load0)} -> ${fmt(load1)} (the machine is shared: timing is noisy).`,
    'Command: `pnpm --filter @chatbot-pro/ring-queue build && cd bench && node --expose-gc --import tsx ring-queue/submit-cost.bench.ts`.'
  ],
  raw
})
