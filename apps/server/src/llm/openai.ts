import { setTimeout as sleep } from 'node:timers/promises'
import { createParser } from 'eventsource-parser'
import { type ChatMessage, LlmCallError, type LlmProvider } from './types.ts'

/** Options of {@link OpenAiLlm}. */
export interface OpenAiLlmOptions {
  /** Base URL including the version path, e.g. `https://api.openai.com/v1`. */
  baseUrl: string
  apiKey?: string | undefined
  model: string
  /** Whole-call timeout in ms. */
  timeoutMs: number
  /** Retries before the first token (429, 5xx, network errors). */
  retries: number
  /** Base backoff between retries, in ms (doubled each retry; a Retry-After header wins). Default 250. */
  backoffMs?: number
}

interface ChunkShape {
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>
}

function retryAfterMs(res: Response): number | undefined {
  const h = res.headers.get('retry-after')
  if (!h) return undefined
  const s = Number(h)
  if (Number.isFinite(s)) return Math.max(0, s * 1000)
  const at = Date.parse(h)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

/**
 * Any OpenAI-compatible `/chat/completions` server (OpenAI, vLLM, Ollama, llama.cpp) with
 * `stream: true`, over Node's built-in fetch and eventsource-parser. Retries only before the first
 * token: once text has reached the user, a retry would repeat or contradict it.
 */
export class OpenAiLlm implements LlmProvider {
  readonly name = 'openai'
  readonly #opts: OpenAiLlmOptions
  readonly #url: string

  constructor(opts: OpenAiLlmOptions) {
    this.#opts = opts
    this.#url = `${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`
  }

  async *stream(messages: readonly ChatMessage[], signal: AbortSignal): AsyncIterable<string> {
    const timeout = AbortSignal.timeout(this.#opts.timeoutMs)
    const both = AbortSignal.any([signal, timeout])
    // The caller's abort wins (cancellation); then our own timeout; anything else is the server's.
    const checkAbort = (err: unknown): void => {
      if (signal.aborted) throw signal.reason
      if (timeout.aborted) {
        throw new LlmCallError('LLM_TIMEOUT', `no complete reply within ${this.#opts.timeoutMs} ms`, {
          cause: err
        })
      }
    }
    let res: Response | undefined
    for (let attempt = 0; ; attempt++) {
      let retryable: LlmCallError
      try {
        res = await fetch(this.#url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'text/event-stream',
            ...(this.#opts.apiKey ? { authorization: `Bearer ${this.#opts.apiKey}` } : {})
          },
          body: JSON.stringify({ model: this.#opts.model, messages, stream: true }),
          signal: both
        })
      } catch (err) {
        checkAbort(err)
        retryable = new LlmCallError(
          'LLM_UNREACHABLE',
          `cannot reach ${this.#url}: ${(err as Error).message}`,
          {
            cause: err
          }
        )
        res = undefined
      }
      if (res?.ok) break
      if (res) {
        const text = await res.text().catch(() => '')
        const status = res.status
        const after = retryAfterMs(res)
        if (status === 429) {
          retryable = new LlmCallError('LLM_RATE_LIMITED', 'the model server is rate limiting', {
            status,
            ...(after === undefined ? {} : { retryAfterMs: after })
          })
        } else if (status >= 500) {
          retryable = new LlmCallError('LLM_UPSTREAM', `the model server answered ${status}`, { status })
        } else {
          throw new LlmCallError(
            'LLM_BAD_RESPONSE',
            `the model server answered ${status}: ${text.slice(0, 200)}`,
            {
              status
            }
          )
        }
      }
      const error = retryable!
      if (attempt >= this.#opts.retries) throw error
      const wait = error.retryAfterMs ?? (this.#opts.backoffMs ?? 250) * 2 ** attempt
      try {
        await sleep(Math.min(wait, 10_000), undefined, { signal: both })
      } catch (err) {
        checkAbort(err)
        throw err
      }
    }

    const queue: string[] = []
    let done = false
    let bad: LlmCallError | undefined
    const parser = createParser({
      onEvent(event) {
        if (event.data === '[DONE]') {
          done = true
          return
        }
        let chunk: ChunkShape
        try {
          chunk = JSON.parse(event.data) as ChunkShape
        } catch (err) {
          bad = new LlmCallError('LLM_BAD_RESPONSE', 'the model server sent a chunk that is not JSON', {
            cause: err
          })
          return
        }
        const choice = chunk.choices?.[0]
        const content = choice?.delta?.content
        if (content) queue.push(content)
        if (choice?.finish_reason) done = true
      }
    })
    const decoder = new TextDecoder()
    const body = res!.body
    /* c8 ignore next: fetch gives a 2xx response a body */
    if (!body) throw new LlmCallError('LLM_BAD_RESPONSE', 'the model server sent no body')
    try {
      for await (const bytes of body) {
        parser.feed(decoder.decode(bytes as Uint8Array, { stream: true }))
        if (bad) throw bad
        if (queue.length > 0) {
          yield queue.join('')
          queue.length = 0
        }
        if (done) return
      }
    } catch (err) {
      if (err instanceof LlmCallError) throw err
      checkAbort(err)
      throw new LlmCallError('LLM_STREAM_CUT', 'the model server closed the stream mid-reply', { cause: err })
    }
    if (!done)
      throw new LlmCallError(
        'LLM_STREAM_CUT',
        'the model server closed the stream before the end of the reply'
      )
  }
}
