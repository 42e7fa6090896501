import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { ConversationState } from '@chatbot-pro/fsm'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import { handoverFrom, REDIRECT_CLOSE, redirectJson, redirectUrl, type ServerAffinity } from './affinity.ts'
import type { TokenSigner } from './auth.ts'
import { type ChatService, type ClientError, SHUTTING_DOWN, type Subscriber, type TurnSink } from './chat.ts'
import { CoalescingSink, type FlushScheduler } from './coalesce.ts'
import type { Config } from './config.ts'
import {
  type ClientFrame,
  deltaJson,
  errorFrame,
  isProblem,
  parseClientFrame,
  replyJson,
  type ServerFrame
} from './protocol.ts'

/** WebSocket close codes the server uses. */
export const CloseCode = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  POLICY: 1008,
  TOO_BIG: 1009,
  UNAUTHORIZED: 4401,
  /** After a `redirect` frame: reconnect to its `url` (the node that owns this uid). */
  REDIRECT: REDIRECT_CLOSE
})

/**
 * One WebSocket connection speaking protocol v1. Message handling is attached synchronously by
 * the route (so nothing sent during async work is lost) and processed in order.
 */
export class Connection extends CoalescingSink implements Subscriber, TurnSink {
  readonly socket: WebSocket
  uid: string | null = null
  /** Affinity: the node a handover redirect came from (`?from=`), else null. */
  from: string | null = null
  readonly #ctx: ConnectionContext
  #chain: Promise<void> | null = null
  /** Frames queued behind an asynchronous one (a `hello`): while > 0, frames wait their turn. */
  #queued = 0
  #closed = false
  #stream = true
  #corked = false

  constructor(socket: WebSocket, ctx: ConnectionContext) {
    super(ctx.flush)
    this.socket = socket
    this.#ctx = ctx
    ctx.open.add(this)
  }

  /** The app's logger. */
  get log(): FastifyBaseLogger {
    return this.#ctx.log
  }

  /** Sends a frame, or closes a slow reader whose unsent data passed the bound. */
  send(frame: ServerFrame): void {
    this.#write(JSON.stringify(frame))
  }

