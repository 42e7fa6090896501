/**
 * The end-to-end load test: `pnpm bench:e2e` (root) or `node --import tsx e2e/run.ts` (in bench/).
 * Starts each target server as its own process on 127.0.0.1, one after another, drives it with
 * several load generator processes (gen.ts), samples the server's /proc every 250 ms, and writes
 * results/<date>-<machine>[-variant].{json,md,svg}. See e2e/README.md for every flag.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { cpus, hostname, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type RedisServer, startRedis } from '@chatbot-pro/test-utils'
import * as hdr from 'hdr-histogram-js'
import { llmMs, READY, STATS } from './common.ts'
import type { GenConfig } from './gen.ts'
import { hardNoFile, sampleProc, TICKS_PER_S } from './proc.ts'
import { type IdleRow, idleTable, type LoadRow, loadTable, svgChart } from './report.ts'
import { scrapeMetrics } from './scrape.ts'

// `pnpm run e2e -- --flag` passes the `--` through: drop it.
const argv = process.argv.slice(2).filter((x, i) => !(i === 0 && x === '--'))
const { values: a } = parseArgs({
  args: argv,
  options: {
    conns: { type: 'string', default: '10000' },
    turns: { type: 'string', default: '20' },
    'think-ms': { type: 'string', default: '0' },
    'llm-latency': { type: 'string', default: '50' },
    'reply-tokens': { type: 'string', default: '20' },
    'tokens-per-s': { type: 'string', default: '200' },
    'stream-flush-ms': { type: 'string', default: '30' },
    'log-level': { type: 'string', default: 'info' },
    ramp: { type: 'string', default: '2000' },
    targets: { type: 'string' },
    generators: { type: 'string' },
    'duration-cap-s': { type: 'string', default: '240' },
    'turn-timeout-s': { type: 'string', default: '60' },
    'poll-ms': { type: 'string', default: '1000' },
    'queue-concurrency': { type: 'string' },
    idle: { type: 'boolean', default: false },
    'idle-settle-s': { type: 'string', default: '5' },
    overload: { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false }
  }
})

if (a.help) {
  process.stdout.write(
    `${(readFileSync(join(import.meta.dirname, 'README.md'), 'utf8').split('## Flags')[1] ?? '').split('\n## ')[0]}\n`
  )
  process.exit(0)
}

const num = (k: keyof typeof a): number => {
  const v = Number(a[k])
  if (!Number.isFinite(v) || v < 0) {
    process.stderr.write(`--${k} must be a non-negative number, got ${a[k]}\n`)
    process.exit(2)
  }
  return v
}
const conns = num('conns')
const turns = num('turns')
const llm = {
  latencyMs: num('llm-latency'),
  tokensPerS: num('tokens-per-s'),
  replyTokens: num('reply-tokens'),
  streamFlushMs: num('stream-flush-ms')
}
const logLevel = a['log-level'] as string
if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
  process.stderr.write(`--log-level must be a pino level, got ${logLevel}\n`)
  process.exit(2)
}
const LLM_MS = llmMs(llm)
const capMs = num('duration-cap-s') * 1000
const ALL = ['app', 'app-redis', 'ws-limit', 'polling'] as const
type Target = (typeof ALL)[number]
const targets = (a.targets ?? (a.idle ? 'app,app-redis,ws-limit' : a.overload ? 'app' : ALL.join(',')))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean) as Target[]
for (const t of targets) {
  if (!(ALL as readonly string[]).includes(t)) {
    process.stderr.write(`unknown target ${t}: expected ${ALL.join(', ')}\n`)
    process.exit(2)
  }
}
// The hard limit is 20,000 open files per process: keep each generator well under it.
const PER_GEN_MAX = 9000
const gens = a.generators ? Math.max(1, num('generators')) : Math.max(2, Math.ceil(conns / PER_GEN_MAX))
const queueConcurrency = a['queue-concurrency']
  ? num('queue-concurrency')
  : a.overload
    ? Math.max(1, Math.floor(conns / 2))
    : Math.max(1024, conns)
const BENCH = join(import.meta.dirname, '..')
const command = `pnpm bench:e2e ${argv.join(' ')}`.trim()

// --- open files ---------------------------------------------------------------------------------

const SH_PREFIX = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"'
const limits = hardNoFile()
const hard = Number(limits.split('hard ')[1])
if (Number.isFinite(hard) && hard < conns / gens + 1000) {
  process.stdout.write(
    `warning: the hard open-files limit (${hard}) is below ${Math.ceil(conns / gens) + 1000}: raise it (e.g. \`ulimit -Hn 65536\` as root, or LimitNOFILE= in systemd) or pass more --generators\n`
  )
}

/** Spawns `node --import tsx <script>` through sh, which first raises the soft open-files limit. */
/** Every child still running, killed if the orchestrator itself is interrupted. */
const children = new Set<ChildProcess>()

