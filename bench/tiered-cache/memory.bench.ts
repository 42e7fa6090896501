// Memory of 10k conversations x 20 turns: all in the process (a Map of conversation objects)
// against the tiered cache (Redis holds every conversation; the hot tier only the recently active
// ones). Each contender runs in its own child process, measured after a full GC.
import { fork } from 'node:child_process'
import { startRedis } from '@chatbot-pro/test-utils'
import { RedisStore, TieredCache } from '@chatbot-pro/tiered-cache'
import { Redis } from 'ioredis'
import { report } from '../lib/report.ts'

const CONVERSATIONS = 10_000
const TURNS = 20

interface Turn {
  role: 'user' | 'assistant'
  text: string
  at: number
}
function conversation(i: number): { id: string; state: string; turns: Turn[] } {
  const turns: Turn[] = []
  for (let t = 0; t < TURNS; t++) {
    turns.push({
      role: t % 2 ? 'assistant' : 'user',
      // Distinct strings (no sharing between conversations), ~60 / ~240 characters.
      text: `${i}:${t} ${t % 2 ? 'Sure, here is what I found about your order. '.repeat(5) : 'Where is my order? '.repeat(3)}`,
      at: 1_700_000_000_000 + t * 1000
    })
  }
  return { id: `u${i}`, state: 'CHATTING', turns }
}

function measure(): { heapMB: number; rssMB: number } {
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.()
  const m = process.memoryUsage()
  return { heapMB: m.heapUsed / 2 ** 20, rssMB: m.rss / 2 ** 20 }
}

async function child(mode: string, url: string, hot: number): Promise<void> {
  const base = measure()
  let keep: unknown
  if (mode === 'all') {
    const map = new Map<string, unknown>()
    for (let i = 0; i < CONVERSATIONS; i++) map.set(`u${i}`, conversation(i))
    keep = map
  } else {
    const store = new RedisStore({ client: url, prefix: `mem${hot}:`, keyspaceEvents: 'off' })
    const cache = new TieredCache({ store, hot: { maxSize: hot } })
    await cache.ready()
    for (let i = 0; i < CONVERSATIONS; i++) {
      cache.set(`u${i}`, conversation(i))
      if (i % 500 === 499) await cache.flush()
    }
    await cache.flush()
    keep = cache
  }
  const m = measure()
  process.send?.({ base, ...m, keep: keep !== undefined })
  process.exit(0)
}

if (process.argv[2] === 'child') {
  await child(process.argv[3] as string, process.argv[4] as string, Number(process.argv[5]))
} else {
  const server = await startRedis({ forcePrivate: true })
  const run = (
    mode: string,
    hot: number
  ): Promise<{ base: { heapMB: number; rssMB: number }; heapMB: number; rssMB: number }> =>
    new Promise((resolve, reject) => {
      const cp = fork(import.meta.filename, ['child', mode, server.url, String(hot)], {
        execArgv: ['--expose-gc', '--import', 'tsx']
      })
      cp.once('message', (m) => resolve(m as never))
      cp.once('error', reject)
    })
  const all = await run('all', 0)
  const rows: Array<Array<string | number>> = [
    [
      'all in memory (Map)',
      '10000',
      all.heapMB.toFixed(1),
      all.rssMB.toFixed(1),
      (all.rssMB - all.base.rssMB).toFixed(1),
      '-',
      '-'
    ]
  ]
  const raw: Record<string, unknown> = { all }
  const admin = new Redis(server.url)
  for (const hot of [1_000, 2_500]) {
    const r = await run('tiered', hot)
    raw[`tiered${hot}`] = r
    rows.push([
      `tiered, hot.maxSize ${hot}`,
      String(hot),
      r.heapMB.toFixed(1),
      r.rssMB.toFixed(1),
      (r.rssMB - r.base.rssMB).toFixed(1),
      `${((1 - r.heapMB / all.heapMB) * 100).toFixed(0)}%`,
      `${((1 - (r.rssMB - r.base.rssMB) / (all.rssMB - all.base.rssMB)) * 100).toFixed(0)}%`
    ])
  }
  const info = await admin.info('memory')
  const used = /used_memory:(\d+)/.exec(info)?.[1]
  await admin.quit()
  await server.close()
  report({
    pkg: 'tiered-cache',
    scenario: 'memory',
    title: `Memory: ${CONVERSATIONS} conversations x ${TURNS} turns, all in memory vs tiered`,
    columns: [
      'layout',
      'resident conversations',
      'heap used (MB)',
      'RSS (MB)',
      'RSS growth (MB)',
      'heap saved',
      'RSS growth saved'
    ],
    rows,
    notes: [
      'Node process only, after a full GC, each layout in its own child process (tiered includes ioredis).',
      'RSS growth: RSS at the end minus RSS when the child started (its ~100 MB of Node + tsx baseline excluded).',
      'Tiered: every conversation is written through the cache and flushed to Redis; the hot tier keeps the most',
      'recent `hot.maxSize` (the conversations active in the last 30 s, here 10% and 25%). Redis holds all of them',
      `out of process (its used_memory after both tiered runs: ${used ? (Number(used) / 2 ** 20).toFixed(1) : '?'} MB).`
    ],
    raw
  })
}
