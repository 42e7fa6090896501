import type { Socket } from 'node:net'
import type { ConversationState } from '@chatbot-pro/fsm'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import type { TokenSigner } from './auth.ts'
import { type ChatService, type ClientError, SHUTTING_DOWN, type Subscriber, type TurnSink } from './chat.ts'
import type { Config } from './config.ts'
import {
  type ClientFrame,
  errorFrame,
  isProblem,
  parseClientFrame,
  replyFrame,
  type ServerFrame
} from './protocol.ts'

/** WebSocket close codes the server uses. */
export const CloseCode = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  POLICY: 1008,
  TOO_BIG: 1009,
  UNAUTHORIZED: 4401
})

/**
 * One WebSocket connection speaking protocol v1. Message handling is attached synchronously by
 * the route (so nothing sent during async work is lost) and processed in order.
 */
export class Connection implements Subscriber, TurnSink {
  readonly socket: WebSocket
  uid: string | null = null
  readonly #svc: ChatService
  readonly #signer: TokenSigner
  readonly #config: Config
  readonly #log: FastifyBaseLogger
  readonly #open: Set<Connection>
  #chain: Promise<void> = Promise.resolve()
  #closed = false
  #stream = true
  #corked = false

  constructor(
    socket: WebSocket,
    svc: ChatService,
    signer: TokenSigner,
    config: Config,
    log: FastifyBaseLogger,
    open: Set<Connection>
  ) {
    this.socket = socket
    this.#svc = svc
    this.#signer = signer
    this.#config = config
    this.#log = log
    this.#open = open
    open.add(this)
  }

  /** Sends a frame, or closes a slow reader whose unsent data passed the bound. */
  send(frame: ServerFrame): void {
    if (this.#closed) return
    if (this.socket.bufferedAmount > this.#config.WS_MAX_BUFFERED_BYTES) {
      this.#log.warn({ uid: this.uid, buffered: this.socket.bufferedAmount }, 'closing a slow reader')
      // A close frame would queue behind the backlog it is meant to stop: drop the connection.
      this.socket.terminate()
      this.onClose()
      return
    }
    // Frames sent in one tick (a state change and a delta, the last delta and the reply) leave
    // in one write: cork the TCP socket until the tick ends. One syscall per frame was the
    // largest single cost of a turn in the load test's profile.
    const tcp = (this.socket as unknown as { _socket?: Socket })._socket
    if (!this.#corked && tcp !== undefined) {
      this.#corked = true
      tcp.cork()
      process.nextTick(this.#uncork, this, tcp)
    }
    this.socket.send(JSON.stringify(frame))
  }

  #uncork(self: Connection, tcp: Socket): void {
    self.#corked = false
    tcp.uncork()
  }

  /** Closes with a code, after the frames already queued. */
  close(code: number, reason: string): void {
    if (this.#closed) return
    this.socket.close(code, reason)
  }

  onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    // Frames are handled one after another: a `text` right after `hello` waits for the session.
    this.#chain = this.#chain
      .then(() => this.#handle(data, isBinary))
      .catch(
        /* c8 ignore start: defensive, no known path throws here */
        (err: unknown) => {
          this.#log.error({ err, uid: this.uid }, 'websocket message handler failed')
          this.#error(undefined, {
            code: 'INTERNAL',
            message: 'The server failed on this message: try again',
            statusCode: 500
          })
        }
        /* c8 ignore stop */
      )
  }