function spawnNode(script: string, env: NodeJS.ProcessEnv, ipc: boolean): ChildProcess {
  // E2E_TARGET_NODE_ARGS: extra node flags for the targets only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`.
  const extra = ipc ? [] : (process.env.E2E_TARGET_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const child = spawn('sh', ['-c', SH_PREFIX, process.execPath, ...extra, '--import', 'tsx', script], {
    cwd: BENCH,
    env: { ...process.env, ...env },
    stdio: ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit']
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

// --- targets ------------------------------------------------------------------------------------

interface Running {
  /** Set when the target exited before the orchestrator stopped it (e.g. killed from outside). */
  exitedEarly: string | null
  child: ChildProcess
  port: number
  heapPeak: number
  heapLast: number
  redis?: RedisServer
  stop(): Promise<void>
}

/**
 * Which server build a target loads: the mtime of the server's and plugins' dist entry files at
 * target start (the repository may be rebuilt by others between targets).
 */
function serverBuild(): string {
  const files = [
    '../apps/server/dist/app.js',
    '../packages/dedup/dist/index.js',
    '../packages/tiered-cache/dist/index.js'
  ]
  try {
    const newest = Math.max(...files.map((f) => statSync(join(BENCH, f)).mtimeMs))
    return `dist built ${new Date(newest).toISOString()}`
  } catch {
    return 'dist not found'
  }
}

async function startTarget(t: Target, c: number, qc: number): Promise<Running> {
  let redis: RedisServer | undefined
  if (t === 'app-redis' || t === 'polling') {
    redis = await startRedis({ args: ['--notify-keyspace-events', 'Ex'], forcePrivate: true })
  }
  const env: NodeJS.ProcessEnv = {
    LLM_LATENCY_MS: String(llm.latencyMs),
    LLM_TOKENS_PER_S: String(llm.tokensPerS),
    LLM_REPLY_TOKENS: String(llm.replyTokens),
    STREAM_FLUSH_MS: String(llm.streamFlushMs),
    // The app logs at the server's default level into a file, as a deployment would.
    LOG_LEVEL: logLevel,
    LOG_FILE: join(BENCH, 'results', 'tmp', `${t}.log`),
    NODE_ENV: 'production',
    CHATBOT_SECRET: 'e2e-load-test-secret-0123456789abcdef',
    QUEUE_CONCURRENCY: String(qc),
    QUEUE_CAPACITY: String(Math.max(16_384, c * 2)),
    USER_RATE_PER_MIN: '1000000',
    HOT_MAX_SESSIONS: String(Math.max(50_000, c * 2)),
    REDIS_URL: redis?.url ?? ''
  }
  if (!redis) delete env.REDIS_URL
  const script =
    t === 'app' || t === 'app-redis'
      ? 'e2e/targets/app.ts'
      : t === 'ws-limit'
        ? 'e2e/targets/bare-ws.ts'
        : 'e2e/targets/polling.ts'
  const child = spawnNode(script, env, false)
  let stopping = false
  const run: Running = {
    exitedEarly: null,
    child,
    port: 0,
    heapPeak: 0,
    heapLast: 0,
    ...(redis ? { redis } : {}),
    async stop() {
      stopping = true
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()))
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await exited
        clearTimeout(timer)
      }
      await redis?.close()
    }
  }
  child.once('exit', (code, signal) => {
    if (stopping) return
    run.exitedEarly ??= signal ?? `code ${code}`
    process.stdout.write(`  [${t}] the target process exited before the end of its run: ${run.exitedEarly}\n`)
  })
  let buf = ''
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${t} did not print READY within 60 s`)), 60_000)
    child.once('exit', (code) => reject(new Error(`${t} exited early with code ${code}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString()
      let nl = buf.indexOf('\n')
      while (nl >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line.startsWith(READY)) {
          clearTimeout(timer)
          resolve(Number(line.split(' ')[1]))
        } else if (line.startsWith(STATS)) {
          const s = JSON.parse(line.slice(STATS.length + 1)) as { heapUsed: number }
          run.heapLast = s.heapUsed
          run.heapPeak = Math.max(run.heapPeak, s.heapUsed)
        } else if (line.startsWith('SIGNAL ') && !stopping) {
          run.exitedEarly = `got ${line.slice(7)} from outside the orchestrator`
          process.stdout.write(`  [${t}] ${run.exitedEarly}: this run is not valid\n`)
        } else if (line.trim()) process.stdout.write(`  [${t}] ${line}\n`)
        nl = buf.indexOf('\n')
      }
    })
  })
  run.port = port
  return run
}

