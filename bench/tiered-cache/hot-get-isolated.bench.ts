// Hot get throughput with each contender alone in its own process (as pino's benchmarks do), so
// no contender's inline caches are polluted by another's (quick-lru's code is shared by the plain
// quick-lru contender and by the hot tier in hot-ops.bench.ts). Same workload as hot-ops.
import { fork } from 'node:child_process'
import { loadavg } from 'node:os'
import { TieredCache } from '@chatbot-pro/tiered-cache'
import { LRUCache } from 'lru-cache'
import QuickLRU from 'quick-lru'
import { fmtRate, fmtRatio, median, rate, report } from '../lib/report.ts'
import { rng } from './workloads.ts'

const SIZE = 10_000
const OPS = 1_000_000
const NAMES = ['lru-cache', 'quick-lru', 'tiered getHot (TinyLFU)', 'tiered getHot (admission none)'] as const

async function child(name: string): Promise<void> {
  const keys = Array.from({ length: SIZE }, (_, i) => `session:${i}`)
  const rand = rng(1)
  const seq = Int32Array.from({ length: OPS }, () => Math.floor(rand() * SIZE))
  let get: (k: string) => unknown
  let close = async (): Promise<void> => {}
  if (name === 'lru-cache') {
    const c = new LRUCache<string, object>({ max: SIZE })
    for (const k of keys) c.set(k, {})
    get = (k) => c.get(k)
  } else if (name === 'quick-lru') {
    const c = new QuickLRU<string, object>({ maxSize: SIZE })
    for (const k of keys) c.set(k, {})
    get = (k) => c.get(k)
  } else {
    const c = new TieredCache<object>({
      hot: { maxSize: SIZE, admission: name.includes('none') ? 'none' : 'tinylfu' }
    })
    for (const k of keys) c.set(k, {})
    await c.flush()
    get = (k) => c.getHot(k)
    close = async () => {
      await c.close()
    }
  }
  let sink = 0
  const r = rate(
    () => {
      for (let i = 0; i < OPS; i++) if (get(keys[seq[i] as number] as string) !== undefined) sink++
    },
    OPS,
    9,
    3
  )
  await close()
  process.send?.({ rate: r, sink })
  process.exit(0)
}

if (process.argv[2] === 'child') {
  await child(process.argv[3] as string)
} else {
  const samples: Record<string, number[]> = {}
  for (let round = 0; round < 3; round++) {
    for (const name of NAMES) {
      const r = await new Promise<number>((resolve, reject) => {
        const cp = fork(import.meta.filename, ['child', name], {
          execArgv: ['--expose-gc', '--import', 'tsx']
        })
        cp.once('message', (m) => resolve((m as { rate: number }).rate))
        cp.once('error', reject)
      })
      const list = samples[name] ?? []
      list.push(r)
      samples[name] = list
    }
  }
  const med = (n: string): number => median(samples[n] as number[])
  report({
    pkg: 'tiered-cache',
    scenario: 'hot-get-isolated',
    title: `Hot get, each contender alone in its own process (${SIZE} resident keys, uniform access)`,
    columns: ['get', 'ops/s (median of 3 processes)', 'vs lru-cache'],
    rows: NAMES.map((n) => [n, fmtRate(med(n)), fmtRatio(med(n) / med('lru-cache'))]),
    notes: [
      'Each process: 3 warm-up + 9 timed rounds of 1M gets, median; processes run one after another, round-robin.',
      `Load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} (1/5/15 min) at the end.`
    ],
    raw: samples
  })
}
