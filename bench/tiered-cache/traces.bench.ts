// Hit ratio on real block-I/O traces (the ARC paper's P2 and P12 by default) at equal resident
// entries: plain LRU (lru-cache), ARC (bench/tiered-cache/arc.ts, as printed in the paper), and the
// hot tier with adaptive W-TinyLFU and with admission 'none'. Every request is "get; on a miss,
// load and offer". Writes the table and an SVG plot (hit ratio vs cache size).
//
// Traces: TRACES=path[,path...] (`.lis` or `.lis.zst`; default the two in ../shared/data/cache-traces);
// `.zst` files are decompressed with the `zstd` binary into bench/results/tmp/ (gitignored).
// LIMIT=n (or --limit n) replays only the first n requests of each trace, for a quick run; the
// README figures are full traces. SIZES=1024,8192 overrides the cache sizes. POLICIES=lru,arc,...
// REPLOT=1 only redraws traces.svg from the last full run's traces.json.
import { spawnSync } from 'node:child_process'
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { HotEntry, HotTier } from '@chatbot-pro/tiered-cache'
import { LRUCache } from 'lru-cache'
import { report } from '../lib/report.ts'
import { Arc } from './arc.ts'

const here = import.meta.dirname
const defaultDir = resolve(here, '../../../shared/data/cache-traces')
const argLimit = process.argv.indexOf('--limit')
const LIMIT = Number(argLimit > 0 ? process.argv[argLimit + 1] : (process.env.LIMIT ?? 0)) || Infinity
const SIZES = (process.env.SIZES ?? '1024,8192,32768,131072').split(',').map(Number)
const POLICIES = (process.env.POLICIES ?? 'lru,arc,wtinylfu,none').split(',')
const traces = (process.env.TRACES ?? `${join(defaultDir, 'P2.lis.zst')},${join(defaultDir, 'P12.lis.zst')}`)
  .split(',')
  .filter(Boolean)

/** A trace as dense page ids (0..universe-1), one per requested block, and the ids' string keys. */
interface Trace {
  name: string
  ids: Int32Array
  universe: number
}

function decompress(path: string): string {
  if (!path.endsWith('.zst')) return path
  const dir = join(here, '..', 'results', 'tmp')
  mkdirSync(dir, { recursive: true })
  const out = join(dir, basename(path, '.zst'))
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(path).mtimeMs) return out
  const r = spawnSync('zstd', ['-q', '-d', '-f', '-o', out, path], { stdio: 'inherit' })
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(
      `cannot decompress ${path}: the zstd binary is missing or failed (${r.error?.message ?? `exit ${r.status}`}); ` +
        'install it (Debian: apt-get install zstd) or pass TRACES=<decompressed .lis files>'
    )
  }
  return out
}

/** Streams a `.lis` file ("start count ignore request" per line) into dense page ids. */
async function load(path: string): Promise<Trace> {
  const file = decompress(path)
  let ids = new Int32Array(1 << 20)
  let n = 0
  const dense = new Map<number, number>()
  let field = 0
  let num = 0
  let start = 0
  let done = false
  const push = (block: number): void => {
    let id = dense.get(block)
    if (id === undefined) {
      id = dense.size
      dense.set(block, id)
    }
    if (n === ids.length) {
      const grown = new Int32Array(ids.length * 2)
      grown.set(ids)
      ids = grown
    }
    ids[n++] = id
    if (n >= LIMIT) done = true
  }
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length && !done; i++) {
      const ch = chunk[i] as number
      if (ch >= 48 && ch <= 57) {
        num = num * 10 + (ch - 48)
      } else if (ch === 32 || ch === 10) {
        if (field === 0) start = num
        else if (field === 1) for (let b = 0; b < num && !done; b++) push(start + b)
        num = 0
        field = ch === 10 ? 0 : field + 1
      }
    }
    if (done) break
  }
  return { name: basename(file, '.lis'), ids: ids.subarray(0, n), universe: dense.size }
}