// --- generators ---------------------------------------------------------------------------------

interface GenDone {
  t: 'done'
  capped: boolean
  up: number
  failed: number
  turns: number
  errors: Record<string, number>
  hist: string
  cpuMs: number
  wallMs: number
}
interface Gen {
  child: ChildProcess
  progress: { up: number; turns: number; errors: number }
  ready: Promise<void>
  done: Promise<GenDone>
}

function startGens(kind: 'ws' | 'poll', port: number, total: number): Gen[] {
  const out: Gen[] = []
  for (let i = 0; i < gens; i++) {
    const share = Math.floor(total / gens) + (i < total % gens ? 1 : 0)
    const cfg: GenConfig = {
      index: i,
      kind,
      port,
      conns: share,
      turns,
      thinkMs: num('think-ms'),
      rampPerS: Math.max(1, num('ramp') / gens),
      idle: a.idle ?? false,
      turnTimeoutMs: num('turn-timeout-s') * 1000,
      pollMs: num('poll-ms')
    }
    const child = spawnNode('e2e/gen.ts', { GEN_CONFIG: JSON.stringify(cfg) }, true)
    const g = { child, progress: { up: 0, turns: 0, errors: 0 } } as Gen
    g.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (m: { t: string; up?: number; turns?: number; errors?: number }) => {
        if (m.t === 'progress') g.progress = { up: m.up ?? 0, turns: m.turns ?? 0, errors: m.errors ?? 0 }
        else if (m.t === 'ready') {
          g.progress.up = m.up ?? 0
          resolve()
        }
      })
      child.once('exit', (code) => reject(new Error(`generator ${i} exited with code ${code} before ready`)))
    })
    g.done = new Promise<GenDone>((resolve, reject) => {
      child.on('message', (m: GenDone) => {
        if (m.t === 'done') resolve(m)
      })
      child.once('exit', (code) => reject(new Error(`generator ${i} exited with code ${code} before done`)))
    })
    g.ready.catch(() => {})
    g.done.catch(() => {})
    out.push(g)
  }
  return out
}

function killGens(gs: Gen[]): void {
  for (const g of gs) if (g.child.exitCode === null) g.child.kill('SIGKILL')
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([p, sleep(ms).then(() => 'timeout' as const)])
}

