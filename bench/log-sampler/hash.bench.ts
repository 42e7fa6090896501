// Cost of fingerprinting an ~8 KB chat context: the sampler's one-shot hash and incremental
// ContextHasher vs XXH64 of the same text as one string vs JSON.stringify + sha1 (what one would
// write without the sampler).
import { createHash } from 'node:crypto'
import { ContextHasher, hashContext, hashKey } from '@chatbot-pro/log-sampler'
import { fmtRatio, rate, report } from '../lib/report.ts'
import { makeContext, turnText } from './fixtures.ts'

const context = makeContext(8192)
const text = context.map((t) => t.content).join('')
const bytes = Buffer.byteLength(text)
const hasher = new ContextHasher(context)
const next = turnText(99)
let sink: unknown

const contenders: Array<[string, () => unknown, number]> = [
  ['hashContext(8 KB, 25 turns)', () => hashContext(context), 20_000],
  ['hashKey(8 KB string) = XXH64', () => hashKey(text), 50_000],
  ['ContextHasher: append one turn, drop one, .hash', () => hasher.append(next).dropFirst(1).hash, 50_000],
  [
    'JSON.stringify + sha1 (baseline)',
    () => createHash('sha1').update(JSON.stringify(context)).digest('hex'),
    5_000
  ]
]

const ROUNDS = 9
const samples: number[][] = contenders.map(() => [])
for (let r = 0; r < ROUNDS; r++) {
  contenders.forEach(([, fn, ops], k) => {
    const batch = () => {
      for (let i = 0; i < ops; i++) sink = fn()
    }
    samples[k]!.push(1e9 / rate(batch, ops, 1, r === 0 ? 2 : 0))
  })
}
const med = samples.map((s) => [...s].sort((a, b) => a - b)[s.length >> 1]!)
const base = med[3]!
report({
  pkg: 'log-sampler',
  scenario: 'hash',
  title: `Hashing a ${bytes} B context (${context.length} turns)`,
  columns: ['method', 'µs / op (median)', 'speed-up vs stringify + sha1'],
  rows: contenders.map(([name], k) => [name, (med[k]! / 1000).toFixed(2), fmtRatio(base / med[k]!)]),
  notes: [
    `Median of ${ROUNDS} interleaved rounds (result kept alive: ${typeof sink}). XXH64 by @node-rs/xxhash over UTF-8 written into a reused buffer.`
  ],
  raw: { nsPerOp: med, samples }
})
