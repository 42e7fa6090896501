// Heap bytes per live idle conversation (in CHATTING, with its PAUSE timer armed where the library
// can arm one, empty context) at 100k and 1M conversations.
// `node --expose-gc --import tsx fsm/memory.bench.ts` (needs --expose-gc). Method: gc, heapUsed,
// create N conversations held in an array (its slot is included), gc, heapUsed; the delta / N.
import { ConversationRegistry, conversationMachine, TimerWheel } from '@chatbot-pro/fsm'
import { report } from '../lib/report.ts'
import { jsm, ours, robotService, xstateActor, xstateTimed } from './machines.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')
const heap = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const PAUSE_MS = 30_000
const noop = () => {}
const clearAll = (keep: Array<{ timer: ReturnType<typeof setTimeout> }>) => {
  for (const c of keep) clearTimeout(c.timer)
}
const stopAll = (keep: Array<{ stop(): unknown }>) => {
  for (const a of keep) a.stop()
}

interface Contender {
  name: string
  /** Creates n conversations; returns what keeps them alive and a cleanup. */
  make(n: number): { keep: unknown; dispose(): void }
}

const preset = conversationMachine({ pauseAfterMs: PAUSE_MS })
const contenders: Contender[] = [
  {
    name: '@chatbot-pro/fsm preset (instance + armed PAUSE timer + empty context)',
    make(n) {
      const wheel = new TimerWheel()
      const keep = new Array(n)
      for (let i = 0; i < n; i++) {
        const c = preset.create(undefined, { wheel })
        c.send({ type: 'text', text: 'hi' })
        c.context.clear()
        keep[i] = c
      }
      if (wheel.size !== n) throw new Error('timers not armed')
      return { keep, dispose: () => wheel.clear() }
    }
  },
  {
    name: '@chatbot-pro/fsm preset in ConversationRegistry (+ Map entry + user id string)',
    make(n) {
      const wheel = new TimerWheel()
      const reg = new ConversationRegistry(preset, { wheel })
      for (let i = 0; i < n; i++) {
        const c = reg.getOrCreate(`user-${i}`)
        c.send({ type: 'text', text: 'hi' })
        c.context.clear()
      }
      if (wheel.size !== n || reg.size !== n) throw new Error('not armed')
      return { keep: reg, dispose: () => reg.clear() }
    }
  },
  {
    name: '@chatbot-pro/fsm 4-state machine, no context (instance + armed timer)',
    make(n) {
      const wheel = new TimerWheel()
      const m = ours(PAUSE_MS)
      const keep = new Array(n)
      for (let i = 0; i < n; i++) {
        const c = m.create(undefined, { wheel })
        c.send({ type: 'TEXT' })
        keep[i] = c
      }
      if (wheel.size !== n) throw new Error('timers not armed')
      return { keep, dispose: () => wheel.clear() }
    }
  },
  {
    name: 'bare table: { state } object, no timer',
    make(n) {
      const keep = new Array(n)
      for (let i = 0; i < n; i++) keep[i] = { state: 'CHATTING' }
      return { keep, dispose: noop }
    }
  },
  {
    name: 'bare table + setTimeout',
    make(n) {
      const keep = new Array(n)
      for (let i = 0; i < n; i++) keep[i] = { state: 'CHATTING', timer: setTimeout(noop, PAUSE_MS) }
      return { keep, dispose: () => clearAll(keep) }
    }
  },
  {
    name: 'javascript-state-machine, no timer',
    make(n) {
      const keep = new Array(n)
      for (let i = 0; i < n; i++) keep[i] = jsm('CHATTING')
      return { keep, dispose: noop }
    }
  },
  {
    name: 'javascript-state-machine + setTimeout',
    make(n) {
      const keep = new Array(n)
      for (let i = 0; i < n; i++) keep[i] = { fsm: jsm('CHATTING'), timer: setTimeout(noop, PAUSE_MS) }
      return { keep, dispose: () => clearAll(keep) }
    }
  },
  {
    name: 'robot3, no timer',
    make(n) {
      const keep = new Array(n)
      for (let i = 0; i < n; i++) keep[i] = robotService('CHATTING')
      return { keep, dispose: noop }
    }
  },
  {
    name: 'robot3 + setTimeout',
    make(n) {
      const keep = new Array(n)
      for (let i = 0; i < n; i++) keep[i] = { s: robotService('CHATTING'), timer: setTimeout(noop, PAUSE_MS) }
      return { keep, dispose: () => clearAll(keep) }
    }
  },
  {
    name: 'xstate v5 actor with `after` (its own setTimeout)',
    make(n) {
      const keep = new Array(n)
      for (let i = 0; i < n; i++) keep[i] = xstateActor(xstateTimed)
      return { keep, dispose: () => stopAll(keep) }
    }
  }
]

/** One measurement in its own frame, so nothing of it is left on the stack for the next one. */
function measure(c: Contender, n: number): number {
  const before = heap()
  const made = c.make(n)
  const after = heap()
  made.dispose()
  return (after - before) / n
}

const SIZES = [100_000, 1_000_000]
const LIMIT = 1.5 * 2 ** 30
const rows: Array<Array<string | number>> = []
const raw: Record<string, Record<number, number>> = {}
for (const c of contenders) {
  const row: Array<string | number> = [c.name]
  // A 10k probe first: sizes that would exceed ~1.5 GB of heap are not run (the default old
  // space is ~4 GB and the machine is shared).
  let estimate = measure(c, 10_000)
  raw[c.name] = { 10000: estimate }
  for (const n of SIZES) {
    if (estimate * n > LIMIT) {
      row.push(`not run (~${Math.round((estimate * n) / 2 ** 30)} GB)`)
      continue
    }
    const per = measure(c, n)
    raw[c.name]![n] = per
    estimate = per
    row.push(`${Math.round(per)} B`)
    if (n === 1_000_000) row.push(`${Math.round((per * n) / 2 ** 20)} MiB`)
  }
  while (row.length < 4) row.push('')
  rows.push(row)
  process.stdout.write(`${row.join(' | ')}\n`)
}
report({
  pkg: 'fsm',
  scenario: 'memory',
  title: 'Heap per idle conversation (CHATTING, PAUSE timer armed, empty context)',
  columns: ['contender', 'bytes @ 100k', 'bytes @ 1M', 'heap @ 1M'],
  rows,
  notes: [
    'process.memoryUsage().heapUsed delta after forced GC, divided by N; includes the array slot (8 B) or the registry Map entry that holds each conversation.',
    'setTimeout rows: Node Timeout objects live on the JS heap too, so they are counted; xstate arms its own setTimeout for `after`.'
  ],
  raw
})
