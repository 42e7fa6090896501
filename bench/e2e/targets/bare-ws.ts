/**
 * Target 3, the transport limit: a bare `ws` server speaking just enough of protocol v1 to send
 * exactly the frames the app sends for the load test's conversations (session, the first
 * HELLO -> CHATTING state frame, the deltas and the final reply, same shapes and sizes), with the
 * same simulated LLM (SimulatedLlm, same timing), the same stream coalescing (the server's own
 * CoalescingSink at STREAM_FLUSH_MS) and the same per-tick TCP cork, and nothing else: no FSM,
 * queue, cache, echo guard, log sampling or metrics. Prints `READY <port>`, then a stats line
 * every second.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { Socket } from 'node:net'
import { CoalescingSink, FlushScheduler } from '@chatbot-pro/server/coalesce'
import { SimulatedLlm } from '@chatbot-pro/server/llm/simulated'
import { type WebSocket, WebSocketServer } from 'ws'
import { llmFromEnv, onStopSignal, printStats, READY } from '../common.ts'

const s = llmFromEnv()
const flush = new FlushScheduler(s.streamFlushMs)

function uncork(tcp: Socket): void {
  tcp.uncork()
}

/** Writes frames corked per tick (as the app does) and coalesces deltas (as the app does). */
class Sink extends CoalescingSink {
  readonly #socket: WebSocket
  #corked = false

  constructor(socket: WebSocket) {
    super(flush)
    this.#socket = socket
  }

  send(frame: object): void {
    this.write(JSON.stringify(frame))
  }

  write(data: string): void {
    const tcp = (this.#socket as unknown as { _socket?: Socket })._socket
    if (!this.#corked && tcp !== undefined) {
      this.#corked = true
      tcp.cork()
      process.nextTick(() => {
        this.#corked = false
        uncork(tcp)
      })
    }
    this.#socket.send(data)
  }

  protected writeDelta(id: string, text: string): void {
    this.send({ v: 1, type: 'delta', id, text })
  }
}
const llm = new SimulatedLlm({ latencyMs: s.latencyMs, tokensPerS: s.tokensPerS, replyTokens: s.replyTokens })
const key = randomBytes(32)
const server = createServer((_req, res) => {
  res.statusCode = 404
  res.end()
})
const wss = new WebSocketServer({ server, path: '/v1/chat', perMessageDeflate: false, maxPayload: 16384 })

wss.on('connection', (socket) => {
  let uid: string | null = null
  let chatting = false
  let busy = false
  const ac = new AbortController()
  socket.on('close', () => ac.abort())
  const sink = new Sink(socket)
  const send = (frame: object): void => sink.send(frame)
  socket.on('message', (data, isBinary) => {
    if (isBinary) return
    const f = JSON.parse(data.toString()) as { type: string; id?: string; text?: string }
    if (f.type === 'hello') {
      uid = randomUUID()
      const body = `v1.${uid}.${Math.floor(Date.now() / 1000) + 86_400}`
      const token = `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`
      send({ v: 1, type: 'session', uid, token, state: 'HELLO', resumed: false, context: [] })
      return
    }
    if (f.type !== 'text' || uid === null || typeof f.id !== 'string' || typeof f.text !== 'string') return
    if (busy) {
      send({ v: 1, type: 'error', code: 'BUSY', message: 'busy', id: f.id })
      return
    }
    if (!chatting) {
      chatting = true
      send({ v: 1, type: 'state', state: 'CHATTING', from: 'HELLO', reason: 'text' })
    }
    busy = true
    const id = f.id
    void (async () => {
      let out = ''
      try {
        for await (const delta of llm.stream([{ role: 'user', content: f.text as string }], ac.signal)) {
          out += delta
          sink.delta(id, delta)
        }
        sink.flushDeltas()
        send({ v: 1, type: 'reply', id, text: out, state: 'CHATTING' })
      } catch {
        // closed mid-reply
      } finally {
        busy = false
      }
    })()
  })
})

server.listen(0, '127.0.0.1', () => {
  const addr = server.address()
  process.stdout.write(`${READY} ${typeof addr === 'object' && addr !== null ? addr.port : 0}\n`)
  printStats()
})
const stop = (): void => {
  for (const c of wss.clients) c.terminate()
  wss.close()
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 2000).unref()
}
onStopSignal(stop)