function lru(t: Trace, size: number): number {
  const c = new LRUCache<number, number>({ max: size })
  const ids = t.ids
  let hits = 0
  for (let i = 0; i < ids.length; i++) {
    const k = ids[i] as number
    if (c.get(k) !== undefined) hits++
    else c.set(k, 1)
  }
  return hits / ids.length
}

function arc(t: Trace, size: number): number {
  const c = new Arc(size, t.universe)
  const ids = t.ids
  let hits = 0
  for (let i = 0; i < ids.length; i++) if (c.access(ids[i] as number)) hits++
  return hits / ids.length
}

function tier(t: Trace, size: number, keys: string[], admission: 'tinylfu' | 'none'): number {
  const c = new HotTier<number>({ maxSize: size, admission })
  const ids = t.ids
  let hits = 0
  for (let i = 0; i < ids.length; i++) {
    const k = keys[ids[i] as number] as string
    if (c.get(k) !== undefined) {
      hits++
    } else {
      const h = c.recordMiss(k)
      c.insert(new HotEntry(k, 1, h, Number.POSITIVE_INFINITY, 0), true)
    }
  }
  return hits / ids.length
}

const LABELS: Record<string, string> = {
  lru: 'LRU (lru-cache)',
  arc: 'ARC (reference)',
  wtinylfu: 'hot tier, W-TinyLFU',
  none: "hot tier, admission 'none'"
}

const svgPath = join(here, '..', 'results', 'tiered-cache', 'traces.svg')
if (process.env.REPLOT) {
  // Redraw the plot from the last full run's JSON (no replay).
  const last = JSON.parse(readFileSync(join(here, '..', 'results', 'tiered-cache', 'traces.json'), 'utf8'))
  writeFileSync(svgPath, svg(last.raw))
  process.exit(0)
}

const t0 = Date.now()
const results: Record<string, Record<string, Record<number, number>>> = {}
const rows: Array<Array<string | number>> = []
for (const path of traces) {
  const tl = Date.now()
  const t = await load(path)
  const keys = Array.from({ length: t.universe }, (_, i) => `b${i}`)
  process.stderr.write(
    `${t.name}: ${t.ids.length} requests, ${t.universe} pages, parsed in ${Date.now() - tl} ms\n`
  )
  const r: Record<string, Record<number, number>> = {}
  results[t.name] = r
  for (const size of SIZES) {
    const row: Array<string | number> = [t.name, size.toLocaleString('en-US')]
    for (const p of POLICIES) {
      const ts = Date.now()
      const hr =
        p === 'lru'
          ? lru(t, size)
          : p === 'arc'
            ? arc(t, size)
            : tier(t, size, keys, p === 'none' ? 'none' : 'tinylfu')
      const byPolicy = r[p] ?? {}
      byPolicy[size] = hr
      r[p] = byPolicy
      row.push((hr * 100).toFixed(3))
      process.stderr.write(`  ${p} @ ${size}: ${(hr * 100).toFixed(2)}% (${Date.now() - ts} ms)\n`)
    }
    if (r.wtinylfu !== undefined && r.lru !== undefined && r.arc !== undefined) {
      const w = r.wtinylfu[size] as number
      const best = Math.max(r.lru[size] as number, r.arc[size] as number)
      row.push(`${((w - best) * 100).toFixed(2)}`)
    }
    rows.push(row)
  }
}

const full = LIMIT === Infinity
const columns = ['trace', 'cache size', ...POLICIES.map((p) => `${LABELS[p] ?? p} %`)]
if (POLICIES.includes('wtinylfu') && POLICIES.includes('lru') && POLICIES.includes('arc'))
  columns.push('W-TinyLFU - max(LRU, ARC), pts')
