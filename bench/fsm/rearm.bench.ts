// Re-arming 1M idle timers (every user message re-arms its conversation's pause timer):
// TimerWheel handles vs setTimeout + clearTimeout vs timeout.refresh(), plus the whole FSM path
// (send a TEXT that re-enters CHATTING and re-arms its `after`). Every contender holds 1M armed
// 30 s timers; one round re-arms all of them once; rounds are interleaved; median rate.
// `node --expose-gc --import tsx fsm/rearm.bench.ts`
import { type TimerHandle, TimerWheel } from '@chatbot-pro/fsm'
import { fmtRate, fmtRatio, median, report } from '../lib/report.ts'
import { ours } from './machines.ts'

const N = 1_000_000
const MS = 30_000
const ROUNDS = 7
const noop = () => {}
const gc = (globalThis as { gc?: () => void }).gc ?? noop

const wheel = new TimerWheel({ tickMs: 100, slots: 4096 }).start()
const handles: TimerHandle[] = new Array(N)
for (let i = 0; i < N; i++) handles[i] = wheel.schedule(MS, noop)

const cleared: Array<ReturnType<typeof setTimeout>> = new Array(N)
for (let i = 0; i < N; i++) cleared[i] = setTimeout(noop, MS)

const refreshed: Array<ReturnType<typeof setTimeout>> = new Array(N)
for (let i = 0; i < N; i++) refreshed[i] = setTimeout(noop, MS)

const machineWheel = new TimerWheel({ tickMs: 100, slots: 4096 }).start()
const machine = ours(MS)
const text = { type: 'TEXT' } as const
const instances = new Array(N)
for (let i = 0; i < N; i++) {
  instances[i] = machine.create(undefined, { wheel: machineWheel })
  instances[i].send(text)
}

const runs: Record<string, () => void> = {
  'TimerWheel handle.reschedule()': () => {
    for (let i = 0; i < N; i++) handles[i]!.reschedule(MS)
  },
  'clearTimeout + setTimeout': () => {
    for (let i = 0; i < N; i++) {
      clearTimeout(cleared[i])
      cleared[i] = setTimeout(noop, MS)
    }
  },
  'timeout.refresh()': () => {
    for (let i = 0; i < N; i++) refreshed[i]!.refresh()
  },
  '@chatbot-pro/fsm send(TEXT) re-arming `after`': () => {
    for (let i = 0; i < N; i++) instances[i].send(text)
  }
}

const names = Object.keys(runs)
const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
for (let r = 0; r < ROUNDS + 1; r++) {
  for (const name of names) {
    gc()
    const t0 = process.hrtime.bigint()
    runs[name]!()
    const ns = Number(process.hrtime.bigint() - t0)
    if (r > 0) samples[name]!.push((N * 1e9) / ns) // round 0 is warm-up
  }
  // Let the event loop turn so Node's timer lists and the wheels' intervals run as they would.
  await new Promise((resolve) => setImmediate(resolve))
}
if (wheel.size !== N || machineWheel.size !== N) throw new Error('timers lost')
const med = Object.fromEntries(names.map((n) => [n, median(samples[n]!)]))
const base = med['clearTimeout + setTimeout']!
report({
  pkg: 'fsm',
  scenario: 'rearm',
  title: 'Re-arming 1M idle 30 s timers (one re-arm per timer per round)',
  columns: ['contender', 're-arms/s (median)', 'vs clearTimeout+setTimeout'],
  rows: names.map((n) => [n, fmtRate(med[n]!), fmtRatio(med[n]! / base)]),
  notes: [
    `${N.toLocaleString('en')} armed timers per contender, all alive at once; ${ROUNDS} interleaved rounds after one warm-up, median.`,
    'The FSM row is a whole send(): table lookup, re-entry of CHATTING, clock read and the wheel update (pushing a deadline later is one field write; the node moves when its old slot comes up).'
  ],
  raw: { samples, medians: med }
})
for (const t of cleared) clearTimeout(t)
for (const t of refreshed) clearTimeout(t)
wheel.stop()
machineWheel.stop()
