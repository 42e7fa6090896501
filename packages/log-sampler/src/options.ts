import { LOG_SAMPLER_INVALID_OPTION, LOG_SAMPLER_INVALID_RATE, LOG_SAMPLER_OPTION_RANGE } from './errors.ts'
import { scrubSecrets } from './scrub.ts'

/** pino's level names, lowest first. */
export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'

/** The level names the sampler accepts, lowest first. */
export const LEVELS: readonly Level[] = Object.freeze(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])

/** pino-style log method: merge object first, message second. */
export type LogFn = (obj: object, msg?: string) => void

/**
 * What the sampler needs of a logger: pino's level methods, and `isLevelEnabled` (optional) so a
 * disabled level costs nothing. A pino logger, Fastify's `app.log` and `request.log` all fit.
 */
export interface TurnLogger {
  trace: LogFn
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
  fatal: LogFn
  isLevelEnabled?(level: string): boolean
}

/** Burst limiting per message, like zap's sampler. */
export interface BurstOptions {
  /** Entries with the same message logged in full per tick before thinning starts. Integer >= 0. Default `100`. */
  initial?: number
  /** After `initial`, only every `thereafter`-th entry of a message is logged; 0 drops all the rest. Integer >= 0. Default `100`. */
  thereafter?: number
  /** Tick length in milliseconds; counters reset and dropped counts are summarised once per tick. Default `1000`. */
  tickMs?: number
}

/** Options of `createSampler()` and of the Fastify plugin. */
export interface SamplerOptions {
  /** Share of keys (conversations) logged in full, in [0, 1]. `0` logs none in full, `1` all. Default `0.01`. */
  rate?: number
  /** Name of the field of a turn that holds the sampling key (user id, conversation id, trace id). Default `'uid'`. */
  key?: string
  /** Seed of the sampling hash, an unsigned 64-bit integer (`bigint`, or a safe non-negative integer). Default `0`. */
  seed?: number | bigint
  /** Levels that are never sampled away and always keep their full context. Default `['warn', 'error', 'fatal']`. */
  always?: readonly Level[]
  /** Level `turn()` logs at. Default `'info'`. */
  level?: Level
  /** Burst limiting per message (the `msg` argument); off when absent. */
  burst?: BurstOptions
  /**
   * Scrubs secret-looking substrings out of `prompt`, `reply` and `context` text in full entries.
   * Default: `scrubSecrets` (see the README for the patterns). `false` turns scrubbing off.
   */
  scrub?: ((text: string) => string) | false
  /** Clock in milliseconds used by burst ticks; inject one in tests. Default `Date.now`. */
  now?: () => number
  /**
   * Where burst summaries are written. Default: the logger of the first entry dropped in the tick.
   * The Fastify plugin sets it to `fastify.log`.
   */
  summaryLogger?: TurnLogger
}

/** Options after validation: every field present, frozen. */
export interface NormalizedOptions {
  readonly rate: number
  readonly key: string
  readonly seed: bigint
  readonly always: readonly Level[]
  readonly level: Level
  readonly burst: Readonly<Required<BurstOptions>> | null
  readonly scrub: ((text: string) => string) | null
  readonly now: () => number
  readonly summaryLogger: TurnLogger | null
}

/** Defaults of every option. */
export const DEFAULTS = Object.freeze({
  rate: 0.01,
  key: 'uid',
  seed: 0n,
  always: Object.freeze(['warn', 'error', 'fatal'] as Level[]),
  level: 'info' as Level,
  burst: Object.freeze({ initial: 100, thereafter: 100, tickMs: 1000 })
})

const MAX_U64 = 2n ** 64n - 1n

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return 'a function'
  try {
    return String(JSON.stringify(value))
  } catch {
    return typeof value
  }
}

function checkLevel(name: string, value: unknown): Level {
  if (typeof value !== 'string' || !LEVELS.includes(value as Level)) {
    throw new LOG_SAMPLER_INVALID_OPTION(name, `one of ${LEVELS.join(', ')}`, show(value))
  }
  return value as Level
}

function checkCount(name: string, value: unknown, fallback: number, min: number): number {
  const v = value ?? fallback
  if (typeof v !== 'number') throw new LOG_SAMPLER_INVALID_OPTION(name, 'a number', show(v))
  if (!Number.isInteger(v) || v < min) {
    throw new LOG_SAMPLER_OPTION_RANGE(name, `an integer >= ${min}`, show(v))
  }
  return v
}

/** Validates options once and returns a new frozen object; never mutates `opts`. */
export function normalizeOptions(opts: SamplerOptions = {}): NormalizedOptions {
  if (opts === null || typeof opts !== 'object') {
    throw new LOG_SAMPLER_INVALID_OPTION('options', 'an object', show(opts))
  }
  const rate = opts.rate ?? DEFAULTS.rate
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new LOG_SAMPLER_INVALID_RATE(show(rate))

  const key = opts.key ?? DEFAULTS.key
  if (typeof key !== 'string' || key === '') {
    throw new LOG_SAMPLER_INVALID_OPTION('key', 'a non-empty string', show(key))
  }

  let seed: bigint
  const s = opts.seed ?? DEFAULTS.seed
  if (typeof s === 'bigint') seed = s
  else if (typeof s === 'number' && Number.isSafeInteger(s)) seed = BigInt(s)
  else throw new LOG_SAMPLER_INVALID_OPTION('seed', 'a bigint or a safe integer', show(s))
  if (seed < 0n || seed > MAX_U64) throw new LOG_SAMPLER_OPTION_RANGE('seed', 'in [0, 2^64 - 1]', show(s))

  const alwaysIn = opts.always ?? DEFAULTS.always
  if (!Array.isArray(alwaysIn))
    throw new LOG_SAMPLER_INVALID_OPTION('always', 'an array of levels', show(alwaysIn))
  const always = Object.freeze(alwaysIn.map((l, i) => checkLevel(`always[${i}]`, l)))

  const level = checkLevel('level', opts.level ?? DEFAULTS.level)

  let burst: Readonly<Required<BurstOptions>> | null = null
  if (opts.burst !== undefined && opts.burst !== null) {
    if (typeof opts.burst !== 'object') {
      throw new LOG_SAMPLER_INVALID_OPTION('burst', 'an object', show(opts.burst))
    }
    burst = Object.freeze({
      initial: checkCount('burst.initial', opts.burst.initial, DEFAULTS.burst.initial, 0),
      thereafter: checkCount('burst.thereafter', opts.burst.thereafter, DEFAULTS.burst.thereafter, 0),
      tickMs: checkCount('burst.tickMs', opts.burst.tickMs, DEFAULTS.burst.tickMs, 1)
    })
  }

  const scrubIn = opts.scrub ?? scrubSecrets
  if (scrubIn !== false && typeof scrubIn !== 'function') {
    throw new LOG_SAMPLER_INVALID_OPTION('scrub', 'a function or false', show(scrubIn))
  }

  const now = opts.now ?? Date.now
  if (typeof now !== 'function') throw new LOG_SAMPLER_INVALID_OPTION('now', 'a function', show(now))

  const summaryLogger = opts.summaryLogger ?? null
  if (
    summaryLogger !== null &&
    (typeof summaryLogger !== 'object' || typeof summaryLogger.info !== 'function')
  ) {
    throw new LOG_SAMPLER_INVALID_OPTION('summaryLogger', 'a pino-like logger', show(summaryLogger))
  }

  return Object.freeze({ rate, key, seed, always, level, burst, scrub: scrubIn || null, now, summaryLogger })
}