// --- one load run -------------------------------------------------------------------------------

async function loadRun(t: Target, label: string, c: number, qc: number): Promise<LoadRow> {
  const deadline = Date.now() + capMs
  process.stdout.write(
    `\n== ${label}: ${c} conversations x ${turns} turns, load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`
  )
  const build = serverBuild()
  const target = await startTarget(t, c, qc)
  const pid = target.child.pid as number
  let rssPeakKB = 0
  const sampler = setInterval(() => {
    const s = sampleProc(pid)
    if (s) rssPeakKB = Math.max(rssPeakKB, s.rssKB, s.hwmKB)
  }, 250)
  const gs = startGens(t === 'polling' ? 'poll' : 'ws', target.port, c)
  let phase = 'connecting'
  let lastTurns = 0
  let lastAt = performance.now()
  const progress = setInterval(() => {
    const up = gs.reduce((s, g) => s + g.progress.up, 0)
    const done = gs.reduce((s, g) => s + g.progress.turns, 0)
    const errs = gs.reduce((s, g) => s + g.progress.errors, 0)
    const now = performance.now()
    const rate = ((done - lastTurns) * 1000) / (now - lastAt)
    lastTurns = done
    lastAt = now
    process.stdout.write(
      `  [${label}] ${phase}: up ${up}/${c}  turns ${done}/${c * turns}  rate ${Math.round(rate)}/s  errors ${errs}\n`
    )
  }, 1000)
  let capped = false
  try {
    const ready = await withTimeout(
      Promise.all(gs.map((g) => g.ready)),
      Math.max(1000, deadline - Date.now())
    )
    if (ready === 'timeout') capped = true
    const s0 = sampleProc(pid)
    const t0 = performance.now()
    phase = 'turns'
    for (const g of gs) g.child.send({ t: 'go' })
    let done = await withTimeout(Promise.all(gs.map((g) => g.done)), Math.max(1000, deadline - Date.now()))
    if (done === 'timeout') {
      capped = true
      for (const g of gs) if (g.child.connected) g.child.send({ t: 'stop' })
      done = await withTimeout(Promise.all(gs.map((g) => g.done)), 10_000)
      if (done === 'timeout') throw new Error(`${label}: generators did not report after the duration cap`)
    }
    // The last generator to report ends the measured window.
    const t1 = performance.now()
    const s1 = sampleProc(pid)
    const server = t === 'app' || t === 'app-redis' ? await scrapeMetrics(target.port) : undefined
    const windowMs = t1 - t0
    const h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3
    })
    const errors: Record<string, number> = {}
    let turnsDone = 0
    let up = 0
    let genCpuMs = 0
    for (const d of done) {
      h.add(hdr.decodeFromCompressedBase64(d.hist))
      turnsDone += d.turns
      up += d.up
      genCpuMs += d.cpuMs
      capped ||= d.capped
      for (const [k, v] of Object.entries(d.errors)) errors[k] = (errors[k] ?? 0) + v
    }
    if (target.exitedEarly) errors[`SERVER_STOPPED_FROM_OUTSIDE (${target.exitedEarly})`] = 1
    const ms = (q: number): number => h.getValueAtPercentile(q) / 1000
    const genWall = Math.max(...done.map((d) => d.wallMs))
    const row: LoadRow = {
      target: label,
      conns: c,
      up,
      turns: turnsDone,
      wallS: windowMs / 1000,
      turnsPerS: (turnsDone * 1000) / windowMs,
      p50: ms(50),
      p90: ms(90),
      p99: ms(99),
      p999: ms(99.9),
      max: h.maxValue / 1000,
      llmMs: LLM_MS,
      addedP99: ms(99) - LLM_MS,
      errors,
      rssPeakMB: rssPeakKB / 1024,
      heapPeakMB: target.heapPeak / 2 ** 20,
      serverCpuPct: s0 && s1 ? ((s1.ticks - s0.ticks) / TICKS_PER_S / (windowMs / 1000)) * 100 : Number.NaN,
      writesPerTurn: s0 && s1 && turnsDone > 0 ? (s1.syscw - s0.syscw) / turnsDone : Number.NaN,
      // Generator CPU over the generators' whole life (connect + turns), per their wall time, summed.
      genCpuPct: (genCpuMs / genWall) * 100,
      capped,
      build,
      ...(server ? { server } : {})
    }
    process.stdout.write(
      `  [${label}] done: ${turnsDone} turns in ${(windowMs / 1000).toFixed(1)} s = ${Math.round(row.turnsPerS)}/s, p99 ${row.p99.toFixed(1)} ms, errors ${JSON.stringify(errors)}\n`
    )
    return row
  } finally {
    clearInterval(progress)
    clearInterval(sampler)
    killGens(gs)
    await target.stop()
  }
}

