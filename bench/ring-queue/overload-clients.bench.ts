// The end-to-end overload run (`pnpm bench:e2e --overload --conns 400 --queue-concurrency 200
// --llm-latency 500`), simulated: 400 closed-loop clients against 200 LLM slots of 600 ms (+-5%),
// each client sending its next turn as soon as a reply arrives, or after min(1000, retryAfterMs)
// when shed, exactly as bench/e2e/gen.ts does. A fake clock drives the real WorkQueue; the figures
// are deterministic. The RFC 8289 row reproduces the e2e figures of issue 16 (shed ~6%, admitted
// turns waiting ~490 ms against a 50 ms target).
import { loadavg } from 'node:os'
import { type OverloadOptions, simulateOverload } from '../../packages/ring-queue/test/fixtures/overload.ts'
import { report } from '../lib/report.ts'

const CLIENTS = 400
const CONCURRENCY = 200
const SERVICE_MS = 600
const TARGET_MS = 50
const DURATION_MS = 25_000

const policies: Array<{ name: string; codel: OverloadOptions['codel'] }> = [
  { name: 'no shedding', codel: false },
  { name: 'RFC 8289 CoDel, interval 500', codel: { targetMs: TARGET_MS, intervalMs: 500 } },
  { name: "mode 'request', interval 500", codel: { mode: 'request', targetMs: TARGET_MS, intervalMs: 500 } },
  {
    name: "mode 'request' + adaptiveLifo, interval 500",
    codel: { mode: 'request', adaptiveLifo: true, targetMs: TARGET_MS, intervalMs: 500 }
  },
  { name: "mode 'request', interval 200", codel: { mode: 'request', targetMs: TARGET_MS, intervalMs: 200 } },
  { name: "mode 'request', interval 100", codel: { mode: 'request', targetMs: TARGET_MS, intervalMs: 100 } }
]

const load0 = loadavg()
const started = performance.now()
const rows: string[][] = []
const raw: Record<string, unknown> = {}
const base = {
  capacity: 16_384,
  concurrency: CONCURRENCY,
  serviceMs: SERVICE_MS,
  serviceJitter: 0.05,
  clients: CLIENTS,
  durationMs: DURATION_MS
}
const unloaded = await simulateOverload({ ...base, clients: CONCURRENCY, codel: policies[2]!.codel })
for (const policy of policies) {
  const r = await simulateOverload({ ...base, codel: policy.codel })
  raw[policy.name] = { ...r, delays: undefined }
  rows.push([
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
const load1 = loadavg()
const fmt = (l: number[]) => l.map((x) => x.toFixed(2)).join('/')

report({
  pkg: 'ring-queue',
  scenario: 'overload-clients',
  title: 'The e2e overload run, simulated: 400 retrying clients, 200 LLM slots (2x)',
  columns: [
    'policy (target 50 ms)',
    'wait p50',
    'wait p99',
    'wait p99 after 2 s',
    'wait max',
    'latency p99 (vs 200 clients)',
    'goodput',
    'shed',
    'retryAfterMs p50'
  ],
  rows,
  notes: [
    `${CLIENTS} clients (connecting over the first 200 ms), think 0, retry after min(1000, retryAfterMs) when shed; ${CONCURRENCY} workers at ${SERVICE_MS} ms +-5%; ${DURATION_MS / 1000} s simulated. Unloaded baseline: ${CONCURRENCY} clients (= capacity), latency p99 ${unloaded.latencyP99.toFixed(0)} ms.`,
    'Wait = submit to worker start of served turns; "after 2 s" leaves out the start-up burst (400 turns at once against 200 slots, before any service time is known). Goodput = turns completed within the run as % of the workers\' maximum. Shed = % of attempts (a shed client retries, so attempts > turns).',
    `Deterministic (fake clock). Load average (1/5/15 min) before -> after: ${fmt(load0)} -> ${fmt(load1)}; ran in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    'Command: `pnpm --filter @chatbot-pro/ring-queue build && cd bench && node --expose-gc --import tsx ring-queue/overload-clients.bench.ts`.'
  ],
  raw
})
