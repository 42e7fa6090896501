// CoDel vs reject-when-full under a simulated, sustained 2x overload. A fake clock drives a
// deterministic discrete-event simulation through the real WorkQueue: requests arrive every 5 ms,
// one worker serves each in 10 ms, for 60 s of simulated time. The figures do not depend on the
// machine; they show the policies, not the speed.
import { WorkQueue } from '@chatbot-pro/ring-queue'
import { report } from '../lib/report.ts'

const SERVICE_MS = 10
const ARRIVAL_MS = 5
const DURATION_MS = 60_000

interface Policy {
  name: string
  codel: boolean
  admission: boolean
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve))

async function simulate(policy: Policy, capacity: number) {
  let now = 0
  const completions: Array<{ at: number; done: () => void }> = []
  const delays: number[] = []
  const q = new WorkQueue<number, number>({
    capacity,
    concurrency: 1,
    now: () => now,
    codel: policy.codel ? { targetMs: 5, intervalMs: 100 } : false,
    worker: (submittedAt) =>
      new Promise<number>((resolve) => {
        delays.push(now - submittedAt)
        completions.push({ at: now + SERVICE_MS, done: () => resolve(submittedAt) })
      })
  })
  let submitted = 0
  let served = 0
  let shed = 0
  let nextArrival = 0
  while (nextArrival < DURATION_MS || completions.length > 0) {
    const c = completions[0]
    if (c !== undefined && (c.at <= nextArrival || nextArrival >= DURATION_MS)) {
      now = c.at
      completions.shift()
      c.done()
    } else {
      now = nextArrival
      nextArrival += ARRIVAL_MS
      submitted++
      // The plugin's route admission: refuse up front while the queue reports overload.
      if (policy.admission && q.overloaded) shed++
      else
        q.submit(now).then(
          () => served++,
          () => shed++
        )
    }
    await flush()
  }
  delays.sort((a, b) => a - b)
  const at = (p: number) => delays[Math.min(delays.length - 1, Math.ceil(p * delays.length) - 1)] ?? 0
  return {
    submitted,
    served,
    shed,
    p50: at(0.5),
    p99: at(0.99),
    max: delays.at(-1) ?? 0,
    goodput: (served * 1000) / now
  }
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
    const r = await simulate(policy, capacity)
    raw[`${policy.name} / ${capacity}`] = r
    rows.push([
      policy.name,
      String(capacity),
      `${r.p50} ms`,
      `${r.p99} ms`,
      `${r.max} ms`,
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