// --- one idle run -------------------------------------------------------------------------------

async function idleRun(t: Target): Promise<IdleRow> {
  process.stdout.write(
    `\n== idle ${t}: ${conns} connections, load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`
  )
  const target = await startTarget(t, conns, Math.max(1024, conns))
  const pid = target.child.pid as number
  const settle = num('idle-settle-s') * 1000
  await sleep(Math.max(2000, settle))
  const before = sampleProc(pid)
  const heapBefore = target.heapLast
  const gs = startGens('ws', target.port, conns)
  const progress = setInterval(() => {
    const up = gs.reduce((s, g) => s + g.progress.up, 0)
    process.stdout.write(`  [idle ${t}] up ${up}/${conns}\n`)
  }, 1000)
  try {
    const ready = await withTimeout(Promise.all(gs.map((g) => g.ready)), capMs)
    if (ready === 'timeout') throw new Error(`idle ${t}: connections not up within the duration cap`)
    await sleep(Math.max(2000, settle))
    const after = sampleProc(pid)
    const heapAfter = target.heapLast
    const up = gs.reduce((s, g) => s + g.progress.up, 0)
    for (const g of gs) g.child.send({ t: 'exit' })
    const rssB = (before?.rssKB ?? 0) / 1024
    const rssA = (after?.rssKB ?? 0) / 1024
    const row: IdleRow = {
      target: t,
      conns,
      up,
      rssBeforeMB: rssB,
      rssAfterMB: rssA,
      perConnKB: up > 0 ? ((rssA - rssB) * 1024) / up : Number.NaN,
      heapBeforeMB: heapBefore / 2 ** 20,
      heapAfterMB: heapAfter / 2 ** 20,
      heapPerConnKB: up > 0 ? (heapAfter - heapBefore) / 1024 / up : Number.NaN,
      errors: up < conns ? { NOT_CONNECTED: conns - up } : {}
    }
    process.stdout.write(
      `  [idle ${t}] ${up} idle: RSS ${rssB.toFixed(0)} -> ${rssA.toFixed(0)} MB = ${row.perConnKB.toFixed(1)} KB each\n`
    )
    return row
  } finally {
    clearInterval(progress)
    await sleep(500)
    killGens(gs)
    await target.stop()
  }
}

// --- main ---------------------------------------------------------------------------------------

const c0 = cpus()
const machine = `${c0.length} x ${c0[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, host ${hostname()}`
const loadBefore = loadavg()
const startedAt = new Date()
process.stdout.write(
  `Chatbot Pro e2e load test — ${machine}\nopen files: ${limits} (children raise soft to hard); generators: ${gens}; load average: ${loadBefore.map((x) => x.toFixed(2)).join(' ')}\n`
)

