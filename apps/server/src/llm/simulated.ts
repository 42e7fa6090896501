import { setTimeout as sleep } from 'node:timers/promises'
import type { ChatMessage, LlmProvider } from './types.ts'

/** Options of {@link SimulatedLlm}. */
export interface SimulatedLlmOptions {
  /** Time to the first token, in ms. */
  latencyMs: number
  /** Tokens per second after the first; 0 sends the whole reply as one delta. */
  tokensPerS: number
  /** Tokens per reply. */
  replyTokens: number
}

const EN = (
  'sure here is what I can tell you about that the short answer depends on a few things first ' +
  'check the settings then try again and let me know how it goes I would also suggest looking at ' +
  'the guide because it covers most cases in detail with examples'
).split(' ')
const ZH =
  '好的关于这个问题我可以告诉你简短的回答取决于几个因素首先检查设置然后再试一次如果还有问题请告诉我'.split('')
const CJK = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/

/** FNV-1a over UTF-16 code units: a cheap deterministic seed from the user's text. */
function seedOf(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * A deterministic stand-in for an LLM: the reply is built from a fixed vocabulary picked by a hash
 * of the user's last message (so it answers in the user's script but never repeats the user's
 * text), streamed with a configurable first-token latency and token rate. The benchmark uses it to
 * model an LLM of known timing.
 */
export class SimulatedLlm implements LlmProvider {
  readonly name = 'simulated'
  // timers/promises' sleep removes its abort listener when it resolves.
  readonly signalReusable = true
  readonly #opts: SimulatedLlmOptions

  constructor(opts: SimulatedLlmOptions) {
    this.#opts = opts
  }

  /** The tokens of the reply to `text`, without timing. */
  replyTokens(text: string): string[] {
    const zh = CJK.test(text)
    const vocab = zh ? ZH : EN
    let seed = seedOf(text)
    const out: string[] = []
    for (let i = 0; i < this.#opts.replyTokens; i++) {
      // xorshift32: deterministic per message, cheap.
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      const word = vocab[(seed >>> 0) % vocab.length] as string
      out.push(zh || i === 0 ? word : ` ${word}`)
    }
    out.push(zh ? '。' : '.')
    return out
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
    const tokens = this.replyTokens(last)
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
        yield tokens.slice(sent, due).join('')
        sent = due
      }
      if (sent < tokens.length)
        await sleep(Math.max(1, start + sent * perTokenMs - performance.now()), undefined, { signal })
    }
  }
}
