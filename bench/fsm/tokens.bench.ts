// Cost per turn of the token counter behind `maxTokens` (issue 15 item 4): the default estimate vs
// a real BPE count through `loadTokenCounter('o200k_base' | 'cl100k_base')` (gpt-tokenizer), for
// typical turn sizes. A turn counts the user's message and the reply once each, when they are
// appended (the system prompt is counted once per prompt text, not per turn). Texts are distinct
// (256 of each kind), so gpt-tokenizer's merge cache sees realistic reuse, not one string again.
// Also the one-off load time of each encoding (first `loadTokenCounter` call, fresh process).
// `node --expose-gc --import tsx fsm/tokens.bench.ts` (from bench/).
import { spawnSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { approximateTokens, type CountTokens, loadTokenCounter } from '@chatbot-pro/fsm'
import { fmtRatio, median, report } from '../lib/report.ts'

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
const POOL = 256

/** Distinct texts of a kind: `make(i)` for i in [0, POOL). */
const pool = (make: (i: number) => string) => Array.from({ length: POOL }, (_, i) => make(i))
const en = (i: number) =>
  `Hi, my order #${1000 + i} has not arrived yet, it was due on the ${(i % 28) + 1}th. Can you check?`
const enReply = (i: number) =>
  `Thanks for your patience. I checked order #${1000 + i}: it left our warehouse on the ${(i % 28) + 1}th and is with the carrier now. Deliveries in your area take two to four working days, so it should reach you by Friday. If it has not arrived by then, reply here and I will open a claim with the carrier and send a replacement at no cost. Is there anything else I can help with?`
const zh = (i: number) =>
  `你好，我的订单 #${1000 + i} 还没有到，本来应该 ${(i % 28) + 1} 号送达，可以帮我查一下吗？`
const zhReply = (i: number) =>
  `感谢您的耐心等待。我查了订单 #${1000 + i}：它已于 ${(i % 28) + 1} 号从仓库发出，目前在快递公司手中。您所在地区通常需要二到四个工作日送达，预计周五前到。如果届时仍未收到，请在这里回复，我会向快递公司提出索赔，并免费为您补发。还有什么可以帮您的吗？`

const kinds: Array<{ name: string; user: string[]; reply: string[] }> = [
  { name: 'English turn (~90 B message + ~380 B reply)', user: pool(en), reply: pool(enReply) },
  { name: 'Chinese turn (~40 + ~130 characters)', user: pool(zh), reply: pool(zhReply) },
  {
    name: 'long English turn (~2 KB message + ~2 KB reply)',
    user: pool((i) => `${en(i)} `.repeat(22)),
    reply: pool((i) => `${enReply(i)} `.repeat(5))
  }
]

async function main() {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')
  const counters: Array<[string, CountTokens]> = [
    ['approximateTokens (default)', approximateTokens],
    ['o200k_base', await loadTokenCounter('o200k_base')],
    ['cl100k_base', await loadTokenCounter('cl100k_base')]
  ]
  const ROUNDS = 7
  const OPS = 2_000
  let sink = 0
  const nsPerTurn: number[][] = kinds.map(() => counters.map(() => 0))
  const tokensPerTurn: number[][] = kinds.map(() => counters.map(() => 0))
  kinds.forEach((kind, ki) => {
    const samples: number[][] = counters.map(() => [])
    for (let r = 0; r < ROUNDS + 2; r++) {
      counters.forEach(([, count], ci) => {
        gc()
        const t0 = process.hrtime.bigint()
        for (let n = 0; n < OPS; n++) sink += count(kind.user[n % POOL]!) + count(kind.reply[(n + 3) % POOL]!)
        const ns = Number(process.hrtime.bigint() - t0) / OPS
        if (r >= 2) samples[ci]!.push(ns)
      })
    }
    counters.forEach(([, count], ci) => {
      nsPerTurn[ki]![ci] = median(samples[ci]!)
      tokensPerTurn[ki]![ci] = count(kind.user[0]!) + count(kind.reply[3]!)
    })
  })
  if (sink < 0) console.log(sink)

  // The one-off cost of loading each encoding, in a fresh process each (module cache cold).
  const loadMs = (name: string): number => {
    const code = `const t=performance.now();const {loadTokenCounter}=await import('@chatbot-pro/fsm');const c=await loadTokenCounter('${name}');c('x');console.log(performance.now()-t)`
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' })
    return Number(r.stdout.trim())
  }
  const loads = { o200k_base: loadMs('o200k_base'), cl100k_base: loadMs('cl100k_base') }
  const loadAfter = loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')

  const rows: Array<Array<string | number>> = []
  kinds.forEach((kind, ki) => {
    counters.forEach(([name], ci) => {
      const ns = nsPerTurn[ki]![ci]!
      rows.push([
        kind.name,
        name,
        (ns / 1000).toFixed(2),
        fmtRatio(ns / nsPerTurn[ki]![0]!),
        tokensPerTurn[ki]![ci]!
      ])
    })
  })
  report({
    pkg: 'fsm',
    scenario: 'tokens',
    title: 'Token counting per turn: the estimate vs real BPE counts (gpt-tokenizer 4)',
    columns: ['turn', 'counter', 'µs / turn (median)', 'vs estimate', 'tokens / turn'],
    rows,
    notes: [
      `Median of ${ROUNDS} interleaved rounds after 2 warm-up rounds, ${OPS} turns a round; a turn = count(user message) + count(reply), over ${POOL} distinct texts of each.`,
      `One-off load (fresh process: import + first count): o200k_base ${loads.o200k_base.toFixed(0)} ms, cl100k_base ${loads.cl100k_base.toFixed(0)} ms.`,
      `Load average (1/5/15 min) before: ${load}; after: ${loadAfter}. 2 shared cores: timings are noisy, rerun in a quiet window.`,
      'Command: `cd bench && node --expose-gc --import tsx fsm/tokens.bench.ts`.'
    ],
    raw: { nsPerTurn, tokensPerTurn, loads, load, loadAfter }
  })
}

await main()