const loadRows: LoadRow[] = []
const idleRows: IdleRow[] = []
const loads: Array<{ target: string; before: number[]; after: number[] }> = []
let failure: string | null = null
const onSignal = (): void => {
  process.stdout.write('\ninterrupted: stopping the target and generators\n')
  for (const c of children) c.kill('SIGKILL')
  process.exit(130) // the exit hook of @chatbot-pro/test-utils kills a private redis-server
}
process.once('SIGINT', onSignal)
process.once('SIGTERM', onSignal)

try {
  if (a.idle) {
    for (const t of targets) {
      if (t === 'polling') continue
      const before = loadavg()
      idleRows.push(await idleRun(t))
      loads.push({ target: t, before, after: loadavg() })
    }
  } else if (a.overload) {
    const before = loadavg()
    loadRows.push(
      await loadRun('app', `app ${queueConcurrency} conns (= capacity)`, queueConcurrency, queueConcurrency)
    )
    loadRows.push(
      await loadRun(
        'app',
        `app ${conns} conns (offered ${(conns / queueConcurrency).toFixed(1)}x)`,
        conns,
        queueConcurrency
      )
    )
    loads.push({ target: 'app', before, after: loadavg() })
  } else {
    for (const t of targets) {
      const before = loadavg()
      loadRows.push(await loadRun(t, t, conns, queueConcurrency))
      loads.push({ target: t, before, after: loadavg() })
    }
  }
} catch (err) {
  failure = (err as Error).stack ?? String(err)
  process.stderr.write(`\nrun failed: ${failure}\n`)
}

// --- report -------------------------------------------------------------------------------------

const find = (name: string): LoadRow | undefined => loadRows.find((r) => r.target === name)
const ratios: Record<string, number> = {}
for (const x of ['app', 'app-redis']) {
  const r = find(x)
  const lim = find('ws-limit')
  const base = find('polling')
  if (r && lim) ratios[`${x} / ws-limit (turns/s)`] = r.turnsPerS / lim.turnsPerS
  if (r && base) ratios[`${x} / polling (turns/s)`] = r.turnsPerS / base.turnsPerS
  if (r && lim) ratios[`${x} added p99 - ws-limit added p99 (ms)`] = r.addedP99 - lim.addedP99
}
if (a.overload && loadRows.length === 2) {
  const [cap, over] = loadRows as [LoadRow, LoadRow]
  // Goodput: turns answered per second at the offered overload, against the throughput at 1x.
  ratios['overload goodput / capacity (turns/s)'] = over.turnsPerS / cap.turnsPerS
  ratios['overload admitted p99 / unloaded p99'] = over.p99 / cap.p99
  const wait = over.server?.queueWaitP99Ms
  if (wait !== undefined) ratios['overload admitted queueing delay p99 (ms)'] = wait
}
const variant = a.out
  ? ''
  : [
      a.idle ? 'idle' : '',
      a.overload ? 'overload' : '',
      !a.idle && (conns !== 10_000 || turns !== 20) ? `c${conns}x${turns}` : '',
      !a.idle && llm.latencyMs !== 50 ? `llm${llm.latencyMs}` : '',
      !a.idle && llm.tokensPerS !== 200 ? `tps${llm.tokensPerS}` : '',
      !a.idle && llm.streamFlushMs !== 30 ? `flush${llm.streamFlushMs}` : '',
      logLevel !== 'info' ? `log${logLevel}` : ''
    ]
      .filter(Boolean)
      .join('-')
const host = hostname().replace(/[^\w.-]+/g, '_')
const stem =
  a.out ?? `${startedAt.toISOString().slice(0, 10)}-${host}-${c0.length}c${variant ? `-${variant}` : ''}`
const loadText = loads
  .map(
    (l) =>
      `${l.target}: ${l.before.map((x) => x.toFixed(2)).join('/')} -> ${l.after.map((x) => x.toFixed(2)).join('/')}`
  )
  .join('; ')
