import { setTimeout as sleep } from 'node:timers/promises'
import { respond } from './responder.ts'
import type { ChatMessage, LlmProvider } from './types.ts'

/** Options of {@link SimulatedLlm}. */
export interface SimulatedLlmOptions {
  /** Time to the first token, in ms. */
  latencyMs: number
  /** Tokens per second after the first; 0 sends the whole reply as one delta. */
  tokensPerS: number
  /**
   * Tokens per reply, approximately: whole sentences are added while they bring the length
   * closer to it (a reply is at least one sentence, so very small values give about 10).
   */
  replyTokens: number
  /**
   * Share of replies (0..1) in which the model echoes the user's message before answering, as
   * real models sometimes do: the echo guard's work made visible. Default 0.
   */
  echoRate?: number
}

/**
 * A deterministic stand-in for an LLM: a small bilingual support-desk responder (order status,
 * delivery, returns, account, greetings; see `responder.ts`) that answers the user's last message
 * in its language (Chinese when it has CJK characters, else English), built from templates and
 * the message's order number, product and email, streamed with a configurable first-token latency
 * and token rate. The same message always gets the same reply; only `echoRate` depends on the
 * turn. The benchmark uses it to model an LLM of known timing.
 */
export class SimulatedLlm implements LlmProvider {
  readonly name = 'simulated'
  // timers/promises' sleep removes its abort listener when it resolves.
  readonly signalReusable = true
  readonly #opts: SimulatedLlmOptions
  readonly #echoRate: number
  #turn = 0

  constructor(opts: SimulatedLlmOptions) {
    const echoRate = opts.echoRate ?? 0
    if (!(echoRate >= 0 && echoRate <= 1)) {
      throw new RangeError(`echoRate must be a number from 0 to 1, got ${String(opts.echoRate)}`)
    }
    this.#opts = opts
    this.#echoRate = echoRate
  }

  /** The tokens of the reply to `text` (with `echo`, the reply that echoes it), without timing. */
  replyTokens(text: string, echo = false): string[] {
    return respond(text, this.#opts.replyTokens, echo)
  }

  /**
   * Whether this turn's reply echoes `text`: a hash of the text and of a per-instance turn
   * counter below `echoRate`, so a run is reproducible and the rate holds over many turns.
   */
  #echoes(text: string): boolean {
    if (this.#echoRate === 0) return false
    let h = Math.imul(++this.#turn, 0x9e3779b1)
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
    h ^= h >>> 16
    h = Math.imul(h, 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 16
    return (h >>> 0) / 4294967296 < this.#echoRate
  }

  async *stream(messages: readonly ChatMessage[], signal: AbortSignal): AsyncIterable<string> {
    let last = ''
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i] as ChatMessage
      if (m.role === 'user') {
        last = m.content
        break
      }
    }
    const tokens = respond(last, this.#opts.replyTokens, this.#echoes(last))
    const { latencyMs, tokensPerS } = this.#opts
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal })
    else signal.throwIfAborted()
    if (tokensPerS === 0) {
      yield tokens.join('')
      return
    }
    const start = performance.now()
    const perTokenMs = 1000 / tokensPerS
    let sent = 0
    while (sent < tokens.length) {
      // Emit every token whose time has come as one delta: timer granularity batches fast rates.
      const due = Math.min(tokens.length, Math.floor((performance.now() - start) / perTokenMs) + 1)
      if (due > sent) {
        // One token per delta is the usual case at real rates: yield the token string itself,
        // else concatenate the batch (no slice array per delta).
        let delta = tokens[sent] as string
        for (let i = sent + 1; i < due; i++) delta += tokens[i] as string
        yield delta
        sent = due
      }
      if (sent < tokens.length)
        await sleep(Math.max(1, start + sent * perTokenMs - performance.now()), undefined, { signal })
    }
  }
}
