import { ChatClientError, ClientErrorCode } from './errors.ts'
import type { WebSocketConstructor, WebSocketLike } from './options.ts'
import { type ClientFrame, parseServerFrame, type SessionFrame } from './protocol.ts'
import type { Transport, TransportHandler } from './transport.ts'

const OPEN = 1

/** The WebSocket endpoint of a server base URL (`http://h:p` -> `ws://h:p/v1/chat`). */
export function webSocketUrl(url: string): string {
  return /^wss?:/.test(url) ? url : `${url.replace(/^http/, 'ws')}/v1/chat`
}

/** Protocol v1 over one WebSocket at a time; a new `open()` is a new socket. */
export class WsTransport implements Transport {
  readonly #url: string
  readonly #Ctor: WebSocketConstructor
  readonly #noStream: boolean
  readonly #h: TransportHandler
  #ws: WebSocketLike | null = null

  constructor(url: string, Ctor: WebSocketConstructor, noStream: boolean, handler: TransportHandler) {
    this.#url = webSocketUrl(url)
    this.#Ctor = Ctor
    this.#noStream = noStream
    this.#h = handler
  }

  open(resume: string | undefined): Promise<SessionFrame> {
    return new Promise<SessionFrame>((resolve, reject) => {
      let ws: WebSocketLike
      try {
        ws = new this.#Ctor(this.#url)
      } catch (err) {
        reject(
          new ChatClientError(ClientErrorCode.CONNECTION_LOST, `Cannot open ${this.#url}`, { cause: err })
        )
        return
      }
      this.#ws = ws
      let session = false
      let refused: ChatClientError | null = null
      ws.onopen = () => {
        const hello: ClientFrame = { v: 1, type: 'hello' }
        if (resume !== undefined) hello.resume = resume
        if (this.#noStream) hello.stream = false
        ws.send(JSON.stringify(hello))
      }
      ws.onmessage = (event: { data: unknown }) => {
        const raw = typeof event.data === 'string' ? event.data : ''
        const frame = parseServerFrame(raw)
        if (frame === null) {
          this.#h.badFrame(raw)
          return
        }
        if (session) {
          this.#h.frame(frame)
        } else if (frame.type === 'session') {
          session = true
          resolve(frame)
        } else if (frame.type === 'error' && refused === null) {
          // UNAUTHORIZED, TOO_MANY_CONNECTIONS, SHUTTING_DOWN: the server closes next.
          refused = new ChatClientError(frame.code, frame.message, { retryAfterMs: frame.retryAfterMs })
          ws.close()
        }
      }
      ws.onerror = () => {
        // A close event always follows; it carries the code.
      }
      ws.onclose = (event: { code: number; reason: string }) => {
        const current = this.#ws === ws
        if (current) this.#ws = null
        if (!session) {
          reject(
            refused ??
              (current
                ? new ChatClientError(
                    ClientErrorCode.CONNECTION_LOST,
                    `The WebSocket closed before the session opened (code ${event.code}): is the server at ${this.#url}?`
                  )
                : new ChatClientError(ClientErrorCode.CLIENT_CLOSED, 'The client was closed'))
          )
          return
        }
        if (current) this.#h.dropped(event.code, event.reason)
      }
    })
  }

  #send(frame: ClientFrame): void {
    const ws = this.#ws
    if (ws !== null && ws.readyState === OPEN) ws.send(JSON.stringify(frame))
  }

  text(id: string, text: string): void {
    this.#send({ v: 1, type: 'text', id, text })
  }

  bye(): void {
    this.#send({ v: 1, type: 'bye' })
  }

  close(): void {
    const ws = this.#ws
    this.#ws = null
    ws?.close(1000, 'client closed')
  }
}
