import { ChatClientError, ClientErrorCode } from './errors.ts'
import { HttpTransport } from './http-transport.ts'
import { type ChatClientOptions, type NormalizedOptions, normalizeOptions } from './options.ts'
import type { ServerFrame, SessionFrame } from './protocol.ts'
import { Reply } from './reply.ts'
import type { Transport } from './transport.ts'
import { WsTransport } from './ws-transport.ts'

/** Where the client's connection stands. */
export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'ended' | 'closed'

/** A state change of the conversation (a server `state` frame, or learnt from a reply over HTTP). */
export interface StateChange {
  state: string
  from: string
  /** `text`, `bye`, `fsm.after` (idle timers), `expired`, `shutdown`; `reply` when learnt from a reply. */
  reason: string
}

/** A change of {@link ConnectionStatus}; `reconnecting` says the attempt, its delay and why. */
export interface StatusChange {
  status: ConnectionStatus
  /** Reconnect attempt (1 = the first retry). */
  attempt?: number
  /** Wait before that attempt, in ms. */
  delayMs?: number
  /** What failed. */
  error?: ChatClientError
}

/** A message refused with BUSY, OVERLOADED or RATE_LIMITED that will be sent again. */
export interface RetryInfo {
  id: string
  code: string
  /** Retry number of this message (1 = the first). */
  attempt: number
  /** Wait before it is sent again, in ms (the server's `retryAfterMs`, with jitter). */
  delayMs: number
}

/** Events of {@link ChatClient.on}. */
export interface ChatClientEvents {
  session: SessionFrame
  state: StateChange
  status: StatusChange
  retry: RetryInfo
  /** Problems not tied to a message: an error frame of the connection, a bad frame, reconnect failed. */
  error: ChatClientError
}

const RETRIED = new Set(['BUSY', 'OVERLOADED', 'RATE_LIMITED'])
// Failures of opening a session that a later attempt can cure.
const TRANSIENT = new Set([
  ClientErrorCode.CONNECTION_LOST,
  'SHUTTING_DOWN',
  'OVERLOADED',
  'STORAGE_BACKPRESSURE'
])

type Listeners = { [K in keyof ChatClientEvents]: Set<(value: ChatClientEvents[K]) => void> }

/**
 * A client of the Chatbot Pro protocol v1. `connect()` opens (or resumes) the session; `send()`
 * returns the reply as it streams. Messages go one at a time, in order (the server answers one
 * turn per conversation at a time); a dropped connection is reopened with exponential backoff and
 * jitter and the session resumed with its token; BUSY, OVERLOADED and RATE_LIMITED refusals are
 * sent again after their `retryAfterMs`, a bounded number of times.
 */