report({
  pkg: 'tiered-cache',
  scenario: full ? 'traces' : 'traces-quick',
  title: `Hit ratio on the ARC paper's traces at equal resident entries${full ? '' : ` (first ${LIMIT} requests)`}`,
  columns,
  rows,
  notes: [
    '"get; on a miss, load and offer" for every requested block. ARC: Megiddo and Modha, "ARC: A Self-Tuning,',
    "Low Overhead Replacement Cache\", USENIX FAST '03 (the traces' source; cite it). Paper figures at c = 32,768:",
    'P2 LRU 18.47 / ARC 27.38, P12 LRU 8.93 / ARC 15.94.',
    `Deterministic (no timing). Took ${((Date.now() - t0) / 1000).toFixed(0)} s; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}.`
  ],
  raw: results
})
if (full) writeFileSync(svgPath, svg(results))

/** Hit ratio vs cache size (log2 x axis), one line per policy, one panel per trace. */
function svg(res: typeof results): string {
  const names = Object.keys(res)
  const W = 420
  const H = 300
  const pad = { l: 50, r: 10, t: 30, b: 40 }
  const colors: Record<string, string> = { lru: '#888', arc: '#1f77b4', wtinylfu: '#d62728', none: '#2ca02c' }
  const xs = SIZES.map(Math.log2)
  const x0 = Math.min(...xs)
  const x1 = Math.max(...xs)
  const parts: string[] = []
  names.forEach((name, i) => {
    const r = res[name] as Record<string, Record<number, number>>
    const ymax = Math.ceil(Math.max(...Object.values(r).flatMap((m) => Object.values(m))) * 10) / 10
    const ox = i * W
    const px = (s: number): number =>
      ox + pad.l + ((Math.log2(s) - x0) / (x1 - x0 || 1)) * (W - pad.l - pad.r)
    const py = (v: number): number => pad.t + (1 - v / ymax) * (H - pad.t - pad.b)
    parts.push(`<text x="${ox + W / 2}" y="18" text-anchor="middle" font-weight="bold">${name}</text>`)
    parts.push(
      `<line x1="${px(SIZES[0] as number)}" y1="${py(0)}" x2="${px(SIZES.at(-1) as number)}" y2="${py(0)}" stroke="#000"/>`
    )
    parts.push(`<line x1="${ox + pad.l}" y1="${py(0)}" x2="${ox + pad.l}" y2="${py(ymax)}" stroke="#000"/>`)
    for (let k = 0; k <= 4; k++) {
      const v = (ymax * k) / 4
      parts.push(
        `<text x="${ox + pad.l - 4}" y="${py(v) + 4}" text-anchor="end" font-size="10">${(v * 100).toFixed(0)}%</text>`
      )
    }
    for (const s of SIZES) {
      parts.push(
        `<text x="${px(s)}" y="${H - pad.b + 14}" text-anchor="middle" font-size="10">${s >= 1024 ? `${s / 1024}k` : s}</text>`
      )
    }
    parts.push(
      `<text x="${ox + W / 2}" y="${H - 8}" text-anchor="middle" font-size="11">resident entries (log scale)</text>`
    )
    for (const p of POLICIES) {
      const m = r[p]
      if (m === undefined) continue
      const pts = SIZES.map((s) => `${px(s).toFixed(1)},${py(m[s] as number).toFixed(1)}`).join(' ')
      // 'none' is an exact LRU: dashed, so it shows on top of the LRU line.
      const dash = p === 'none' ? ' stroke-dasharray="6 5"' : ''
      parts.push(
        `<polyline fill="none" stroke="${colors[p] ?? '#000'}" stroke-width="2"${dash} points="${pts}"/>`
      )
    }
  })
  const legend = POLICIES.map(
    (p, j) =>
      `<rect x="${60 + j * 190}" y="${H + 6}" width="12" height="12" fill="${colors[p] ?? '#000'}"/>` +
      `<text x="${76 + j * 190}" y="${H + 16}" font-size="11">${LABELS[p] ?? p}</text>`
  ).join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W * names.length}" height="${H + 30}" font-family="sans-serif" font-size="12"><title>Hit ratio vs cache size on ${names.join(' and ')}, one line per policy</title><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}${legend}</svg>\n`
}
