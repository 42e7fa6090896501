/**
 * Codes of the errors the client raises itself. Errors the server sends keep the server's code
 * (`BUSY`, `OVERLOADED`, `RATE_LIMITED`, `SESSION_ENDED`, `LLM_TIMEOUT`, ...): see the server README.
 */
export const ClientErrorCode = Object.freeze({
  /** `close()` was called: the client does nothing more. */
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  /** The connection dropped while this reply was streaming; the turn was not answered. */
  CONNECTION_LOST: 'CONNECTION_LOST',
  /** The server could not be reached (or kept dropping us) for `maxReconnects` attempts. */
  RECONNECT_FAILED: 'RECONNECT_FAILED',
  /** No WebSocket constructor: Node < 22 needs `webSocket` (e.g. the `ws` package), or use HTTP. */
  NO_WEBSOCKET: 'NO_WEBSOCKET',
  /** The server sent something that is not a protocol v1 frame. */
  BAD_FRAME: 'BAD_FRAME',
  /** The operation does not exist on this transport (`bye` over HTTP). */
  UNSUPPORTED: 'UNSUPPORTED',
  /** `send()` or `bye()` before `connect()`, or after the conversation ended. */
  NOT_CONNECTED: 'NOT_CONNECTED'
})

/** Everything the client rejects with: a stable upper-snake `code` to switch on. */
export class ChatClientError extends Error {
  /** Stable code: one of {@link ClientErrorCode} or a server error code. */
  readonly code: string
  /** When the server said to retry (OVERLOADED, RATE_LIMITED, STORAGE_BACKPRESSURE), in ms. */
  readonly retryAfterMs: number | undefined
  /** HTTP status, for errors of the HTTP transport. */
  readonly statusCode: number | undefined

  constructor(
    code: string,
    message: string,
    extra: { retryAfterMs?: number | undefined; statusCode?: number | undefined; cause?: unknown } = {}
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause })
    this.name = 'ChatClientError'
    this.code = code
    this.retryAfterMs = extra.retryAfterMs
    this.statusCode = extra.statusCode
  }
}
