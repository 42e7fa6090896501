/**
 * One load generator process. The orchestrator (run.ts) spawns several, each with its share of the
 * conversations, and drives them over IPC:
 *   -> { t: 'progress', up, turns, errors }   every second
 *   -> { t: 'ready', up, failed }             every conversation is connected (or failed)
 *   <- { t: 'go' }                            start the turns (all generators at once)
 *   -> { t: 'done', ... }                     every conversation finished its turns (or the cap hit)
 *   <- { t: 'stop' }                          duration cap: report what was done and exit
 *   <- { t: 'exit' }                          idle run measured: close and exit
 * Latency (send -> final reply) goes into an HDR histogram in microseconds.
 */
import { Agent, request } from 'node:http'
import * as hdr from 'hdr-histogram-js'
import { WebSocket } from 'ws'
import { messagePool } from './common.ts'

/** What the orchestrator passes in GEN_CONFIG. */
export interface GenConfig {
  index: number
  kind: 'ws' | 'poll'
  port: number
  conns: number
  turns: number
  thinkMs: number
  rampPerS: number
  idle: boolean
  turnTimeoutMs: number
  pollMs: number
}

const cfg = JSON.parse(process.env.GEN_CONFIG as string) as GenConfig
const send = (msg: object): void => {
  process.send?.(msg)
}
const hist = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000,
  numberOfSignificantValueDigits: 3
})
const errors: Record<string, number> = {}
const pool = messagePool(0x9e3779b9 ^ (cfg.index * 7919 + 1))
let up = 0
let failed = 0
let turnsDone = 0
let finished = 0
let going = false
let reported = false
const cpu0 = process.cpuUsage()
const t0 = performance.now()

function err(code: string): void {
  errors[code] = (errors[code] ?? 0) + 1
}

interface Conv {
  n: number
  turn: number
  sentAt: number
  id: string
  done: boolean
  start(): void
  close(): void
}

function conversationDone(c: Conv): void {
  if (c.done) return
  c.done = true
  finished++
  if (finished === cfg.conns) report(false)
}

function nextTurn(c: Conv, begin: (c: Conv) => void, waitMs: number): void {
  if (c.turn >= cfg.turns) {
    conversationDone(c)
    return
  }
  const delay = waitMs + cfg.thinkMs
  if (delay > 0) setTimeout(() => begin(c), delay)
  else begin(c)
}

// --- WebSocket conversations -------------------------------------------------------------------

class WsConv implements Conv {
  n: number
  turn = 0
  sentAt = 0
  id = ''
  done = false
  ws: WebSocket | null = null
  connected = false

  constructor(n: number) {
    this.n = n
  }

  connect(onUp: () => void): void {
    const ws = new WebSocket(`ws://127.0.0.1:${cfg.port}/v1/chat`, { perMessageDeflate: false })
    this.ws = ws
    ws.on('open', () => ws.send('{"v":1,"type":"hello"}'))
    ws.on('message', (data: Buffer) => this.onFrame(data.toString(), onUp))
    ws.on('error', (e: Error & { code?: string }) => {
      if (!this.connected) {
        err(`CONNECT_${e.code ?? 'ERROR'}`)
        failed++
        this.connected = true // counted once
        onUp()
        this.done = true
        finished++
        if (going && finished === cfg.conns) report(false)
      }
    })
    ws.on('close', (code: number) => {
      if (reported || this.done) return
      err(`CLOSED_${code}`)
      conversationDone(this)
    })
  }

  onFrame(raw: string, onUp: () => void): void {
    // Deltas are most frames: skip them without parsing.
    if (raw.startsWith('{"v":1,"type":"delta"')) return
    const f = JSON.parse(raw) as { type: string; id?: string; code?: string; retryAfterMs?: number }
    if (f.type === 'session') {
      this.connected = true
      up++
      onUp()
    } else if (f.type === 'reply' && f.id === this.id) {
      hist.recordValue(Math.max(1, Math.round((performance.now() - this.sentAt) * 1000)))
      turnsDone++
      this.id = ''
      nextTurn(this, begin, 0)
    } else if (f.type === 'error') {
      err(f.code ?? 'ERROR')
      if (f.id !== undefined && f.id === this.id) {
        this.id = ''
        nextTurn(this, begin, Math.min(1000, f.retryAfterMs ?? 0))
      }
    }
  }

  start(): void {
    if (this.done) return
    const text = pool[(this.n * 31 + this.turn) % pool.length] as string
    this.turn++
    this.id = `m${this.turn}`
    this.sentAt = performance.now()
    this.ws?.send(JSON.stringify({ v: 1, type: 'text', id: this.id, text }))
  }

  close(): void {
    this.ws?.terminate()
  }
}

function begin(c: Conv): void {
  if (reported) return
  c.start()
}

// --- Polling conversations ---------------------------------------------------------------------

class PollConv implements Conv {
  n: number
  turn = 0
  sentAt = 0
  id = ''
  done = false
  readonly cid: string
  readonly agent = new Agent({ keepAlive: true, maxSockets: 1 })
  readonly history: Array<{ role: string; content: string }> = []

