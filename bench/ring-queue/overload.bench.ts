// CoDel vs reject-when-full under a simulated, sustained 2x overload. A fake clock drives a
// deterministic discrete-event simulation through the real WorkQueue: requests arrive every 5 ms,
// one worker serves each in 10 ms, for 60 s of simulated time. The figures do not depend on the
// machine; they show the policies, not the speed.
// The simulation is the one the package's tests assert on, so bench and tests cannot drift apart.
import { simulateOverload } from '../../packages/ring-queue/test/fixtures/overload.ts'
import { report } from '../lib/report.ts'

const SERVICE_MS = 10
const ARRIVAL_MS = 5
const DURATION_MS = 60_000

interface Policy {
  name: string
  codel: boolean
  admission: boolean
}

const policies: Policy[] = [
  { name: 'reject when full', codel: false, admission: false },
  { name: 'CoDel (shed at dequeue)', codel: true, admission: false },
  { name: 'CoDel + route admission (plugin)', codel: true, admission: true }
]
const rows: string[][] = []
const raw: Record<string, unknown> = {}
for (const capacity of [64, 1024]) {
  for (const policy of policies) {
    const r = await simulateOverload({
      codel: policy.codel,
      admission: policy.admission,
      capacity,
      serviceMs: SERVICE_MS,
      arrivalMs: ARRIVAL_MS,
      durationMs: DURATION_MS
    })
    const max = r.delays.at(-1) ?? 0
    raw[`${policy.name} / ${capacity}`] = {
      submitted: r.submitted,
      served: r.served,
      shed: r.shed,
      p50: r.p50,
      p99: r.p99,
      max,
      goodput: r.goodput
    }
    rows.push([
      policy.name,
      String(capacity),
      `${r.p50} ms`,
      `${r.p99} ms`,
      `${max} ms`,
      `${r.goodput.toFixed(1)}/s`,
      `${((100 * r.shed) / r.submitted).toFixed(1)}%`
    ])
  }
}

report({
  pkg: 'ring-queue',
  scenario: 'overload',
  title: 'Sustained 2x overload (simulated): queueing delay of admitted requests',
  columns: ['policy', 'capacity', 'p50 delay', 'p99 delay', 'max delay', 'goodput', 'shed'],
  rows,
  notes: [
    `Arrivals every ${ARRIVAL_MS} ms (200/s), one worker at ${SERVICE_MS} ms per item (100/s), ${DURATION_MS / 1000} s simulated; CoDel target 5 ms, interval 100 ms.`,
    'Delay = submit to worker start. Goodput = served items per simulated second (the worker maximum is 100/s).',
    'Deterministic (fake clock): identical on every machine and run.',
    'Command: `pnpm --filter @chatbot-pro/ring-queue build && cd bench && node --expose-gc --import tsx ring-queue/overload.bench.ts`.'
  ],
  raw
})
