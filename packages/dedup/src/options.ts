import { InvalidOptionError, OptionRangeError } from './errors.ts'

/** What to do with a reply that echoes the user (or loops). */
export type DedupMode = 'strip' | 'flag' | 'cut'

/** Options shared by every function of the package. Every field is optional. */
export interface DedupOptions {
  /**
   * Largest n-gram size, in tokens (words, or characters in CJK runs). Default `3`. User messages of
   * fewer than `n` tokens are never judged echoes; messages shorter than `3 * n` tokens are
   * compared with smaller grams (down to 2) so one edited word cannot hide an echo.
   */
  n?: number
  /**
   * User messages of fewer than `minTokens` tokens are never judged echoes (see README, "Short
   * messages"): "Thank you" or "你好" said back is conversation. Default `4`.
   */
  minTokens?: number
  /**
   * Echo threshold on the score (share of the user's message reproduced by the reply in one
   * near-contiguous copy, 0..1). Default `0.54`, chosen on half of the development set (see README,
   * "Quality").
   */
  threshold?: number
  /**
   * Work cap, in UTF-16 code units, per text: only the first `maxChars` of a reply and the last
   * `maxChars` of each user message are analysed (never splitting a surrogate pair). Default `10000`.
   */
  maxChars?: number
  /** How many of the most recent user messages are compared when `previous` is a list. Default `4`. */
  maxPrevious?: number
  /** Self-repetition n-gram size, in tokens. Default `8`. */
  loopN?: number
  /** How many times one `loopN`-gram may occur in a reply before it is a loop. Default `2`. */
  maxRepeats?: number
  /**
   * `'strip'` removes the echoed text (default), `'cut'` ends the reply where the echo or loop
   * starts, `'flag'` changes nothing and only reports.
   */
  mode?: DedupMode
  /** BCP 47 locale for `Intl.Segmenter` on scripts the fast tokenizer does not know. Default: runtime's. */
  locale?: string
}

/** Options after {@link normalizeOptions}: every field set, frozen. */
export interface NormalizedOptions {
  readonly n: number
  readonly minTokens: number
  readonly threshold: number
  readonly maxChars: number
  readonly maxPrevious: number
  readonly loopN: number
  readonly maxRepeats: number
  readonly mode: DedupMode
  readonly locale: string | undefined
}

/** The defaults, frozen. */
export const DEFAULTS: NormalizedOptions = Object.freeze({
  n: 3,
  minTokens: 4,
  threshold: 0.54,
  maxChars: 10_000,
  maxPrevious: 4,
  loopN: 8,
  maxRepeats: 2,
  mode: 'strip',
  locale: undefined
})

function int(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new InvalidOptionError(name, String(value))
  if (value < min || value > max) throw new OptionRangeError(name, `${value} (expected ${min}..${max})`)
  return value
}

const cache = new WeakMap<object, NormalizedOptions>()

/**
 * Checks options once and returns a new frozen object with every default filled in. Throws a
 * `TypeError` (`DEDUP_INVALID_OPTION`) or `RangeError` (`DEDUP_OPTION_RANGE`) naming the option.
 * The result is memoized per options object, so passing the same object on every call is free.
 */
export function normalizeOptions(options?: DedupOptions | NormalizedOptions): NormalizedOptions {
  if (options === undefined || options === null) return DEFAULTS
  if (typeof options !== 'object') throw new InvalidOptionError('options', String(options))
  const hit = cache.get(options)
  if (hit !== undefined) return hit
  const o = options as DedupOptions
  const threshold = o.threshold ?? DEFAULTS.threshold
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new InvalidOptionError('threshold', String(threshold))
  }
  if (threshold <= 0 || threshold > 1)
    throw new OptionRangeError('threshold', `${threshold} (expected 0 < x <= 1)`)
  const mode = o.mode ?? DEFAULTS.mode
  if (mode !== 'strip' && mode !== 'flag' && mode !== 'cut')
    throw new InvalidOptionError('mode', String(mode))
  if (o.locale !== undefined && typeof o.locale !== 'string') {
    throw new InvalidOptionError('locale', String(o.locale))
  }
  const result: NormalizedOptions = Object.freeze({
    n: int('n', o.n, DEFAULTS.n, 1, 16),
    minTokens: int('minTokens', o.minTokens, DEFAULTS.minTokens, 1, 1000),
    threshold,
    maxChars: int('maxChars', o.maxChars, DEFAULTS.maxChars, 1, 1 << 24),
    maxPrevious: int('maxPrevious', o.maxPrevious, DEFAULTS.maxPrevious, 1, 64),
    loopN: int('loopN', o.loopN, DEFAULTS.loopN, 1, 64),
    maxRepeats: int('maxRepeats', o.maxRepeats, DEFAULTS.maxRepeats, 1, 1000),
    mode,
    locale: o.locale
  })
  cache.set(options, result)
  cache.set(result, result)
  return result
}
