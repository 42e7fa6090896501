import { type ContextDigest, ContextHasher, hashContext, hashKey, type Turn } from './hash.ts'
import {
  type Level,
  type NormalizedOptions,
  normalizeOptions,
  type SamplerOptions,
  type TurnLogger
} from './options.ts'

/** The fields of one logged turn. Every field besides these is logged as given, in both modes. */
export interface TurnFields {
  /**
   * The conversation context: a string, an array of turns (each hashed on every call), or a
   * `ContextHasher` (hashed once per turn as it was appended: the fast way).
   */
  context?: string | readonly Turn[] | ContextHasher
  /**
   * The context's hash, bytes and turns, already computed (a `ContextHasher` kept in step with
   * the conversation fits as it is, or a `hashContext()` result). A hashed entry then logs it
   * without touching `context`: no per-turn hashing at all. A full entry still logs `context`
   * and hashes what it logs (so its `ctxHash` always matches its `context`); without `context`
   * it logs the digest.
   */
  digest?: ContextDigest
  /** The prompt sent to the model; logged (scrubbed) only in full entries. */
  prompt?: unknown
  /** The model's reply; logged (scrubbed) only in full entries. */
  reply?: unknown
  /** An error: the entry is then always logged in full. */
  err?: unknown
  [field: string]: unknown
}

/** Counters since the sampler was created. */
export interface SamplerStats {
  /** Entries logged with their full context (sampled keys, `always` levels, entries with `err`). */
  full: number
  /** Entries logged with the context hash only. */
  hashed: number
  /** Entries dropped by burst limiting (each reported in a summary). */
  dropped: number
}

interface BurstCounter {
  n: number
  dropped: number
}

// Keys seen recently and their decision: a Map lookup is several times cheaper than hashing the
// key through the native binding on every turn. Cleared whole when full (no LRU bookkeeping).
const MAX_CACHED_KEYS = 10_000

/**
 * Deterministic log sampler. `sampled(key)` picks the same keys in every process for the same
 * `seed` and `rate`; `turn()` logs a conversation turn in full for sampled keys and as a 64-bit
 * context hash otherwise. Never samples away `always` levels or entries carrying `err`.
 */
export class Sampler {
  /** The validated options. */
  readonly options: NormalizedOptions
  #threshold: bigint
  #cache = new Map<string | number | bigint, boolean>()
  #always: Record<string, boolean> = Object.create(null)
  #scrub: ((text: string) => string) | null
  #allow: (msg: string | undefined, logger: TurnLogger) => boolean
  #summaryLogger: TurnLogger | null
  #counts = new Map<string, BurstCounter>()
  #tickEnd = 0
  #tickDropped = 0
  #tickLogger: TurnLogger | null = null
  #timer: NodeJS.Timeout | null = null
  #full = 0
  #hashed = 0
  #dropped = 0

  constructor(opts: SamplerOptions = {}) {
    this.options = normalizeOptions(opts)
    // floor(rate * 2^64): rate 1 gives 2^64, above every 64-bit hash; rate 0 gives 0, below all.
    this.#threshold = BigInt(Math.floor(this.options.rate * 2 ** 64))
    for (const level of this.options.always) this.#always[level] = true
    this.#scrub = this.options.scrub
    this.#summaryLogger = this.options.summaryLogger
    // Without burst limiting the check is a constant function, not a flag tested on every call.
    this.#allow = this.options.burst ? this.#burstAllow : allowAll
  }

