import {
  type EchoScore,
  echoScore,
  isEcho,
  type Previous,
  type Span,
  type StripResult,
  stripEcho
} from './echo.ts'
import { EchoGuard, type EchoGuardOptions, type GuardSummary } from './guard.ts'
import { type DedupOptions, type NormalizedOptions, normalizeOptions } from './options.ts'
import { type ChatMessage, type PromptGuardOptions, promptGuard } from './prompt.ts'
import { type Repetition, selfRepetition } from './repetition.ts'
import { tidyJoin } from './tidy.ts'

/** Counters for metrics, since the instance was created (or `resetStats()`). */
export interface DedupStats {
  /** Replies checked with `check()` or a guard that ended. */
  repliesChecked: number
  /** Of those, replies found echoing the user. */
  echoesFound: number
  /** Of those, replies found looping. */
  loopsFound: number
  /** UTF-8 bytes removed from replies (strip and cut modes). */
  bytesStripped: number
}

/** Result of {@link Dedup.check}. */
export interface CheckResult {
  /** The reply after the configured mode: stripped, cut, or unchanged (`'flag'`). */
  text: string
  /** Whether the reply echoes the user (score >= threshold). */
  echo: boolean
  /** Whether the reply contains a degenerate loop. */
  loop: boolean
  /** Echo score, 0..1. */
  score: number
  /** Spans of the original reply that repeat the user. */
  matchedSpans: Span[]
}

/**
 * The package configured once: every function bound to the same options, plus counters. This is
 * what the Fastify plugin decorates `fastify.dedup` with.
 */
export class Dedup {
  /** The normalized, frozen options. */
  readonly options: NormalizedOptions
  readonly #stats: DedupStats = { repliesChecked: 0, echoesFound: 0, loopsFound: 0, bytesStripped: 0 }
  readonly #onEnd = (s: GuardSummary): void => {
    this.#stats.repliesChecked++
    if (s.verdict?.kind === 'echo') this.#stats.echoesFound++
    if (s.verdict?.kind === 'loop') this.#stats.loopsFound++
    this.#stats.bytesStripped += Math.max(0, s.received - s.released)
  }

  // Built once: EchoGuard normalises options per object identity, so a fresh spread per guard
  // would re-validate and allocate a frozen copy on every reply.
  readonly #guardOptions: EchoGuardOptions

  constructor(options?: DedupOptions) {
    this.options = normalizeOptions(options)
    this.#guardOptions = { ...this.options, onEnd: this.#onEnd }
  }

  /** {@link echoScore} with the configured options. */
  score(reply: string, previous: Previous): EchoScore {
    return echoScore(reply, previous, this.options)
  }

  /** {@link isEcho} with the configured options. */
  isEcho(reply: string, previous: Previous): boolean {
    return isEcho(reply, previous, this.options)
  }

  /** {@link stripEcho} with the configured options. */
  strip(reply: string, previous: Previous): StripResult {
    return stripEcho(reply, previous, this.options)
  }

  /** {@link selfRepetition} with the configured `loopN` and `maxRepeats`. */
  selfRepetition(reply: string): Repetition {
    const o = this.options
    return selfRepetition(reply, {
      n: o.loopN,
      maxRepeats: o.maxRepeats,
      maxChars: o.maxChars,
      locale: o.locale
    })
  }

  /** {@link promptGuard}. */
  promptGuard<M extends ChatMessage>(
    messages: readonly M[],
    lastUserText: string,
    options?: PromptGuardOptions
  ): M[] {
    return promptGuard(messages, lastUserText, options)
  }

  /** A streaming {@link EchoGuard} with the configured options; counted in `stats` when it ends. */
  guard(previous: Previous): EchoGuard {
    return new EchoGuard(previous, this.#guardOptions)
  }

  /**
   * Checks a whole reply and applies the configured mode: `'strip'` removes the echoed spans and
   * cuts a loop, `'cut'` ends the reply where the echo or loop starts, `'flag'` changes nothing.
   * Updates the counters.
   */
  check(reply: string, previous: Previous): CheckResult {
    const text = typeof reply === 'string' ? reply : ''
    const o = this.options
    const es = echoScore(text, previous, o)
    const echo = es.score >= o.threshold
    const rep = this.selfRepetition(text)
    let out = text
    if (o.mode === 'strip') {
      if (rep.loop) out = text.slice(0, rep.cutAt)
      if (echo) out = stripEcho(out, previous, o).text
    } else if (o.mode === 'cut') {
      let at = rep.loop ? rep.cutAt : text.length
      if (echo && es.matchedSpans[0]!.start < at) at = es.matchedSpans[0]!.start
      if (at < text.length) out = tidyJoin(text.slice(0, at), '')
    }
    const s = this.#stats
    s.repliesChecked++
    if (echo) s.echoesFound++
    if (rep.loop) s.loopsFound++
    if (out.length !== text.length) s.bytesStripped += Buffer.byteLength(text) - Buffer.byteLength(out)
    return { text: out, echo, loop: rep.loop, score: es.score, matchedSpans: es.matchedSpans }
  }

  /** A snapshot of the counters. */
  get stats(): DedupStats {
    return { ...this.#stats }
  }

  /** Share of checked replies that echoed the user (0 when none was checked). */
  get echoRate(): number {
    return this.#stats.repliesChecked === 0 ? 0 : this.#stats.echoesFound / this.#stats.repliesChecked
  }

  /** Sets every counter back to 0. */
  resetStats(): void {
    this.#stats.repliesChecked = 0
    this.#stats.echoesFound = 0
    this.#stats.loopsFound = 0
    this.#stats.bytesStripped = 0
  }
}

/** Creates a configured {@link Dedup}. Throws `DEDUP_INVALID_OPTION` / `DEDUP_OPTION_RANGE` on bad options. */
export function createDedup(options?: DedupOptions): Dedup {
  return new Dedup(options)
}
