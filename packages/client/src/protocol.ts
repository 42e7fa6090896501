/** Version of the protocol this client speaks; every frame carries it as `v`. */
export const PROTOCOL_VERSION = 1

/** A turn of the context, as the server sends it on resume. */
export interface WireTurn {
  role: 'user' | 'assistant'
  content: string
}

/** Frames the client sends. */
export type ClientFrame =
  | { v: 1; type: 'hello'; resume?: string; stream?: boolean }
  | { v: 1; type: 'text'; id: string; text: string }
  | { v: 1; type: 'bye' }

/** Answer to `hello`: the session, and the kept turns when resumed. */
export interface SessionFrame {
  v: 1
  type: 'session'
  uid: string
  token: string
  state: string
  resumed: boolean
  context: WireTurn[]
}

/** A piece of a reply (may hold several tokens: the server coalesces the stream). */
export interface DeltaFrame {
  v: 1
  type: 'delta'
  id: string
  text: string
}

/** The final reply: the deltas add up to `text`; `echo` when the server's echo guard acted. */
export interface ReplyFrame {
  v: 1
  type: 'reply'
  id: string
  text: string
  state: string
  echo?: boolean
}

/** A state change of the conversation. */
export interface StateFrame {
  v: 1
  type: 'state'
  state: string
  from: string
  reason: string
}

/** An error, of a turn (`id`) or of the connection. */
export interface ErrorFrame {
  v: 1
  type: 'error'
  code: string
  message: string
  id?: string
  retryAfterMs?: number
}

/** Frames the server sends. */
export type ServerFrame = SessionFrame | DeltaFrame | ReplyFrame | StateFrame | ErrorFrame

const str = (x: unknown): x is string => typeof x === 'string'

/**
 * Parses one server frame, checking the fields this client reads. `null` for anything else, so a
 * newer server's extra frame types are skipped rather than crash the client.
 */
export function parseServerFrame(raw: string): ServerFrame | null {
  let f: Record<string, unknown>
  try {
    f = JSON.parse(raw)
  } catch {
    return null
  }
  if (typeof f !== 'object' || f === null || f.v !== PROTOCOL_VERSION) return null
  switch (f.type) {
    case 'session':
      return str(f.uid) && str(f.token) && str(f.state) && Array.isArray(f.context)
        ? (f as unknown as SessionFrame)
        : null
    case 'delta':
      return str(f.id) && str(f.text) ? (f as unknown as DeltaFrame) : null
    case 'reply':
      return str(f.id) && str(f.text) && str(f.state) ? (f as unknown as ReplyFrame) : null
    case 'state':
      return str(f.state) && str(f.from) ? (f as unknown as StateFrame) : null
    case 'error':
      return str(f.code) && str(f.message) ? (f as unknown as ErrorFrame) : null
    default:
      return null
  }
}

/** The uid a session token names (`v1.<uid>.<exp>.<mac>`), or `null` for another shape. */
export function tokenUid(token: string): string | null {
  const parts = token.split('.')
  return parts.length === 4 && parts[0] === 'v1' && parts[1] !== '' ? (parts[1] as string) : null
}
