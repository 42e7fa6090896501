// owner() lookups per second: NginxRing (CRC-32 points, what nginx `hash $key consistent` does),
// KetamaRing (libketama MD5) and the npm `hashring` package (libketama MD5, with its LRU cache of
// 5,000 keys), on rings of 3 and 10 servers, over 50,000 distinct uuids (the cache never hits:
// every uid is a first lookup, as when each request carries another user) and over 1,000 hot ones.
import { randomUUID } from 'node:crypto'
import { loadavg } from 'node:os'
import { KetamaRing, NginxRing } from '@chatbot-pro/affinity'
import HashRing from 'hashring'
import { fmtRate, fmtRatio, median, report } from '../lib/report.ts'

const cold = Array.from({ length: 50_000 }, () => randomUUID())
const hot = cold.slice(0, 1000)
let sink = ''

type Contender = [string, (key: string) => string]
function contenders(n: number): Contender[] {
  const servers = Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}:3000`)
  const nginx = new NginxRing(servers.map((server) => ({ server })))
  const ketama = new KetamaRing(servers.map((server) => ({ server })))
  const hashring = new HashRing(servers)
  return [
    ['NginxRing.owner', (k) => nginx.owner(k)],
    ['KetamaRing.owner', (k) => ketama.owner(k)],
    ['hashring.get', (k) => hashring.get(k)]
  ]
}

const ROUNDS = 7
const rows: Array<Array<string | number>> = []
const raw: Record<string, number[]> = {}
for (const n of [3, 10]) {
  for (const [label, keys] of [
    ['50k distinct', cold],
    ['1k hot', hot]
  ] as const) {
    const cs = contenders(n)
    const samples: number[][] = cs.map(() => [])
    for (let r = 0; r < ROUNDS + 2; r++) {
      cs.forEach(([, fn], k) => {
        const reps = Math.ceil(50_000 / keys.length)
        const t0 = process.hrtime.bigint()
        for (let rep = 0; rep < reps; rep++) for (const key of keys) sink = fn(key)
        const ns = Number(process.hrtime.bigint() - t0)
        if (r >= 2) samples[k]?.push((reps * keys.length * 1e9) / ns)
      })
    }
    const med = samples.map((s) => median(s))
    const base = med[2] as number
    cs.forEach(([name], k) => {
      rows.push([
        `${n} servers, ${label}`,
        name,
        fmtRate(med[k] as number),
        fmtRatio((med[k] as number) / base)
      ])
      raw[`${n}/${label}/${name}`] = samples[k] as number[]
    })
  }
}
const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ')
report({
  pkg: 'affinity',
  scenario: 'ring',
  title: 'owner() lookups per second',
  columns: ['ring, keys', 'contender', 'lookups/s (median)', 'vs hashring'],
  rows,
  notes: [
    `Median of ${ROUNDS} interleaved rounds of 50,000 lookups each, after 2 warm-up rounds (last owner: ${sink}). Load average at the end: ${load}.`,
    'hashring keeps an LRU of 5,000 keys: the distinct run misses it on every lookup, the hot run hits it on every one.'
  ],
  raw
})
