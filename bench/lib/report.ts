import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'

/** One benchmark scenario's result table. */
export interface BenchTable {
  /** Package folder name, e.g. `ring-queue`. */
  pkg: string
  /** Scenario file stem, e.g. `in-thread`. */
  scenario: string
  /** Heading shown above the table. */
  title: string
  /** Column names; the first is usually the contender's name. */
  columns: string[]
  /** Rows of cells, already formatted for humans. */
  rows: Array<Array<string | number>>
  /** Free-form lines printed under the table (method, caveats). */
  notes?: string[]
  /** Raw numbers for the JSON file (medians, samples). */
  raw?: unknown
}

/** The machine a result was measured on, as one line. */
export function machine(): string {
  const c = cpus()
  return `${c.length} x ${c[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
}

/** Renders a table as GitHub Markdown. */
export function markdown(table: BenchTable): string {
  const lines = [`### ${table.title}`, '']
  lines.push(`| ${table.columns.join(' | ')} |`)
  lines.push(`|${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`)
  for (const row of table.rows) lines.push(`| ${row.join(' | ')} |`)
  lines.push('')
  for (const note of table.notes ?? []) lines.push(note)
  lines.push(`Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}.`)
  return `${lines.join('\n')}\n`
}

/** Prints the table and writes `bench/results/<pkg>/<scenario>.{md,json}`. */
export function report(table: BenchTable): void {
  const md = markdown(table)
  process.stdout.write(`\n${md}\n`)
  const dir = join(import.meta.dirname, '..', 'results', table.pkg)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${table.scenario}.md`), md)
  writeFileSync(
    join(dir, `${table.scenario}.json`),
    `${JSON.stringify({ ...table, machine: machine(), date: new Date().toISOString() }, null, 2)}\n`
  )
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/**
 * Runs `fn` (which performs `ops` operations) `rounds` times after `warmup` rounds and returns the
 * median rate in operations per second. Contenders should be interleaved by the caller (round-robin)
 * so a noisy neighbour hurts them all alike.
 */
export function rate(fn: () => void, ops: number, rounds = 7, warmup = 2): number {
  for (let i = 0; i < warmup; i++) fn()
  const samples: number[] = []
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint()
    fn()
    const ns = Number(process.hrtime.bigint() - t0)
    samples.push((ops * 1e9) / ns)
  }
  return median(samples)
}

/** Formats a rate like `12.3M/s`. */
export function fmtRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)}M/s`
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k/s`
  return `${perSecond.toFixed(0)}/s`
}

/** Formats a ratio like `1.25x`. */
export function fmtRatio(x: number): string {
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}x`
}
