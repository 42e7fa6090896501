// The fsm work of one server turn (apps/server chat.ts): send `text` (re-arms the pause timer),
// `context.messages()` for the prompt, send `reply`; 10,000 conversations in CHATTING with a full
// window (system + 5 rounds, ~100 B turns). `messages()` now hands out the kept turn objects; the
// second row builds the prompt as 0.1.0 did (a turns() array, then a new { role, content } per turn
// and for the system prompt), on the same contexts, to show what that change saves.
// `node --expose-gc --import tsx fsm/turn.bench.ts` (from bench/).
import { loadavg } from 'node:os'
import { conversationMachine, TimerWheel } from '@chatbot-pro/fsm'
import { fmtRatio, median, report } from '../lib/report.ts'

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
const N = 10_000
const POOL = 64
const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(' / ')
const wheel = new TimerWheel()
const machine = conversationMachine({ systemPrompt: 'You are the support desk of an online shop.' })
const users = Array.from({ length: POOL }, (_, i) =>
  `my order #${1000 + i} has not arrived, can you check? `.repeat(2)
)
const replies = Array.from({ length: POOL }, (_, i) =>
  `order #${1000 + i} left the warehouse yesterday. `.repeat(2)
)
const convs = Array.from({ length: N }, (_, c) => {
  const conv = machine.create(undefined, { wheel })
  for (let r = 0; r < 5; r++) {
    conv.send({ type: 'text', text: users[(c + r) % POOL]! })
    conv.send({ type: 'reply', text: replies[(c + r) % POOL]! })
  }
  return conv
})

type Msg = { role: string; content: string }
/** messages() as in 0.1.0: a turns() copy, then a new object per turn and for the system prompt. */
function legacyMessages(ctx: (typeof convs)[number]['context']): Msg[] {
  const out: Msg[] = ctx.system === null ? [] : [{ role: 'system', content: ctx.system }]
  for (const t of ctx.turns()) out.push({ role: t.role, content: t.content })
  return out
}

let sink: unknown
const contenders: Array<[string, (i: number) => void]> = [
  [
    'send(text) + messages() + send(reply)',
    (i) => {
      const conv = convs[i % N]!
      conv.send({ type: 'text', text: users[i % POOL]! })
      sink = conv.context.messages()
      conv.send({ type: 'reply', text: replies[i % POOL]! })
    }
  ],
  [
    'same with the 0.1.0 prompt copy (turns() + new message objects)',
    (i) => {
      const conv = convs[i % N]!
      conv.send({ type: 'text', text: users[i % POOL]! })
      sink = legacyMessages(conv.context)
      conv.send({ type: 'reply', text: replies[i % POOL]! })
    }
  ],
  [
    'messages() alone',
    (i) => {
      sink = convs[i % N]!.context.messages()
    }
  ],
  [
    '0.1.0 prompt copy alone',
    (i) => {
      sink = legacyMessages(convs[i % N]!.context)
    }
  ]
]

const ROUNDS = 9
const OPS = 50_000
const samples: number[][] = contenders.map(() => [])
let i = 0
for (let r = 0; r < ROUNDS + 2; r++) {
  contenders.forEach(([, run], k) => {
    gc()
    const t0 = process.hrtime.bigint()
    for (let n = 0; n < OPS; n++) run(i++)
    const ns = Number(process.hrtime.bigint() - t0) / OPS
    if (r >= 2) samples[k]!.push(ns)
  })
}
wheel.clear()
if (sink === 1) console.log(sink)
const ns = samples.map((s) => median(s))
const loadAfter = loadavg()
  .map((x) => x.toFixed(2))
  .join(' / ')
report({
  pkg: 'fsm',
  scenario: 'turn',
  title: 'The fsm work of one server turn (10k conversations, full window: system + 5 rounds)',
  columns: ['contender', 'ns / turn (median)', 'vs the row it replaces'],
  rows: contenders.map(([name], k) => [
    name,
    ns[k]!.toFixed(0),
    k % 2 === 0 ? fmtRatio(ns[k]! / ns[k + 1]!) : '1.00x'
  ]),
  notes: [
    `Median of ${ROUNDS} interleaved rounds after 2 warm-up rounds, ${OPS} turns a round; the default token estimate; the pause timer re-armed on every text.`,
    'messages() allocates one array per call (12 slots here) and nothing per message; the 0.1.0 copy allocated two arrays and 11 message objects.',
    `Load average (1/5/15 min) before: ${load}; after: ${loadAfter}. 2 shared cores: timings are noisy, rerun in a quiet window.`,
    'Command: `cd bench && node --expose-gc --import tsx fsm/turn.bench.ts`.'
  ],
  raw: { ns, samples, load, loadAfter }
})