const md: string[] = [
  `## Chatbot Pro end-to-end load test — ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  '',
  `Command: \`${command}\``,
  '',
  `Machine: ${machine}. Load average (1/5/15 min) before -> after each target: ${loadText || loadBefore.map((x) => x.toFixed(2)).join('/')}. The 2 cores are shared with the load generators and with other work.`,
  ''
]
if (a.idle) {
  md.push(
    `Idle connections: ${conns} WebSocket conversations (hello + session, then nothing), over ${gens} generator processes.`,
    ''
  )
  md.push(idleTable(idleRows))
} else {
  md.push(
    `Workload: ${a.overload ? '' : `${conns} `}concurrent WebSocket conversations x ${turns} turns, think ${num('think-ms')} ms, simulated LLM ${llm.latencyMs} ms to first token + ${llm.replyTokens} tokens at ${llm.tokensPerS || 'one delta'}${llm.tokensPerS ? ' tokens/s' : ''} (LLM time ${LLM_MS} ms per reply), messages 30-200 chars (English and Chinese), ramp ${num('ramp')} conns/s, ${gens} generator processes, app QUEUE_CONCURRENCY ${queueConcurrency}, STREAM_FLUSH_MS ${llm.streamFlushMs}${llm.streamFlushMs === 0 ? ' (no coalescing)' : ''} (every target), app LOG_LEVEL ${logLevel} into a file.`,
    ''
  )
  md.push(loadTable(loadRows))
  if (Object.keys(ratios).length > 0) {
    md.push('', '| headline | value |', '|---|---:|')
    for (const [k, v] of Object.entries(ratios))
      md.push(`| ${k} | ${k.endsWith('(ms)') ? v.toFixed(1) : `${v.toFixed(2)}x`} |`)
  }
  for (const r of loadRows) {
    if (!r.server) continue
    const sv = r.server
    md.push(
      '',
      `${r.target}, from its own /metrics: mean LLM stream time ${sv.llmMeanMs?.toFixed(1)} ms (nominal ${LLM_MS} ms; the excess is event-loop/timer lag), mean server-side turn time ${sv.turnMeanMs?.toFixed(1)} ms, admitted turns' queueing delay p99 ${sv.queueWaitP99Ms?.toFixed(1)} ms, turns ok ${sv.turnsOk}, queue drops ${sv.queueDropped}.`
    )
  }
  md.push(
    '',
    'Latency is from sending a message to receiving its final `reply` (polling: to the poll that got it), HDR histogram; "added p99" = p99 - LLM time. Server CPU is % of one core over the turn phase; generator CPU is the sum over generator processes, % of one core over their life.'
  )
}
if (failure) md.push('', `**The run failed:** ${failure.split('\n')[0]}`)
const mdText = `${md.join('\n')}\n`
const json = {
  date: startedAt.toISOString(),
  command,
  machine,
  openFiles: limits,
  loadAverage: { before: loadBefore, after: loadavg(), perTarget: loads },
  params: {
    conns,
    turns,
    thinkMs: num('think-ms'),
    llm,
    llmMs: LLM_MS,
    ramp: num('ramp'),
    generators: gens,
    queueConcurrency,
    idle: a.idle,
    overload: a.overload
  },
  load: loadRows,
  idle: idleRows,
  ratios,
  failure
}
const dir = join(BENCH, 'results')
mkdirSync(dir, { recursive: true })
writeFileSync(join(dir, `${stem}.json`), `${JSON.stringify(json, null, 2)}\n`)
writeFileSync(join(dir, `${stem}.md`), mdText)
if (loadRows.length > 0) {
  writeFileSync(
    join(dir, `${stem}.svg`),
    svgChart(loadRows, `Chatbot Pro e2e: ${conns} conversations x ${turns} turns (${c0.length} cores)`)
  )
}
process.stdout.write(`\n${mdText}\nwrote results/${stem}.{json,md${loadRows.length > 0 ? ',svg' : ''}}\n`)
process.exit(failure ? 1 : 0)
