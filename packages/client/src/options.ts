/** The subset of the WHATWG WebSocket the client uses (browsers, Node >= 22, and the `ws` package). */
export interface WebSocketLike {
  readonly readyState: number
  // Handlers take `never` so that every implementation's own event types fit (the client reads
  // `data` of message events and `code`/`reason` of close events).
  onopen: ((event: never) => void) | null
  onmessage: ((event: never) => void) | null
  onclose: ((event: never) => void) | null
  onerror: ((event: never) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}

/** A WebSocket constructor: `globalThis.WebSocket`, or `ws`'s default export. */
export type WebSocketConstructor = new (url: string) => WebSocketLike

/** Where the resume token is kept between page loads or process runs. */
export interface TokenStore {
  get(): string | null | undefined
  set(token: string): void
  delete(): void
}

/** Timer functions (inject fake ones in tests). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** Options of {@link ChatClient}. Every field is optional except `url`. */
export interface ChatClientOptions {
  /**
   * The server's base URL, `http(s)://host:port` (the WebSocket URL is derived: `ws(s)://…/v1/chat`).
   * A `ws:`/`wss:` URL is taken as the WebSocket endpoint itself.
   */
  url: string
  /** `'websocket'` (default) or `'http'` (POST + SSE, for environments without WebSocket). */
  transport?: 'websocket' | 'http'
  /** WebSocket constructor. Default: `globalThis.WebSocket` (browsers, Node >= 22). */
  webSocket?: WebSocketConstructor
  /** `fetch` for the HTTP transport. Default: `globalThis.fetch`. */
  fetch?: typeof fetch
  /** A resume token to start from (else the store's). */
  token?: string
  /** Keeps the resume token (e.g. over localStorage). Default: in memory only. */
  tokenStore?: TokenStore
  /** `false`: no delta frames, the reply arrives whole (one delta). Default `true`. */
  noStream?: boolean
  /** First reconnect delay, in ms (doubled per attempt, with jitter). Default 250. */
  reconnectBaseMs?: number
  /** Largest reconnect delay, in ms. Default 10 000. */
  reconnectMaxMs?: number
  /** Connection attempts in a row before `RECONNECT_FAILED`. Default 20. */
  maxReconnects?: number
  /** Retries of one message refused with BUSY, OVERLOADED or RATE_LIMITED. Default 3. */
  maxRetries?: number
  /** A refusal asking to wait longer than this (ms) is surfaced at once, not retried. Default 60 000. */
  maxRetryWaitMs?: number
  /** Wait before retrying a BUSY refusal (which has no `retryAfterMs`), in ms. Default 500. */
  busyRetryMs?: number
  /** Timer functions. Default: the global ones. */
  timers?: Timers
  /** Random source in [0, 1) for jitter. Default `Math.random`. */
  random?: () => number
}

/** The options after {@link normalizeOptions}: every field set. */
export interface NormalizedOptions {
  readonly url: string
  readonly transport: 'websocket' | 'http'
  readonly webSocket: WebSocketConstructor | undefined
  readonly fetch: typeof fetch | undefined
  readonly token: string | undefined
  readonly tokenStore: TokenStore | undefined
  readonly noStream: boolean
  readonly reconnectBaseMs: number
  readonly reconnectMaxMs: number
  readonly maxReconnects: number
  readonly maxRetries: number
  readonly maxRetryWaitMs: number
  readonly busyRetryMs: number
  readonly timers: Timers
  readonly random: () => number
}

/** Defaults of the numeric options. */
export const DEFAULTS = Object.freeze({
  reconnectBaseMs: 250,
  reconnectMaxMs: 10_000,
  maxReconnects: 20,
  maxRetries: 3,
  maxRetryWaitMs: 60_000,
  busyRetryMs: 500
})

const globalTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0])
}

function count(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`Option ${name} must be a number, got ${String(value)}`)
  }
  if (value < min || (!Number.isInteger(value) && value !== Number.POSITIVE_INFINITY)) {
    throw new RangeError(`Option ${name} must be an integer >= ${min}, got ${value}`)
  }
  return value
}

function fn<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`Option ${name} must be a function, got ${typeof value}`)
  }
  return value
}

/** Checks and completes the options once, into a new frozen object. */
export function normalizeOptions(opts: ChatClientOptions): NormalizedOptions {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('Options must be an object with a url')
  if (typeof opts.url !== 'string' || !/^(https?|wss?):\/\//.test(opts.url)) {
    throw new TypeError(`Option url must be an http(s):// or ws(s):// URL, got ${String(opts.url)}`)
  }
  const transport = opts.transport ?? 'websocket'
  if (transport !== 'websocket' && transport !== 'http') {
    throw new TypeError(`Option transport must be 'websocket' or 'http', got ${String(transport)}`)
  }
  if (transport === 'http' && /^wss?:/.test(opts.url)) {
    throw new TypeError(`Option url must be http(s):// for the http transport, got ${opts.url}`)
  }
  if (opts.token !== undefined && typeof opts.token !== 'string') {
    throw new TypeError(`Option token must be a string, got ${typeof opts.token}`)
  }
  const store = opts.tokenStore
  if (
    store !== undefined &&
    (typeof store?.get !== 'function' ||
      typeof store.set !== 'function' ||
      typeof store.delete !== 'function')
  ) {
    throw new TypeError('Option tokenStore must have get(), set(token) and delete()')
  }
  const timers = opts.timers ?? globalTimers
  if (typeof timers.setTimeout !== 'function' || typeof timers.clearTimeout !== 'function') {
    throw new TypeError('Option timers must have setTimeout(fn, ms) and clearTimeout(handle)')
  }
  const reconnectBaseMs = count('reconnectBaseMs', opts.reconnectBaseMs, DEFAULTS.reconnectBaseMs, 0)
  const reconnectMaxMs = count('reconnectMaxMs', opts.reconnectMaxMs, DEFAULTS.reconnectMaxMs, 0)
  if (reconnectMaxMs < reconnectBaseMs) {
    throw new RangeError(
      `Option reconnectMaxMs (${reconnectMaxMs}) must be >= reconnectBaseMs (${reconnectBaseMs})`
    )
  }
  return Object.freeze({
    url: opts.url.replace(/\/+$/, ''),
    transport,
    webSocket: fn('webSocket', opts.webSocket),
    fetch: fn('fetch', opts.fetch),
    token: opts.token,
    tokenStore: store,
    noStream: opts.noStream === true,
    reconnectBaseMs,
    reconnectMaxMs,
    maxReconnects: count('maxReconnects', opts.maxReconnects, DEFAULTS.maxReconnects, 0),
    maxRetries: count('maxRetries', opts.maxRetries, DEFAULTS.maxRetries, 0),
    maxRetryWaitMs: count('maxRetryWaitMs', opts.maxRetryWaitMs, DEFAULTS.maxRetryWaitMs, 0),
    busyRetryMs: count('busyRetryMs', opts.busyRetryMs, DEFAULTS.busyRetryMs, 0),
    timers,
    random: fn('random', opts.random) ?? Math.random
  })
}
