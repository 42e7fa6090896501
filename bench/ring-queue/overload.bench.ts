// Shedding policies under sustained overload, simulated: the reference server's turn queue (200 LLM
// calls in flight, 600 ms +-10% each: capacity 333 turns/s; target 50 ms, interval 500 ms as its
// CODEL_TARGET_MS / CODEL_INTERVAL_MS) fed by Poisson arrivals at 0.5x (the unloaded baseline),
// 1.2x, 2x and 4x capacity for 60 s of simulated time. A fake clock drives a deterministic
// discrete-event simulation through the real WorkQueue, so the figures do not depend on the
// machine: they show the policies, not the speed.
// The simulation is the one the package's tests assert on, so bench and tests cannot drift apart.
import { loadavg } from 'node:os'
import { type OverloadOptions, simulateOverload } from '../../packages/ring-queue/test/fixtures/overload.ts'
import { report } from '../lib/report.ts'

const CONCURRENCY = 200
const SERVICE_MS = 600
const TARGET_MS = 50
const INTERVAL_MS = 500
const DURATION_MS = 60_000
const CAPACITY_PER_S = (CONCURRENCY * 1000) / SERVICE_MS

interface Policy {
  name: string
  codel: OverloadOptions['codel']
  admission?: boolean
}

const policies: Policy[] = [
  { name: 'no shedding (reject when full)', codel: false },
  { name: 'RFC 8289 CoDel', codel: { targetMs: TARGET_MS, intervalMs: INTERVAL_MS } },
  {
    name: 'RFC 8289 CoDel + route admission',
    codel: { targetMs: TARGET_MS, intervalMs: INTERVAL_MS },
    admission: true
  },
  {
    name: "request CoDel (mode: 'request')",
    codel: { mode: 'request', targetMs: TARGET_MS, intervalMs: INTERVAL_MS }
  },
  {
    name: 'request CoDel + adaptive LIFO',
    codel: { mode: 'request', adaptiveLifo: true, targetMs: TARGET_MS, intervalMs: INTERVAL_MS }
  }
]

const load0 = loadavg()
const started = performance.now()
const rows: string[][] = []
const raw: Record<string, unknown> = {}
const base = {
  capacity: 16_384,
  concurrency: CONCURRENCY,
  serviceMs: SERVICE_MS,
  serviceJitter: 0.1,
  poisson: true,
  durationMs: DURATION_MS
}
const unloaded = await simulateOverload({
  ...base,
  codel: { mode: 'request', targetMs: TARGET_MS, intervalMs: INTERVAL_MS },
  arrivalMs: 1000 / (0.5 * CAPACITY_PER_S)
})
rows.push([
  '0.5x (unloaded)',
  'any (nothing is shed)',
  `${unloaded.p50.toFixed(0)} ms`,
  `${unloaded.p99.toFixed(0)} ms`,
  `${unloaded.steadyP99.toFixed(0)} ms`,
  `${unloaded.max.toFixed(0)} ms`,
  `${unloaded.latencyP99.toFixed(0)} ms (1.00x)`,
  `${unloaded.goodputPct.toFixed(1)}%`,
  '0.0%',
  '—'
])
raw.unloaded = { ...unloaded, delays: undefined }
for (const load of [1.2, 2, 4]) {
  for (const policy of policies) {
    const r = await simulateOverload({
      ...base,
      codel: policy.codel,
      admission: policy.admission ?? false,
      arrivalMs: 1000 / (load * CAPACITY_PER_S)
    })
    raw[`${load}x / ${policy.name}`] = { ...r, delays: undefined }
    rows.push([
      `${load}x`,
      policy.name,
      `${r.p50.toFixed(0)} ms`,
      `${r.p99.toFixed(0)} ms`,
      `${r.steadyP99.toFixed(0)} ms`,
      `${r.max.toFixed(0)} ms`,
      `${r.latencyP99.toFixed(0)} ms (${(r.latencyP99 / unloaded.latencyP99).toFixed(2)}x)`,
      `${r.goodputPct.toFixed(1)}%`,
      `${((100 * r.shed) / r.submitted).toFixed(1)}%`,
      r.shed ? `${r.retryAfter.p50} ms` : '—'
    ])
  }
}
const load1 = loadavg()
const fmt = (l: number[]) => l.map((x) => x.toFixed(2)).join('/')

report({
  pkg: 'ring-queue',
  scenario: 'overload',
  title: 'Sustained overload (simulated server): queueing delay of admitted turns',
  columns: [
    'offered',
    'policy',
    'wait p50',
    'wait p99',
    'wait p99 after 2 s',
    'wait max',
    'latency p99 (vs unloaded)',
    'goodput',
    'shed',
    'retryAfterMs p50'
  ],
  rows,
  notes: [
    `Poisson arrivals at 0.5-4x capacity; ${CONCURRENCY} workers at ${SERVICE_MS} ms +-10% (uniform) per item = ${CAPACITY_PER_S.toFixed(0)}/s; ring 16,384; ${DURATION_MS / 1000} s simulated; target ${TARGET_MS} ms, interval ${INTERVAL_MS} ms. Targets: admitted wait p99 <= ${2 * TARGET_MS} ms (2x target), goodput >= 90%, latency p99 <= 2x unloaded.`,
    'Wait = submit to worker start of the admitted (served) items; "after 2 s" leaves out the onset of the overload, which every controller first treats as a burst. Latency = wait + service. Goodput = items completed within the 60 s, as % of what the workers can do in 60 s. Shed = % of submissions. Route admission = `overloaded` checked before submit, as the Fastify plugin does.',
    `Deterministic (fake clock, seeded PRNG): identical on every machine and run. Load average (1/5/15 min) before -> after: ${fmt(load0)} -> ${fmt(load1)}; ran in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    'Command: `pnpm --filter @chatbot-pro/ring-queue build && cd bench && node --expose-gc --import tsx ring-queue/overload.bench.ts`.'
  ],
  raw
})
