import { ChatClientError, ClientErrorCode } from './errors.ts'
import { parseServerFrame, type SessionFrame, tokenUid, type WireTurn } from './protocol.ts'
import { SseParser } from './sse.ts'
import type { Transport, TransportHandler } from './transport.ts'

/** An HTTP error answer of the server, as a client error with the server's code. */
async function httpError(res: Response): Promise<ChatClientError> {
  let body: { code?: unknown; message?: unknown; retryAfterMs?: unknown } = {}
  try {
    body = (await res.json()) as typeof body
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  const code = typeof body.code === 'string' ? body.code : `HTTP_${res.status}`
  const message = typeof body.message === 'string' ? body.message : `HTTP ${res.status} ${res.statusText}`
  const retryAfterMs = typeof body.retryAfterMs === 'number' ? body.retryAfterMs : undefined
  return new ChatClientError(code, message, { retryAfterMs, statusCode: res.status })
}

const lost = (cause: unknown): ChatClientError =>
  new ChatClientError(ClientErrorCode.CONNECTION_LOST, 'The HTTP request failed: the server is unreachable', {
    cause
  })

/**
 * Protocol v1 over the HTTP API: `POST /v1/sessions`, `GET /v1/sessions/:uid` to resume, and one
 * `POST /v1/sessions/:uid/messages` per message, whose reply streams back as server-sent events.
 * There is no push channel: state changes are learnt from replies.
 */
export class HttpTransport implements Transport {
  readonly #base: string
  readonly #fetch: typeof fetch
  readonly #h: TransportHandler
  #uid = ''
  #auth = ''
  readonly #ac = new AbortController()

  constructor(base: string, fetchFn: typeof fetch, handler: TransportHandler) {
    this.#base = base
    this.#fetch = fetchFn
    this.#h = handler
  }

  async #request(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.#fetch(`${this.#base}${path}`, { ...init, signal: this.#ac.signal })
    } catch (err) {
      if (this.#ac.signal.aborted)
        throw new ChatClientError(ClientErrorCode.CLIENT_CLOSED, 'The client was closed')
      throw lost(err)
    }
  }

  async open(resume: string | undefined): Promise<SessionFrame> {
    const uid = resume === undefined ? null : tokenUid(resume)
    if (uid !== null) {
      const res = await this.#request(`/v1/sessions/${encodeURIComponent(uid)}`, {
        headers: { authorization: `Bearer ${resume}` }
      })
      if (res.ok) {
        const body = (await res.json()) as { state: string; context: WireTurn[] }
        this.#uid = uid
        this.#auth = `Bearer ${resume}`
        const token = resume as string
        return { v: 1, type: 'session', uid, token, state: body.state, resumed: true, context: body.context }
      }
      // 404: the conversation ended or expired: a new session below. 401/403 are the caller's.
      if (res.status !== 404) throw await httpError(res)
    }
    const res = await this.#request('/v1/sessions', { method: 'POST' })
    if (res.status !== 201) throw await httpError(res)
    const body = (await res.json()) as { uid: string; token: string; state: string }
    this.#uid = body.uid
    this.#auth = `Bearer ${body.token}`
    return {
      v: 1,
      type: 'session',
      uid: body.uid,
      token: body.token,
      state: body.state,
      resumed: false,
      context: []
    }
  }

  text(id: string, text: string): void {
    void this.#turn(id, text)
  }

  async #turn(id: string, text: string): Promise<void> {
    const h = this.#h
    const signal = this.#ac.signal
    let settled = false
    try {
      const res = await this.#request(`/v1/sessions/${encodeURIComponent(this.#uid)}/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: this.#auth,
          accept: 'text/event-stream'
        },
        body: JSON.stringify({ text, id })
      })
      if (!res.ok || res.body === null) {
        settled = true
        h.failed(id, await httpError(res))
        return
      }
      const parser = new SseParser((_event, data) => {
        const frame = parseServerFrame(data)
        if (frame === null) {
          h.badFrame(data)
          return
        }
        if (frame.type === 'reply' || frame.type === 'error') settled = true
        h.frame(frame)
      })
      const decoder = new TextDecoder()
      const reader = res.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        parser.push(decoder.decode(value, { stream: true }))
      }
      // An event cut off by the end of the stream is dropped, as the SSE standard says.
      parser.push(decoder.decode())
    } catch {
      // The request or the stream failed; said below unless the client was closed.
    }
    if (!settled && !signal.aborted) {
      h.failed(
        id,
        new ChatClientError(
          ClientErrorCode.CONNECTION_LOST,
          'The reply stream ended before the reply: send the message again'
        )
      )
    }
  }

  bye(): void {
    throw new ChatClientError(
      ClientErrorCode.UNSUPPORTED,
      'The HTTP API has no bye: the conversation ends by its idle timers; use the websocket transport to end it'
    )
  }

  close(): void {
    this.#ac.abort()
  }
}
