// Heap bytes per resident entry at 100k entries: the hot tier (what TieredCache keeps per clean
// entry: the HotEntry record, its Map slot and its slots in the per-slot arrays) against
// lru-cache and quick-lru holding the same keys. Each contender in its own child process, measured
// after a full GC; keys and the (shared) value are allocated before the baseline, so only the
// cache's own structures are counted.
import { fork } from 'node:child_process'
import { loadavg } from 'node:os'
import { HotEntry, HotTier, hashKey } from '@chatbot-pro/tiered-cache'
import { LRUCache } from 'lru-cache'
import QuickLRU from 'quick-lru'
import { report } from '../lib/report.ts'

const N = 100_000
const NAMES = ['lru-cache', 'quick-lru', "hot tier, admission 'none'", 'hot tier, W-TinyLFU'] as const

function heap(): number {
  for (let i = 0; i < 4; i++) (globalThis as { gc?: () => void }).gc?.()
  // Typed arrays (lru-cache's and ours) live outside the JS heap: count their buffers too.
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

function child(name: string): void {
  const keys = Array.from({ length: N }, (_, i) => `session:${i}`)
  const value = { state: 'CHATTING' }
  const base = heap()
  let keep: unknown
  if (name === 'lru-cache') {
    const c = new LRUCache<string, object>({ max: N })
    for (const k of keys) c.set(k, value)
    keep = c
  } else if (name === 'quick-lru') {
    const c = new QuickLRU<string, object>({ maxSize: N })
    for (const k of keys) c.set(k, value)
    keep = c
  } else {
    const c = new HotTier<object>({ maxSize: N, admission: name.includes('none') ? 'none' : 'tinylfu' })
    const far = Date.now() + 1_200_000
    for (const k of keys) c.insert(new HotEntry<object>(k, value, hashKey(k), far, Date.now()), true)
    keep = c
  }
  const used = heap() - base
  process.send?.({ bytes: used / N, keep: keep !== undefined, keys: keys.length })
  process.exit(0)
}

if (process.argv[2] === 'child') {
  child(process.argv[3] as string)
} else {
  const res: Record<string, number> = {}
  for (const name of NAMES) {
    res[name] = await new Promise<number>((resolve, reject) => {
      const cp = fork(import.meta.filename, ['child', name], { execArgv: ['--expose-gc', '--import', 'tsx'] })
      cp.once('message', (m) => resolve((m as { bytes: number }).bytes))
      cp.once('error', reject)
    })
  }
  const lru = res['lru-cache'] as number
  report({
    pkg: 'tiered-cache',
    scenario: 'entry-memory',
    title: `Memory (JS heap + array buffers) per resident entry at ${N.toLocaleString('en-US')} entries`,
    columns: ['structure', 'bytes per entry', 'vs lru-cache'],
    rows: NAMES.map((n) => [n, (res[n] as number).toFixed(0), `${((res[n] as number) / lru).toFixed(2)}x`]),
    notes: [
      'Keys (`session:<i>`) and one shared value object are allocated before the baseline: only the structures are counted.',
      'The hot tier includes what every clean entry of a TieredCache costs (HotEntry: key, value, hash, expiry, version,',
      'state, pin, payload slot, dirty time, slot index; plus the Map slot and the per-slot recency arrays); the',
      'W-TinyLFU row also counts the frequency sketch and doorkeeper sized for 100k entries.',
      `Deterministic apart from GC timing; load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}.`
    ],
    raw: res
  })
}
