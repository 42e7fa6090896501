/** Result rows of the load test, rendered as Markdown and as a hand-written SVG chart. */

/** One target's measured figures. */
export interface LoadRow {
  target: string
  conns: number
  up: number
  turns: number
  wallS: number
  turnsPerS: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
  llmMs: number
  addedP99: number
  errors: Record<string, number>
  rssPeakMB: number
  heapPeakMB: number
  serverCpuPct: number
  /** Server write syscalls per turn over the turn phase (socket writes and log writes). */
  writesPerTurn?: number
  genCpuPct: number
  capped: boolean
  /** Which server build the target loaded (mtime of the dist files at start). */
  build?: string
  /** The app's own figures from /metrics (app targets only). */
  server?: Record<string, number>
}

/** One target's idle-connection figures. */
export interface IdleRow {
  target: string
  conns: number
  up: number
  rssBeforeMB: number
  rssAfterMB: number
  perConnKB: number
  heapBeforeMB: number
  heapAfterMB: number
  heapPerConnKB: number
  errors: Record<string, number>
}

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-')
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-')
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-')

export function errorsText(e: Record<string, number>): string {
  const keys = Object.keys(e)
  return keys.length === 0 ? '0' : keys.map((k) => `${k} ${e[k]}`).join(', ')
}

/** Server CPU per turn, in microseconds: cores busy over the window divided by turns per second. */
export function cpuPerTurnUs(r: LoadRow): number {
  return r.turnsPerS > 0 ? (r.serverCpuPct / 100 / r.turnsPerS) * 1e6 : Number.NaN
}

export function loadTable(rows: LoadRow[]): string {
  const head =
    '| target | conns up | turns | turns/s | p50 ms | p90 ms | p99 ms | p99.9 ms | LLM ms | added p99 ms | errors | server RSS peak MB | server heap peak MB | server CPU % | server CPU us/turn | server write syscalls/turn | generator CPU % |'
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|'
  const lines = [head, sep]
  for (const r of rows) {
    lines.push(
      `| ${r.target}${r.capped ? ' (capped)' : ''} | ${f0(r.up)} | ${f0(r.turns)} | ${f0(r.turnsPerS)} | ${f1(r.p50)} | ${f1(r.p90)} | ${f1(r.p99)} | ${f1(r.p999)} | ${f0(r.llmMs)} | ${f1(r.addedP99)} | ${errorsText(r.errors)} | ${f0(r.rssPeakMB)} | ${f0(r.heapPeakMB)} | ${f0(r.serverCpuPct)} | ${f0(cpuPerTurnUs(r))} | ${f2(r.writesPerTurn ?? Number.NaN)} | ${f0(r.genCpuPct)} |`
    )
  }
  return lines.join('\n')
}

export function idleTable(rows: IdleRow[]): string {
  const lines = [
    '| target | idle conversations | server RSS before MB | RSS after MB | RSS per conversation KB | heap before MB | heap after MB | heap per conversation KB | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|'
  ]
  for (const r of rows) {
    lines.push(
      `| ${r.target} | ${f0(r.up)} | ${f0(r.rssBeforeMB)} | ${f0(r.rssAfterMB)} | ${f1(r.perConnKB)} | ${f0(r.heapBeforeMB)} | ${f0(r.heapAfterMB)} | ${f1(r.heapPerConnKB)} | ${errorsText(r.errors)} |`
    )
  }
  return lines.join('\n')
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Two bar charts side by side: completed turns/s and p99 latency per target. */
export function svgChart(rows: LoadRow[], title: string): string {
  const W = 860
  const H = 340
  const panelW = 400
  const top = 60
  const chartH = 200
  const colors = ['#2563eb', '#7c3aed', '#059669', '#d97706', '#dc2626', '#0891b2']
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`
  ]
  const panel = (x0: number, label: string, values: number[], fmt: (n: number) => string): void => {
    const max = Math.max(1, ...values)
    const bw = Math.min(70, (panelW - 40) / Math.max(1, values.length) - 14)
    parts.push(
      `<text x="${x0 + panelW / 2}" y="${top - 14}" text-anchor="middle" font-weight="bold">${esc(label)}</text>`
    )
    parts.push(
      `<line x1="${x0 + 20}" y1="${top + chartH}" x2="${x0 + panelW - 10}" y2="${top + chartH}" stroke="#333"/>`
    )
    values.forEach((v, i) => {
      const h = (v / max) * chartH
      const x = x0 + 30 + i * (bw + 14)
      const y = top + chartH - h
      parts.push(
        `<rect x="${x}" y="${y.toFixed(1)}" width="${bw}" height="${h.toFixed(1)}" fill="${colors[i % colors.length]}"/>`
      )
      parts.push(
        `<text x="${x + bw / 2}" y="${(y - 4).toFixed(1)}" text-anchor="middle">${esc(fmt(v))}</text>`
      )
      const name = rows[i]?.target ?? ''
      parts.push(
        `<text x="${x + bw / 2}" y="${top + chartH + 16}" text-anchor="middle" font-size="11">${esc(name.length > 14 ? `${name.slice(0, 13)}…` : name)}</text>`
      )
    })
  }
  panel(
    10,
    'completed turns/s (higher is better)',
    rows.map((r) => r.turnsPerS),
    (n) => f0(n)
  )
  panel(
    450,
    'p99 turn latency, ms (lower is better)',
    rows.map((r) => r.p99),
    (n) => f0(n)
  )
  parts.push(
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle" font-size="11" fill="#555">${esc(`simulated LLM time per reply: ${rows[0]?.llmMs ?? 0} ms`)}</text>`
  )
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
