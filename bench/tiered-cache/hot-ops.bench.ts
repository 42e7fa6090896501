// Hot-tier get/set throughput against the peers a user would pick instead (lru-cache, quick-lru,
// and a bare Map as the ceiling), interleaved round-robin in one process. Every key is resident:
// this measures the hot path, not the hit ratio (see hit-ratio.bench.ts).
import { loadavg } from 'node:os'
import { TieredCache } from '@chatbot-pro/tiered-cache'
import { LRUCache } from 'lru-cache'
import QuickLRU from 'quick-lru'
import { fmtRate, fmtRatio, median, rate, report } from '../lib/report.ts'
import { rng } from './workloads.ts'

const SIZE = 10_000
const OPS = 1_000_000
const keys = Array.from({ length: SIZE }, (_, i) => `session:${i}`)
const rand = rng(1)
const seq = Int32Array.from({ length: OPS }, () => Math.floor(rand() * SIZE))
const value = { state: 'CHATTING', turns: 3 }

const map = new Map<string, unknown>()
const quick = new QuickLRU<string, unknown>({ maxSize: SIZE })
const lru = new LRUCache<string, object>({ max: SIZE })
const mk = (admission: 'tinylfu' | 'none') =>
  new TieredCache<unknown>({ hot: { maxSize: SIZE, admission }, flush: { maxDirty: 10 * SIZE } })
const tiered = mk('tinylfu')
const tieredNone = mk('none')
for (const k of keys) {
  map.set(k, value)
  quick.set(k, value)
  lru.set(k, value)
  tiered.set(k, value)
  tieredNone.set(k, value)
}
await tiered.flush()
await tieredNone.flush()

let sink = 0
const getters: Record<string, () => void> = {
  Map: () => {
    for (let i = 0; i < OPS; i++) if (map.get(keys[seq[i] as number] as string) !== undefined) sink++
  },
  'quick-lru': () => {
    for (let i = 0; i < OPS; i++) if (quick.get(keys[seq[i] as number] as string) !== undefined) sink++
  },
  'lru-cache': () => {
    for (let i = 0; i < OPS; i++) if (lru.get(keys[seq[i] as number] as string) !== undefined) sink++
  },
  'tiered getHot (TinyLFU)': () => {
    for (let i = 0; i < OPS; i++) if (tiered.getHot(keys[seq[i] as number] as string) !== undefined) sink++
  },
  'tiered getHot (admission none)': () => {
    for (let i = 0; i < OPS; i++)
      if (tieredNone.getHot(keys[seq[i] as number] as string) !== undefined) sink++
  }
}
const setters: Record<string, () => void> = {
  Map: () => {
    for (let i = 0; i < OPS; i++) map.set(keys[seq[i] as number] as string, value)
  },
  'quick-lru': () => {
    for (let i = 0; i < OPS; i++) quick.set(keys[seq[i] as number] as string, value)
  },
  'lru-cache': () => {
    for (let i = 0; i < OPS; i++) lru.set(keys[seq[i] as number] as string, value)
  },
  'tiered set (write-behind; JSON at flush)': () => {
    for (let i = 0; i < OPS; i++) tiered.set(keys[seq[i] as number] as string, value)
  }
}

const ROUNDS = 7
const samples: Record<string, number[]> = {}
const sample = (name: string, fn: () => void, warmup: number): void => {
  const list = samples[name] ?? []
  list.push(rate(fn, OPS, 1, warmup))
  samples[name] = list
}
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(getters)) sample(`get ${name}`, fn, r === 0 ? 1 : 0)
  for (const [name, fn] of Object.entries(setters)) sample(`set ${name}`, fn, r === 0 ? 1 : 0)
  await tiered.flush()
}

// Async get (a hot hit still returns a promise), awaited one by one.
const asyncSamples: number[] = []
for (let r = 0; r < 5; r++) {
  const n = 200_000
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) if ((await tiered.get(keys[seq[i] as number] as string)) !== undefined) sink++
  asyncSamples.push((n * 1e9) / Number(process.hrtime.bigint() - t0))
}

// Latency of single hot gets, timed one by one (includes ~the cost of reading the clock twice).
function p99(fn: (k: string) => unknown): { p50: number; p99: number } {
  const n = 200_000
  const lat = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const k = keys[seq[i] as number] as string
    const t0 = process.hrtime.bigint()
    fn(k)
    lat[i] = Number(process.hrtime.bigint() - t0)
  }
  lat.sort()
  return { p50: lat[n >> 1] as number, p99: lat[Math.floor(n * 0.99)] as number }
}
const empty = p99(() => undefined)
const latTiered = p99((k) => tiered.getHot(k))
const latLru = p99((k) => lru.get(k))

const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
const lruGet = med['get lru-cache'] as number
const lruSet = med['set lru-cache'] as number
const rows: Array<Array<string | number>> = []
for (const name of Object.keys(getters)) {
  const r = med[`get ${name}`] as number
  rows.push([`get: ${name}`, fmtRate(r), fmtRatio(r / lruGet)])
}
const asyncRate = median(asyncSamples)
rows.push(['get: tiered await get() (TinyLFU)', fmtRate(asyncRate), fmtRatio(asyncRate / lruGet)])
for (const name of Object.keys(setters)) {
  const r = med[`set ${name}`] as number
  rows.push([`set: ${name}`, fmtRate(r), fmtRatio(r / lruSet)])
}

report({
  pkg: 'tiered-cache',
  scenario: 'hot-ops',
  title: `Hot get/set throughput (${SIZE} resident keys, uniform access)`,
  columns: ['operation', 'ops/s (median)', 'vs lru-cache'],
  rows,
  notes: [
    `Median of ${ROUNDS} rounds of ${OPS / 1e6}M ops, contenders interleaved round by round.`,
    `Single-get latency (hrtime per call; an empty call measures ${empty.p50} ns p50 / ${empty.p99} ns p99): ` +
      `tiered getHot p50 ${latTiered.p50} ns, p99 ${latTiered.p99} ns; lru-cache p50 ${latLru.p50} ns, p99 ${latLru.p99} ns.`,
    'tiered set runs the JSON check (top-level type, one level of properties), bumps the version and marks the entry dirty for the write-behind flusher (in-process store here); the value is serialised at flush, once per cold write (the flush between rounds is not timed).',
    `Load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (1/5/15 min) at the end.`
  ],
  raw: { samples, asyncSamples, latency: { empty, tiered: latTiered, lru: latLru }, sink }
})
await tiered.close()
await tieredNone.close()
