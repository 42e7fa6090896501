/** Version of the WebSocket protocol; every frame carries it as `v`. */
export const PROTOCOL_VERSION = 1

/** Frames a client sends. */
export type ClientFrame =
  | { v: 1; type: 'hello'; resume?: string; stream?: boolean }
  | { v: 1; type: 'text'; id: string; text: string }
  | { v: 1; type: 'bye' }

/** A turn of the context, as sent to clients. */
export interface WireTurn {
  role: 'user' | 'assistant'
  content: string
}

/** Frames the server sends. */
export type ServerFrame =
  | {
      v: 1
      type: 'session'
      uid: string
      token: string
      state: string
      resumed: boolean
      context: WireTurn[]
    }
  | { v: 1; type: 'delta'; id: string; text: string }
  | { v: 1; type: 'reply'; id: string; text: string; state: string; echo?: boolean }
  | { v: 1; type: 'state'; state: string; from: string; reason: string }
  | { v: 1; type: 'error'; code: string; message: string; id?: string; retryAfterMs?: number }
  /** Another node owns this user: reconnect to `url` (the connection then closes with 4307). */
  | { v: 1; type: 'redirect'; owner: string; url: string }

/** A client frame that could not be accepted: the error code and message to send back. */
export interface FrameProblem {
  code: 'BAD_MESSAGE' | 'MESSAGE_TOO_LONG'
  message: string
  id?: string
}

const ID = /^[\w.:-]{1,64}$/

/**
 * Parses and validates one client frame. Hand-written rather than a JSON-schema validator: it is
 * on the per-message path, the shapes are tiny, and the messages name the exact problem.
 */
export function parseClientFrame(raw: string, maxChars: number): ClientFrame | FrameProblem {
  let data: unknown
  try {
    data = JSON.parse(raw)
  } catch {
    return { code: 'BAD_MESSAGE', message: 'Frame is not valid JSON' }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { code: 'BAD_MESSAGE', message: 'Frame must be a JSON object' }
  }
  const f = data as Record<string, unknown>
  if (f.v !== PROTOCOL_VERSION) {
    return {
      code: 'BAD_MESSAGE',
      message: `Unsupported protocol version ${JSON.stringify(f.v)}: send "v": 1`
    }
  }
  switch (f.type) {
    case 'hello': {
      if (f.resume !== undefined && typeof f.resume !== 'string') {
        return { code: 'BAD_MESSAGE', message: '"resume" must be the token string from a session frame' }
      }
      if (f.stream !== undefined && typeof f.stream !== 'boolean') {
        return {
          code: 'BAD_MESSAGE',
          message: '"stream" must be true (delta frames, the default) or false (only the reply)'
        }
      }
      const hello: ClientFrame = { v: 1, type: 'hello' }
      if (f.resume !== undefined) hello.resume = f.resume
      if (f.stream === false) hello.stream = false
      return hello
    }
    case 'text': {
      if (typeof f.id !== 'string' || !ID.test(f.id)) {
        return { code: 'BAD_MESSAGE', message: '"id" must be a string of 1-64 letters, digits, _ . : -' }
      }
      if (typeof f.text !== 'string' || f.text.trim().length === 0) {
        return { code: 'BAD_MESSAGE', message: '"text" must be a non-empty string', id: f.id }
      }
      if (f.text.length > maxChars) {
        return {
          code: 'MESSAGE_TOO_LONG',
          message: `Message of ${f.text.length} characters is longer than the ${maxChars} allowed: split it`,
          id: f.id
        }
      }
      return { v: 1, type: 'text', id: f.id, text: f.text }
    }
    case 'bye':
      return { v: 1, type: 'bye' }
    default:
      return {
        code: 'BAD_MESSAGE',
        message: `Unknown frame type ${JSON.stringify(f.type)}: expected hello, text or bye`
      }
  }
}

/** `true` when `parseClientFrame` refused the frame. */
export function isProblem(x: ClientFrame | FrameProblem): x is FrameProblem {
  return 'code' in x
}

/** A `reply` frame; `echo` only when the echo guard acted. */
export function replyFrame(id: string, text: string, state: string, echo: boolean): ServerFrame {
  return echo ? { v: 1, type: 'reply', id, text, state, echo } : { v: 1, type: 'reply', id, text, state }
}

/**
 * A `delta` frame, serialised: the two per-turn frames are built as strings (only the text needs
 * escaping) instead of an object per frame and a generic JSON.stringify walk over it.
 */
export function deltaJson(id: string, text: string): string {
  return `{"v":1,"type":"delta","id":${JSON.stringify(id)},"text":${JSON.stringify(text)}}`
}

/** A `reply` frame, serialised: the same JSON as `JSON.stringify(replyFrame(...))`. */
export function replyJson(id: string, text: string, state: string, echo: boolean): string {
  return `{"v":1,"type":"reply","id":${JSON.stringify(id)},"text":${JSON.stringify(text)},"state":${JSON.stringify(state)}${echo ? ',"echo":true' : ''}}`
}

/** An `error` frame; `id` and `retryAfterMs` only when known. */
export function errorFrame(
  id: string | undefined,
  err: { code: string; message: string; retryAfterMs?: number | undefined }
): ServerFrame {
  const frame: ServerFrame = { v: 1, type: 'error', code: err.code, message: err.message }
  if (id !== undefined) frame.id = id
  if (err.retryAfterMs !== undefined) frame.retryAfterMs = err.retryAfterMs
  return frame
}