  constructor(n: number) {
    this.n = n
    this.cid = `g${cfg.index}c${n}`
  }

  http(method: string, path: string, body: string | null, cb: (status: number, body: string) => void): void {
    const req = request(
      {
        host: '127.0.0.1',
        port: cfg.port,
        method,
        path,
        agent: this.agent,
        headers:
          body === null
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => cb(res.statusCode ?? 0, Buffer.concat(chunks).toString()))
      }
    )
    req.on('error', (e: Error & { code?: string }) => {
      err(`HTTP_${e.code ?? 'ERROR'}`)
      cb(-1, '')
    })
    req.end(body ?? undefined)
  }

  /** Opens the keep-alive socket, like loading the page. */
  connect(onUp: () => void): void {
    this.http('GET', `/v1/poll/${this.cid}/replies/none`, null, (status) => {
      if (status === 204) up++
      else {
        failed++
        this.done = true
        finished++
      }
      onUp()
    })
  }

  start(): void {
    if (this.done) return
    const text = pool[(this.n * 31 + this.turn) % pool.length] as string
    this.turn++
    const id = `m${this.turn}`
    this.id = id
    this.sentAt = performance.now()
    const body = JSON.stringify({ id, text, history: this.history })
    this.http('POST', `/v1/poll/${this.cid}/messages`, body, (status) => {
      if (status !== 202) {
        if (status > 0) err(`HTTP_${status}`)
        nextTurn(this, begin, 1000)
        return
      }
      this.history.push({ role: 'user', content: text })
      setTimeout(() => this.poll(id), cfg.pollMs)
    })
  }

  poll(id: string): void {
    if (reported) return
    this.http('GET', `/v1/poll/${this.cid}/replies/${id}`, null, (status, body) => {
      if (status === 204) {
        setTimeout(() => this.poll(id), cfg.pollMs)
        return
      }
      if (status !== 200) {
        if (status > 0) err(`HTTP_${status}`)
        nextTurn(this, begin, 1000)
        return
      }
      hist.recordValue(Math.max(1, Math.round((performance.now() - this.sentAt) * 1000)))
      turnsDone++
      this.history.push({ role: 'assistant', content: (JSON.parse(body) as { text: string }).text })
      nextTurn(this, begin, 0)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}

// --- Driver ------------------------------------------------------------------------------------

const convs: Array<WsConv | PollConv> = []
let answered = 0

function onUp(): void {
  answered++
  if (answered === cfg.conns) send({ t: 'ready', up, failed })
}

function ramp(): void {
  const perTick = cfg.rampPerS / 100
  let owed = 0
  let n = 0
  const timer = setInterval(() => {
    owed += perTick
    while (owed >= 1 && n < cfg.conns) {
      owed--
      const c = cfg.kind === 'ws' ? new WsConv(n) : new PollConv(n)
      convs.push(c)
      c.connect(onUp)
      n++
    }
    if (n >= cfg.conns) clearInterval(timer)
  }, 10)
}

function report(capped: boolean): void {
  if (reported) return
  reported = true
  const cpu = process.cpuUsage(cpu0)
  const msg = {
    t: 'done',
    capped,
    up,
    failed,
    turns: turnsDone,
    errors,
    hist: hdr.encodeIntoCompressedBase64(hist),
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: performance.now() - t0,
    rssPeak: process.resourceUsage().maxRSS * 1024
  }
  process.send?.(msg, () => {
    for (const c of convs) c.close()
    setTimeout(() => process.exit(0), 200)
  })
}

const progress = setInterval(() => {
  const total = Object.values(errors).reduce((a, b) => a + b, 0)
  send({ t: 'progress', up, turns: turnsDone, errors: total })
}, 1000)
progress.unref()

const stuck = setInterval(() => {
  if (!going) return
  const now = performance.now()
  for (const c of convs) {
    if (!c.done && c.id !== '' && now - c.sentAt > cfg.turnTimeoutMs) {
      err('TURN_TIMEOUT')
      c.id = ''
      c.close()
      conversationDone(c)
    }
  }
}, 1000)
stuck.unref()

process.on('message', (m: { t: string }) => {
  if (m.t === 'go') {
    going = true
    if (cfg.conns === 0 || finished === cfg.conns) {
      report(false)
      return
    }
    // With think time, spread the first messages over one think time (uniformly) so the
    // conversations do not all send in lock-step; without it they all start at once.
    for (const c of convs) {
      if (c.done) continue
      if (cfg.thinkMs > 0) setTimeout(() => begin(c), Math.random() * cfg.thinkMs)
      else begin(c)
    }
  } else if (m.t === 'stop') {
    report(true)
  } else if (m.t === 'exit') {
    for (const c of convs) c.close()
    setTimeout(() => process.exit(0), 200)
  }
})
process.on('disconnect', () => process.exit(0))

if (cfg.conns === 0) send({ t: 'ready', up: 0, failed: 0 })
else ramp()
