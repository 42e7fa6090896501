/**
 * Heap breakdown per idle conversation: `node --import tsx e2e/heap.ts [--conns 2000] [--targets app,ws-limit]`
 * (in bench/). Starts each target with `--heapsnapshot-signal`, takes a heap snapshot with no
 * connection and one with `--conns` idle conversations (hello + session), and prints the
 * difference per conversation, by constructor (self sizes; V8 collects garbage before a
 * snapshot). Writes results/<stem>.md (`--out`, default `heap-<date>`).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { READY } from './common.ts'

const { values: a } = parseArgs({
  args: process.argv.slice(2).filter((x, i) => !(i === 0 && x === '--')),
  options: {
    conns: { type: 'string', default: '2000' },
    targets: { type: 'string', default: 'app,ws-limit' },
    top: { type: 'string', default: '25' },
    out: { type: 'string' }
  }
})
const conns = Number(a.conns)
const BENCH = join(import.meta.dirname, '..')
const SCRIPTS: Record<string, string> = { app: 'e2e/targets/app.ts', 'ws-limit': 'e2e/targets/bare-ws.ts' }

type Sizes = Map<string, { count: number; bytes: number }>

/** Self size and count per node name (object constructors; other node types by type). */
function summarise(file: string): Sizes {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }
    nodes: number[]
    strings: string[]
  }
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const n = fields.length
  const iType = fields.indexOf('type')
  const iName = fields.indexOf('name')
  const iSize = fields.indexOf('self_size')
  const out: Sizes = new Map()
  for (let i = 0; i < snap.nodes.length; i += n) {
    const type = types[snap.nodes[i + iType] as number] as string
    const name =
      type === 'object' || type === 'native'
        ? (snap.strings[snap.nodes[i + iName] as number] as string)
        : `(${type})`
    const e = out.get(name) ?? { count: 0, bytes: 0 }
    e.count++
    e.bytes += snap.nodes[i + iSize] as number
    out.set(name, e)
  }
  return out
}

async function snapshot(child: ChildProcess, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir))
  child.kill('SIGUSR2')
  for (;;) {
    await new Promise((r) => setTimeout(r, 500))
    const files = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f))
    // The file is complete once its size stops changing.
    if (files.length > 0) {
      const f = join(dir, files[0] as string)
      let size = -1
      for (;;) {
        const now = statSync(f).size
        if (now === size && now > 0) return f
        size = now
        await new Promise((r) => setTimeout(r, 500))
      }
    }
  }
}

async function measure(target: string): Promise<{ rows: Array<[string, number, number]>; total: number }> {
  const child = spawn(
    process.execPath,
    ['--heapsnapshot-signal=SIGUSR2', '--import', 'tsx', SCRIPTS[target] as string],
    {
      cwd: BENCH,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        CHATBOT_SECRET: 'e2e-load-test-secret-0123456789abcdef',
        LOG_LEVEL: 'warn',
        HOT_MAX_SESSIONS: String(Math.max(50_000, conns * 2))
      },
      stdio: ['ignore', 'pipe', 'inherit']
    }
  )
  // Snapshots are written to the target's working directory (bench/) and removed at the end.
  const port = await new Promise<number>((resolve) => {
    let buf = ''
    child.stdout?.on('data', (c: Buffer) => {
      buf += c.toString()
      const m = new RegExp(`^${READY} (\\d+)$`, 'm').exec(buf)
      if (m) resolve(Number(m[1]))
    })
  })
  const first = summarise(await snapshot(child, BENCH))
  const sockets: WebSocket[] = []
  for (let i = 0; i < conns; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/chat`, { perMessageDeflate: false })
    sockets.push(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => ws.send('{"v":1,"type":"hello"}'))
      ws.once('message', () => resolve())
      ws.once('error', reject)
    })
  }
  await new Promise((r) => setTimeout(r, 1000))
  const second = summarise(await snapshot(child, BENCH))
  for (const s of sockets) s.terminate()
  child.kill('SIGKILL')
  for (const f of readdirSync(BENCH)) if (f.endsWith('.heapsnapshot')) rmSync(join(BENCH, f))
  const rows: Array<[string, number, number]> = []
  let total = 0
  for (const [name, e] of second) {
    const b = first.get(name) ?? { count: 0, bytes: 0 }
    const bytes = (e.bytes - b.bytes) / conns
    total += bytes
    rows.push([name, bytes, (e.count - b.count) / conns])
  }
  rows.sort((x, y) => y[1] - x[1])
  return { rows, total }
}

const md: string[] = [
  `## Heap per idle conversation (${conns} conversations)`,
  '',
  `Command: \`node --import tsx e2e/heap.ts --conns ${conns} --targets ${a.targets}\` (in bench/); load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(
      ' '
    )}. Self sizes from two heap snapshots (no connection, then ${conns} idle conversations), difference divided by ${conns}; compiled code and other one-time growth is spread over the conversations too.`,
  ''
]
for (const target of (a.targets as string).split(',')) {
  const { rows, total } = await measure(target)
  md.push(`### ${target}: ${Math.round(total).toLocaleString('en-US')} B per conversation`, '')
  md.push('| node | bytes per conversation | objects per conversation |', '|---|---:|---:|')
  for (const [name, bytes, count] of rows.slice(0, Number(a.top))) {
    md.push(`| ${name.replace(/\|/g, '\\|').slice(0, 60)} | ${bytes.toFixed(0)} | ${count.toFixed(2)} |`)
  }
  md.push('')
}
const stem = a.out ?? `heap-${new Date().toISOString().slice(0, 10)}`
writeFileSync(join(BENCH, 'results', `${stem}.md`), `${md.join('\n')}\n`)
process.stdout.write(`${md.join('\n')}\nwrote results/${stem}.md\n`)
process.exit(0)