  #write(data: string): void {
    if (this.#closed) return
    if (this.socket.bufferedAmount > this.#ctx.config.WS_MAX_BUFFERED_BYTES) {
      this.#ctx.log.warn({ uid: this.uid, buffered: this.socket.bufferedAmount }, 'closing a slow reader')
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
    this.socket.send(data)
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

  /** Sends a `redirect` frame to the node that owns this user, then closes with 4307. */
  redirect(owner: string, url: string): void {
    this.#write(redirectJson(owner, url))
    this.close(CloseCode.REDIRECT, 'redirect')
  }

  onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    // Frames are handled one after another: a `text` right after `hello` waits for the session.
    // Only `hello` is asynchronous, so the common case (nothing pending) runs synchronously,
    // without a promise per frame.
    if (this.#queued === 0) {
      const pending = this.#handle(data, isBinary)
      if (pending !== undefined) this.#track(pending)
      return
    }
    this.#track((this.#chain as Promise<void>).then(() => this.#handle(data, isBinary)))
  }

  #track(pending: Promise<void>): void {
    this.#queued++
    const chain: Promise<void> = pending.then(
      (): void => this.#settled(chain),
      /* c8 ignore start: defensive, no known path throws here */
      (err: unknown): void => {
        this.#settled(chain)
        this.#ctx.log.error({ err, uid: this.uid }, 'websocket message handler failed')
        this.#error(undefined, {
          code: 'INTERNAL',
          message: 'The server failed on this message: try again',
          statusCode: 500
        })
      }
      /* c8 ignore stop */
    )
    this.#chain = chain
  }

  #settled(chain: Promise<void>): void {
    this.#queued--
    // The last queued frame is done: keep no promise for the life of an idle connection.
    if (this.#chain === chain) this.#chain = null
  }

  #handle(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Promise<void> | undefined {
    if (this.#closed) return
    if (isBinary) {
      this.#error(undefined, {
        code: 'BAD_MESSAGE',
        message: 'Binary frames are not supported: send JSON text',
        statusCode: 400
      })
      return
    }
    // ws hands text frames over as a Buffer (binaryType 'nodebuffer'): decode it in place.
    const raw = Buffer.isBuffer(data)
      ? data.toString()
      : Array.isArray(data)
        ? Buffer.concat(data).toString()
        : Buffer.from(data).toString()
    const frame = parseClientFrame(raw, this.#ctx.config.MAX_MESSAGE_CHARS)
    if (isProblem(frame)) {
      this.#error(frame.id, { code: frame.code, message: frame.message, statusCode: 400 })
      return
    }
    return this.#dispatch(frame)
  }

  #dispatch(frame: ClientFrame): Promise<void> | undefined {
    if (frame.type === 'hello') return this.#helloFrame(frame.resume, frame.stream)
    if (this.uid === null) {
      this.#error(frame.type === 'text' ? frame.id : undefined, {
        code: 'BAD_MESSAGE',
        message: 'Send a hello frame first',
        statusCode: 400
      })
      return
    }
    if (frame.type === 'bye') {
      this.#ctx.svc.bye(this.uid)
      return
    }
    // Not awaited: the connection keeps reading (a second text gets BUSY, a bye cancels).
    void this.#ctx.svc.turn(this.uid, frame.id, frame.text, this)
    return
  }

  async #helloFrame(resume: string | undefined, stream: boolean | undefined): Promise<void> {
    await this.#hello(resume)
    // `stream: false`: clients that do not render streaming (bots, bridges) get only the reply,
    // half the frames (and syscalls) of a turn.
    if (stream === false && this.uid !== null) this.#stream = false
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
    if (this.#ctx.svc.closing) {
      this.#error(undefined, SHUTTING_DOWN)
      this.close(CloseCode.GOING_AWAY, 'shutting down')
      return
    }
    let uid: string
    let resumed = false
    let conv = undefined as Awaited<ReturnType<ChatService['open']>>
    if (resume !== undefined) {
      const claims = this.#ctx.signer.verify(resume)
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
      const aff = this.#ctx.affinity
      if (aff !== undefined && !aff.affinity.owns(uid)) {
        const owner = await aff.ownerElsewhere(uid, this.from, 'ws')
        if (owner !== null) {
          this.redirect(owner, redirectUrl(owner, uid))
          return
        }
      }
      conv = await this.#ctx.svc.open(uid)
      resumed = conv !== undefined
    } else {
      uid = this.#ctx.affinity?.newUid() ?? this.#ctx.signer.newUid()
    }
    if (this.#closed) return
    if (this.#ctx.svc.connections(uid) >= this.#ctx.config.MAX_CONNECTIONS_PER_USER) {
      this.#error(undefined, {
        code: 'TOO_MANY_CONNECTIONS',
        message: `This user already has ${this.#ctx.config.MAX_CONNECTIONS_PER_USER} open connections: close one first`,
        statusCode: 429
      })
      this.close(CloseCode.POLICY, 'too many connections')
      return
    }
    conv ??= this.#ctx.svc.create(uid)
    this.uid = uid
    this.#ctx.svc.subscribe(uid, this)
    this.send({
      v: 1,
      type: 'session',
      uid,
      token: this.#ctx.signer.sign(uid),
      state: conv.state,
      resumed,
      context: resumed ? this.#ctx.svc.turns(conv) : []
    })
  }

  #error(id: string | undefined, err: ClientError): void {
    this.send(errorFrame(id, err))
  }

  onClose(): void {
    if (this.#closed) return
    this.#closed = true
    this.#ctx.open.delete(this)
    if (this.uid !== null) this.#ctx.svc.unsubscribe(this.uid, this)
  }

  override delta(id: string, text: string): void {
    if (this.#stream) super.delta(id, text)
  }

  protected writeDelta(id: string, text: string): void {
    this.#write(deltaJson(id, text))
  }

  reply(id: string, text: string, state: ConversationState, echo: boolean): void {
    // The last coalesced piece leaves with the reply, in the same corked write.
    this.flushDeltas()
    this.#write(replyJson(id, text, state, echo))
  }

  error(id: string, err: ClientError): void {
    this.flushDeltas()
    this.#error(id, err)
  }

  state(state: ConversationState, from: ConversationState, reason: string): void {
    this.send({ v: 1, type: 'state', state, from, reason })
  }

  ended(): void {
    this.close(CloseCode.NORMAL, 'conversation ended')
  }
}

/** What every connection of an app shares (one object, not six fields per connection). */
export interface ConnectionContext {
  svc: ChatService
  signer: TokenSigner
  config: Config
  log: FastifyBaseLogger
  /** The app's open connections (metrics, shutdown): one set per app, not per process. */
  open: Set<Connection>
  /** The app's delta coalescing timer (`STREAM_FLUSH_MS`). */
  flush: FlushScheduler
  /** User affinity (AFFINITY_SELF set): ownership checks on hello, uids minted owned here. */
  affinity?: ServerAffinity | undefined
}

type Carrier = WebSocket & { conn: Connection }
function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  ;(this as Carrier).conn.onMessage(data, isBinary)
}
function onClose(this: WebSocket): void {
  ;(this as Carrier).conn.onClose()
}
function onError(this: WebSocket, err: Error): void {
  const conn = (this as Carrier).conn
  conn.log.debug({ err, uid: conn.uid }, 'websocket error')
}

/**
 * Lets the upgrade's objects go once the connection is established. @fastify/websocket leaves the
 * upgrade's ServerResponse assigned to the TCP socket and adds an `error` listener that closes
 * over the request and reply, so Fastify's request, reply and child logger, the IncomingMessage
 * and the ServerResponse (~2.5 KB together) stayed reachable for the life of every connection,
 * though nothing uses them after the upgrade. The connection's own `error` listener replaces the
 * plugin's (which only routes the error to the route's errorHandler; this route has none).
 */
function releaseUpgrade(socket: WebSocket, raw: IncomingMessage): void {
  const tcp = raw.socket as Socket & { _httpMessage?: ServerResponse | null }
  const res = tcp._httpMessage
  if (res !== null && res !== undefined) res.detachSocket(tcp)
  socket.removeAllListeners('error')
}

/** Registers `GET /v1/chat` (needs @fastify/websocket registered). */
export function chatRoute(app: FastifyInstance, ctx: ConnectionContext): void {
  app.get('/v1/chat', { websocket: true }, (socket, request) => {
    releaseUpgrade(socket, request.raw)
    // The request and reply are not captured: nothing of the upgrade outlives it (memory per
    // idle connection). The listeners are shared functions reading the connection off the socket.
    const conn = new Connection(socket, ctx)
    ;(socket as Carrier).conn = conn
    if (ctx.affinity !== undefined) conn.from = handoverFrom(request.raw.url)
    // Attached synchronously, before any await: frames sent meanwhile are not lost.
    socket.on('message', onMessage)
    socket.on('close', onClose)
    socket.on('error', onError)
    // Upgraded after shutdown began (the clients were already told): refuse at once, so a
    // connection that never says hello cannot hold the server's close open.
    if (ctx.svc.closing) {
      conn.send(errorFrame(undefined, SHUTTING_DOWN))
      conn.close(CloseCode.GOING_AWAY, 'server shutting down')
    }
  })
}
