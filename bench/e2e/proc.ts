/** What the load test reads of a process from /proc: CPU ticks, memory, write syscalls, limits. */
import { readFileSync } from 'node:fs'

/** The open-files limits of this process, as `soft N, hard N`. */
export function hardNoFile(): string {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))
    const parts = line?.trim().split(/\s+/) ?? []
    return `soft ${parts[3]}, hard ${parts[4]}`
  } catch {
    return 'unknown'
  }
}

/** One reading of a process. */
export interface ProcSample {
  ticks: number
  rssKB: number
  hwmKB: number
  /** Write syscalls so far (write, writev, sendmsg...: /proc/<pid>/io `syscw`). */
  syscw: number
}

/** Reads CPU ticks, RSS, peak RSS and write syscalls of `pid`; `null` once it has exited. */
export function sampleProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(f[11]) + Number(f[12])
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
    const io = readFileSync(`/proc/${pid}/io`, 'utf8')
    const syscw = Number(/syscw:\s+(\d+)/.exec(io)?.[1] ?? Number.NaN)
    return { ticks, rssKB: kb('VmRSS'), hwmKB: kb('VmHWM'), syscw }
  } catch {
    return null
  }
}
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ). */
export const TICKS_PER_S = 100