  async #handle(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Promise<void> {
    if (this.#closed) return
    if (isBinary) {
      this.#error(undefined, {
        code: 'BAD_MESSAGE',
        message: 'Binary frames are not supported: send JSON text',
        statusCode: 400
      })
      return
    }
    const raw = Array.isArray(data)
      ? Buffer.concat(data).toString()
      : Buffer.from(data as ArrayBuffer).toString()
    const frame = parseClientFrame(raw, this.#config.MAX_MESSAGE_CHARS)
    if (isProblem(frame)) {
      this.#error(frame.id, { code: frame.code, message: frame.message, statusCode: 400 })
      return
    }
    await this.#dispatch(frame)
  }

  async #dispatch(frame: ClientFrame): Promise<void> {
    if (frame.type === 'hello') {
      await this.#hello(frame.resume)
      // `stream: false`: clients that do not render streaming (bots, bridges) get only the reply,
      // half the frames (and syscalls) of a turn.
      if (frame.stream === false && this.uid !== null) this.#stream = false
      return
    }
    if (this.uid === null) {
      this.#error(frame.type === 'text' ? frame.id : undefined, {
        code: 'BAD_MESSAGE',
        message: 'Send a hello frame first',
        statusCode: 400
      })
      return
    }
    if (frame.type === 'bye') {
      this.#svc.bye(this.uid)
      return
    }
    // Not awaited: the connection keeps reading (a second text gets BUSY, a bye cancels).
    void this.#svc.turn(this.uid, frame.id, frame.text, this)
  }

  async #hello(resume: string | undefined): Promise<void> {
    if (this.uid !== null) {
      this.#error(undefined, {
        code: 'BAD_MESSAGE',
        message: 'This connection already has a session',
        statusCode: 400
      })
      return
    }
    if (this.#svc.closing) {
      this.#error(undefined, SHUTTING_DOWN)
      this.close(CloseCode.GOING_AWAY, 'shutting down')
      return
    }
    let uid: string
    let resumed = false
    let conv = undefined as Awaited<ReturnType<ChatService['open']>>
    if (resume !== undefined) {
      const claims = this.#signer.verify(resume)
      if (typeof claims === 'string') {
        this.#error(undefined, {
          code: 'UNAUTHORIZED',
          message: `The resume token is ${claims === 'expired' ? 'expired' : 'not valid'}: send hello without it for a new session`,
          statusCode: 401
        })
        this.close(CloseCode.UNAUTHORIZED, 'unauthorized')
        return
      }
      uid = claims.uid
      conv = await this.#svc.open(uid)
      resumed = conv !== undefined
    } else {
      uid = this.#signer.newUid()
    }
    if (this.#closed) return
    if (this.#svc.connections(uid) >= this.#config.MAX_CONNECTIONS_PER_USER) {
      this.#error(undefined, {
        code: 'TOO_MANY_CONNECTIONS',
        message: `This user already has ${this.#config.MAX_CONNECTIONS_PER_USER} open connections: close one first`,
        statusCode: 429
      })
      this.close(CloseCode.POLICY, 'too many connections')
      return
    }
    conv ??= this.#svc.create(uid)
    this.uid = uid
    this.#svc.subscribe(uid, this)
    this.send({
      v: 1,
      type: 'session',
      uid,
      token: this.#signer.sign(uid),
      state: conv.state,
      resumed,
      context: resumed ? this.#svc.turns(conv) : []
    })
  }

  #error(id: string | undefined, err: ClientError): void {
    this.send(errorFrame(id, err))
  }

  onClose(): void {
    if (this.#closed) return
    this.#closed = true
    this.#open.delete(this)
    if (this.uid !== null) this.#svc.unsubscribe(this.uid, this)
  }

  delta(id: string, text: string): void {
    if (this.#stream) this.send({ v: 1, type: 'delta', id, text })
  }

  reply(id: string, text: string, state: ConversationState, echo: boolean): void {
    this.send(replyFrame(id, text, state, echo))
  }

  error(id: string, err: ClientError): void {
    this.#error(id, err)
  }

  state(state: ConversationState, from: ConversationState, reason: string): void {
    this.send({ v: 1, type: 'state', state, from, reason })
  }

  ended(): void {
    this.close(CloseCode.NORMAL, 'conversation ended')
  }
}

/**
 * Registers `GET /v1/chat` (needs @fastify/websocket registered). Open connections are kept in
 * `open`, the app's own set (metrics, shutdown): one per app, not per process.
 */
export function chatRoute(
  app: FastifyInstance,
  svc: ChatService,
  signer: TokenSigner,
  config: Config,
  open: Set<Connection>
): void {
  app.get('/v1/chat', { websocket: true }, (socket, request) => {
    const conn = new Connection(socket, svc, signer, config, request.log, open)
    // Attached synchronously, before any await: frames sent meanwhile are not lost.
    socket.on('message', (data, isBinary) => conn.onMessage(data, isBinary))
    socket.on('close', () => conn.onClose())
    socket.on('error', (err) => request.log.debug({ err }, 'websocket error'))
  })
}