export class ChatClient {
  readonly #o: NormalizedOptions
  readonly #transport: Transport
  readonly #listeners: Listeners = {
    session: new Set(),
    state: new Set(),
    status: new Set(),
    retry: new Set(),
    error: new Set()
  }
  #status: ConnectionStatus = 'idle'
  #state: string | null = null
  #session: SessionFrame | null = null
  #token: string | undefined
  #connecting: Promise<SessionFrame> | null = null
  // Pending messages: a growing array read from #head, reset when drained (no Array.shift).
  #queue: Array<Reply | undefined> = []
  #head = 0
  #current: Reply | null = null
  #inFlight = false
  #attempts = 0
  #seq = 0
  #retryTimer: unknown = null
  // Reconnect waits in progress, by their wake function (close() wakes them to fail).
  readonly #sleeps = new Map<() => void, unknown>()
  #byeWaiters: Array<() => void> = []

  constructor(options: ChatClientOptions) {
    const o = normalizeOptions(options)
    this.#o = o
    this.#token = o.token ?? o.tokenStore?.get() ?? undefined
    const handler = {
      frame: (f: ServerFrame) => this.#frame(f),
      badFrame: (raw: string) =>
        this.#emit(
          'error',
          new ChatClientError(ClientErrorCode.BAD_FRAME, `Not a protocol v1 frame: ${raw.slice(0, 100)}`)
        ),
      failed: (id: string, err: ChatClientError) => this.#failed(id, err),
      dropped: (code: number) => this.#dropped(code)
    }
    if (o.transport === 'http') {
      const f = o.fetch ?? globalThis.fetch
      this.#transport = new HttpTransport(o.url, (input, init) => f(input, init), handler)
    } else {
      const Ctor = o.webSocket ?? (globalThis as { WebSocket?: NormalizedOptions['webSocket'] }).WebSocket
      if (Ctor === undefined) {
        throw new ChatClientError(
          ClientErrorCode.NO_WEBSOCKET,
          'No WebSocket here (Node < 22): pass the `ws` package as options.webSocket, or use transport: "http"'
        )
      }
      this.#transport = new WsTransport(o.url, Ctor, o.noStream, handler)
    }
  }

  /** The connection's status. */
  get status(): ConnectionStatus {
    return this.#status
  }

  /** The conversation's state (`HELLO`, `CHATTING`, `PAUSE`, `END`), `null` before the first session. */
  get state(): string | null {
    return this.#state
  }

  /** The last session frame (uid, token, state, resumed, context), `null` before the first. */
  get session(): SessionFrame | null {
    return this.#session
  }

  /** The resume token in use, if any. */
  get token(): string | undefined {
    return this.#token
  }

  /** Listens to an event; returns the function that stops listening. */
  on<K extends keyof ChatClientEvents>(type: K, listener: (value: ChatClientEvents[K]) => void): () => void {
    const set = this.#listeners[type]
    set.add(listener)
    return () => set.delete(listener)
  }

  #emit<K extends keyof ChatClientEvents>(type: K, value: ChatClientEvents[K]): void {
    for (const listener of this.#listeners[type]) listener(value)
  }

  #setStatus(status: ConnectionStatus, extra?: Omit<StatusChange, 'status'>): void {
    this.#status = status
    this.#emit('status', { status, ...extra })
  }

  /**
   * Opens the session: resumes the stored token's conversation, else starts one. Retries an
   * unreachable server with backoff; resolves with the session frame.
   */
  connect(): Promise<SessionFrame> {
    if (this.#status === 'closed') {
      return Promise.reject(new ChatClientError(ClientErrorCode.CLIENT_CLOSED, 'The client was closed'))
    }
    if (this.#status === 'open') return Promise.resolve(this.#session as SessionFrame)
    if (this.#connecting === null) {
      this.#setStatus('connecting')
      this.#connecting = this.#open().finally(() => {
        this.#connecting = null
      })
    }
    return this.#connecting
  }

  async #open(): Promise<SessionFrame> {
    let attempt = 0
    while (!this.#isClosed()) {
      try {
        const session = await this.#transport.open(this.#token)
        this.#opened(session)
        return session
      } catch (err) {
        const e =
          err instanceof ChatClientError
            ? err
            : new ChatClientError(
                ClientErrorCode.BAD_FRAME,
                `The server's session answer is not valid: ${err}`,
                {
                  cause: err
                }
              )
        if (this.#isClosed()) throw e
        if (e.code === 'UNAUTHORIZED' && this.#token !== undefined) {
          // A token from another secret or past its lifetime: a new session, at once.
          this.#setToken(undefined)
          continue
        }
        if (!TRANSIENT.has(e.code) || attempt >= this.#o.maxReconnects) {
          const failed = TRANSIENT.has(e.code)
            ? new ChatClientError(
                ClientErrorCode.RECONNECT_FAILED,
                `No session after ${attempt + 1} attempts: ${e.message}`,
                { cause: e }
              )
            : e
          this.#failAll(failed)
          this.#setStatus('idle', { error: failed })
          this.#emit('error', failed)
          throw failed
        }
        attempt++
        const cap = Math.min(this.#o.reconnectMaxMs, this.#o.reconnectBaseMs * 2 ** (attempt - 1))
        // "Equal jitter": half the window fixed, half random, so a restart is not met by every
        // client at once, nor hammered at 0 ms.
        const delayMs = Math.round(cap / 2 + (this.#o.random() * cap) / 2)
        this.#setStatus('reconnecting', { attempt, delayMs, error: e })
        await this.#sleep(delayMs)
      }
    }
    throw new ChatClientError(ClientErrorCode.CLIENT_CLOSED, 'The client was closed')
  }

  // A method, not an inline comparison: the status changes across awaits (close()).
  #isClosed(): boolean {
    return this.#status === 'closed'
  }

  #opened(session: SessionFrame): void {
    this.#session = session
    this.#state = session.state
    this.#setToken(session.token)
    this.#setStatus('open')
    this.#emit('session', session)
    // A message whose retry came due while disconnected goes now; else the next in line.
    if (this.#current !== null && !this.#inFlight && this.#retryTimer === null) this.#transmit()
    else this.#pump()
  }

  #setToken(token: string | undefined): void {
    this.#token = token
    if (token === undefined) this.#o.tokenStore?.delete()
    else this.#o.tokenStore?.set(token)
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.#o.timers.clearTimeout(this.#sleeps.get(wake))
        this.#sleeps.delete(wake)
        resolve()
      }
      this.#sleeps.set(wake, this.#o.timers.setTimeout(wake, ms))
    })
  }

  /**
   * Sends a message. The returned reply streams its deltas (`for await`) and settles `result`.
   * Messages wait their turn (one reply at a time) and, while reconnecting, the connection.
   */
  send(text: string): Reply {
    if (typeof text !== 'string' || text.trim() === '') {
      throw new TypeError(`send(text) needs a non-empty string, got ${JSON.stringify(text)}`)
    }
    const reply = new Reply(`m${(++this.#seq).toString(36)}`, text)
    if (this.#status === 'closed') {
      reply.fail(new ChatClientError(ClientErrorCode.CLIENT_CLOSED, 'The client was closed'))
    } else if (this.#status === 'idle' || this.#status === 'ended') {
      reply.fail(
        new ChatClientError(
          ClientErrorCode.NOT_CONNECTED,
          this.#status === 'ended'
            ? 'The conversation has ended: connect() again for a new one'
            : 'Not connected: call connect() first'
        )
      )
    } else {
      this.#queue.push(reply)
      this.#pump()
    }
    return reply
  }

  #pump(): void {
    if (this.#current !== null || this.#status !== 'open' || this.#head === this.#queue.length) return
    this.#current = this.#queue[this.#head] as Reply
    this.#queue[this.#head++] = undefined
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0
      this.#head = 0
    }
    this.#attempts = 0
    this.#transmit()
  }

  #transmit(): void {
    const reply = this.#current as Reply
    this.#inFlight = true
    this.#transport.text(reply.id, reply.text)
  }

  #settle(): void {
    this.#current = null
    this.#inFlight = false
    this.#pump()
  }

  #frame(f: ServerFrame): void {
    const current = this.#current
    switch (f.type) {
      case 'delta':
        if (current?.id === f.id && !this.#o.noStream) current.delta(f.text)
        return
      case 'reply':
        if (current?.id !== f.id) return
        this.#learnState(f.state)
        current.finish({ id: f.id, text: f.text, state: f.state, echo: f.echo === true })
        this.#settle()
        return
      case 'state':
        this.#state = f.state
        this.#emit('state', { state: f.state, from: f.from, reason: f.reason })
        if (f.state === 'END') this.#ended()
        return
      case 'error':
        this.#failed(f.id, new ChatClientError(f.code, f.message, { retryAfterMs: f.retryAfterMs }))
        return
      /* c8 ignore next 2: a second session frame is not sent on an open connection */
      default:
        return
    }
  }

  /** A message refused or failed: BUSY, OVERLOADED, RATE_LIMITED are sent again (bounded). */
  #failed(id: string | undefined, err: ChatClientError): void {
    const current = this.#current
    if (current === null || current.id !== id) {
      this.#emit('error', err)
      return
    }
    this.#inFlight = false
    const wait = err.code === 'BUSY' ? this.#o.busyRetryMs : err.retryAfterMs
    if (
      RETRIED.has(err.code) &&
      wait !== undefined &&
      wait <= this.#o.maxRetryWaitMs &&
      this.#attempts < this.#o.maxRetries
    ) {
      const attempt = ++this.#attempts
      // Up to 20% on top, so clients told the same time do not all come back at once.
      const delayMs = Math.ceil(wait * (1 + 0.2 * this.#o.random()))
      this.#emit('retry', { id: current.id, code: err.code, attempt, delayMs })
      this.#retryTimer = this.#o.timers.setTimeout(() => {
        this.#retryTimer = null
        if (this.#status === 'open') this.#transmit()
      }, delayMs)
      return
    }
    current.fail(err)
    this.#settle()
  }

  /** Over HTTP, the only news of the state is a reply's. */
  #learnState(state: string): void {
    const from = this.#state
    if (from === state) return
    this.#state = state
    this.#emit('state', { state, from: from as string, reason: 'reply' })
  }

  #dropped(code: number): void {
    if (this.#status !== 'open') return
    // 1000: the server ended the conversation (its END state frame may not have been read).
    if (code === 1000) {
      this.#ended()
      return
    }
    if (this.#current !== null && this.#inFlight) {
      const reply = this.#current
      this.#current = null
      this.#inFlight = false
      reply.fail(
        new ChatClientError(
          ClientErrorCode.CONNECTION_LOST,
          `The connection dropped (code ${code}) before the reply: send the message again`
        )
      )
    }
    this.#setStatus('reconnecting', { attempt: 0, delayMs: 0 })
    this.#connecting = this.#open().finally(() => {
      this.#connecting = null
    })
    this.#connecting.catch(() => {
      // Reported by #open as an error event and a status change.
    })
  }

  #ended(): void {
    this.#setStatus('ended')
    this.#failAll(
      new ChatClientError('SESSION_ENDED', 'The conversation ended: connect() again for a new one')
    )
    const waiters = this.#byeWaiters
    this.#byeWaiters = []
    for (const w of waiters) w()
  }

  #failAll(err: ChatClientError): void {
    if (this.#retryTimer !== null) {
      this.#o.timers.clearTimeout(this.#retryTimer)
      this.#retryTimer = null
    }
    const current = this.#current
    this.#current = null
    this.#inFlight = false
    current?.fail(err)
    const queue = this.#queue
    const head = this.#head
    this.#queue = []
    this.#head = 0
    for (let i = head; i < queue.length; i++) (queue[i] as Reply).fail(err)
  }

  /** Ends the conversation (a reply in progress is cancelled); resolves once it has ended. */
  bye(): Promise<void> {
    if (this.#status !== 'open') {
      return Promise.reject(
        new ChatClientError(
          ClientErrorCode.NOT_CONNECTED,
          `bye() needs an open session (status ${this.#status})`
        )
      )
    }
    try {
      this.#transport.bye()
    } catch (err) {
      return Promise.reject(err)
    }
    return new Promise<void>((resolve) => this.#byeWaiters.push(resolve))
  }

  /** Closes the connection for good: pending messages fail with CLIENT_CLOSED; the token is kept. */
  close(): void {
    if (this.#status === 'closed') return
    this.#failAll(new ChatClientError(ClientErrorCode.CLIENT_CLOSED, 'The client was closed'))
    this.#setStatus('closed')
    this.#transport.close()
    for (const wake of [...this.#sleeps.keys()]) wake()
    const waiters = this.#byeWaiters
    this.#byeWaiters = []
    for (const w of waiters) w()
  }
}