  /** Whether entries for `key` are logged in full: `XXH64(utf8(String(key)), seed) < floor(rate * 2^64)`. */
  sampled(key: string | number | bigint): boolean {
    let hit = this.#cache.get(key)
    if (hit === undefined) {
      hit = hashKey(typeof key === 'string' ? key : String(key), this.options.seed) < this.#threshold
      if (this.#cache.size >= MAX_CACHED_KEYS) this.#cache.clear()
      this.#cache.set(key, hit)
    }
    return hit
  }

  /** Logs one turn at the sampler's `level` (default `info`). See `log()`. */
  turn(logger: TurnLogger, fields: TurnFields, msg?: string): void {
    this.log(this.options.level, logger, fields, msg)
  }

  /**
   * Logs one turn at `level` through `logger`. Full entry (sampled key, `always` level, or `err`
   * present): every field, `context`/`prompt`/`reply` scrubbed, plus `ctxHash`, `ctxBytes`, `turns`.
   * Otherwise: every field except `context`/`prompt`/`reply`, plus `ctxHash`, `ctxBytes`, `turns`
   * (from `digest` when given, else from hashing `context`). `digest` itself is never copied.
   * Nothing is done when the logger has `level` disabled.
   */
  log(level: Level, logger: TurnLogger, fields: TurnFields, msg?: string): void {
    if (logger.isLevelEnabled !== undefined && !logger.isLevelEnabled(level)) return
    let full = this.#always[level] === true || fields.err !== undefined
    if (!full) {
      if (!this.#allow(msg, logger)) return
      const key = fields[this.options.key]
      full = key !== undefined && key !== null && this.sampled(key as string)
    }
    // A for-in copy: object rest with excluded keys goes through a slower generic runtime path in V8.
    const entry: Record<string, unknown> = {}
    for (const k in fields) {
      if (k !== 'context' && k !== 'prompt' && k !== 'reply' && k !== 'digest') entry[k] = fields[k]
    }
    const { context, prompt, reply, digest } = fields
    if (digest !== undefined && (!full || context === undefined)) {
      entry.ctxHash = digest.hash
      entry.ctxBytes = digest.bytes
      entry.turns = digest.turns
    } else if (context !== undefined) {
      if (context instanceof ContextHasher) {
        entry.ctxHash = context.hash
        entry.ctxBytes = context.bytes
        entry.turns = context.turns
      } else {
        const d = hashContext(context)
        entry.ctxHash = d.hash
        entry.ctxBytes = d.bytes
        entry.turns = d.turns
      }
    }
    if (full) {
      this.#full++
      if (context !== undefined) {
        entry.context = this.#scrubValue(context instanceof ContextHasher ? context.toArray() : context)
      }
      if (prompt !== undefined) entry.prompt = this.#scrubValue(prompt)
      if (reply !== undefined) entry.reply = this.#scrubValue(reply)
    } else {
      this.#hashed++
    }
    logger[level](entry, msg)
  }

  /** Entries logged in full / hashed / dropped so far. */
  stats(): SamplerStats {
    return { full: this.#full, hashed: this.#hashed, dropped: this.#dropped }
  }

  /** Writes the burst summary of the current tick now (if anything was dropped) and starts a new tick. */
  flush(): void {
    this.#tick(this.options.now())
  }

  /** Flushes, which also stops the summary timer. Logging still works afterwards (a timer is armed again on the next drop). */
  close(): void {
    this.flush()
  }

  #scrubValue(value: unknown): unknown {
    const scrub = this.#scrub
    if (scrub === null) return value
    if (typeof value === 'string') return scrub(value)
    if (!Array.isArray(value)) return value
    return value.map((turn: unknown) => {
      if (typeof turn === 'string') return scrub(turn)
      if (
        turn !== null &&
        typeof turn === 'object' &&
        typeof (turn as { content?: unknown }).content === 'string'
      ) {
        const content = (turn as { content: string }).content
        const clean = scrub(content)
        return clean === content ? turn : { ...turn, content: clean }
      }
      return turn
    })
  }

  #burstAllow = (msg: string | undefined, logger: TurnLogger): boolean => {
    const burst = this.options.burst!
    const now = this.options.now()
    // Lazy tick: the first call after the tick ended writes the summary and resets the counters.
    if (now >= this.#tickEnd) this.#tick(now)
    const m = msg ?? ''
    let c = this.#counts.get(m)
    if (c === undefined) {
      c = { n: 0, dropped: 0 }
      this.#counts.set(m, c)
    }
    const n = ++c.n
    if (n <= burst.initial) return true
    if (burst.thereafter > 0 && (n - burst.initial) % burst.thereafter === 0) return true
    c.dropped++
    this.#dropped++
    if (this.#tickDropped++ === 0) {
      this.#tickLogger = logger
      this.#arm()
    }
    return false
  }

  // Armed on the first drop of a tick (and cleared by #tick), so a summary is written even if no
  // further entry arrives; unref()ed, it never keeps the process alive. One timer per tick with
  // drops at most, so no refresh() bookkeeping.
  #arm(): void {
    this.#timer = setTimeout(this.#onTimer, this.options.burst!.tickMs)
    this.#timer.unref()
  }

  #onTimer = (): void => {
    this.#timer = null
    this.flush()
  }

  #tick(now: number): void {
    const burst = this.options.burst
    if (burst === null) return
    if (this.#tickDropped > 0) {
      const dropped: Record<string, number> = Object.create(null)
      for (const [m, c] of this.#counts) if (c.dropped > 0) dropped[m] = c.dropped
      const logger = this.#summaryLogger ?? this.#tickLogger!
      logger[this.options.level](
        { logSampler: { dropped, total: this.#tickDropped, tickMs: burst.tickMs } },
        'log-sampler: entries dropped by burst limiting'
      )
    }
    // Forget messages not seen during the tick so the map stays bounded by the live message set.
    for (const [m, c] of this.#counts) {
      if (c.n === 0) this.#counts.delete(m)
      else c.n = c.dropped = 0
    }
    this.#tickDropped = 0
    this.#tickLogger = null
    // The pending timer (if any) was for the drops just reported.
    if (this.#timer !== null) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    this.#tickEnd = (Math.floor(now / burst.tickMs) + 1) * burst.tickMs
  }
}

function allowAll(): boolean {
  return true
}

/** Creates a `Sampler`; throws `LOG_SAMPLER_INVALID_RATE` / `LOG_SAMPLER_INVALID_OPTION` / `LOG_SAMPLER_OPTION_RANGE` on bad options. */
export function createSampler(opts?: SamplerOptions): Sampler {
  return new Sampler(opts)
}
