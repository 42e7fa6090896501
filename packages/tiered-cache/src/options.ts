import type { ColdStore } from './cold-store.ts'
import { CacheHotAgeExceedsTtlError, CacheInvalidOptionError, CacheInvalidTtlError } from './errors.ts'
import { jsonSerializer, type Serializer } from './serializer.ts'

/** Options of the hot (in-process) tier. */
export interface HotOptions {
  /** Most entries resident in the hot tier (an honest bound; see README). Default `10_000`. */
  maxSize?: number
  /**
   * Milliseconds a clean entry may stay hot before it is checked against the cold store.
   * Default: 2/3 of `ttlMs`. Must not exceed `ttlMs`.
   */
  maxAgeMs?: number
  /**
   * Eviction policy: `'tinylfu'` (adaptive W-TinyLFU: an LRU admission window, then a segmented
   * LRU main space guarded by a count-min frequency sketch with a doorkeeper; the window share is
   * tuned online by hill climbing) or `'none'` (plain LRU). Entries written by `set()` are always
   * admitted. Default `'tinylfu'`.
   */
  admission?: 'tinylfu' | 'none'
}

/** Options of the write-behind flusher. */
export interface FlushOptions {
  /** Milliseconds between flushes of dirty entries. Default `50`. */
  intervalMs?: number
  /** Dirty entries that trigger a flush at once, and the most written in one pipeline. Default `500`. */
  maxBatch?: number
  /** Dirty entries past which `set()` of a clean or new key throws `CACHE_BACKPRESSURE`. Default `100_000`. */
  maxDirty?: number
  /** Milliseconds one pipelined batch may take before it counts as failed and is retried. Default `5_000`. */
  timeoutMs?: number
  /** First retry delay in milliseconds after a failed flush; doubles per failure. Default `100`. */
  minBackoffMs?: number
  /** Cap of the retry delay in milliseconds. Default `5_000`. */
  maxBackoffMs?: number
}

/** Options of the expiry reconciliation. */
export interface ReconcileOptions {
  /** Milliseconds between scans for clean hot entries past their age bound. Default `1_000`. */
  intervalMs?: number
  /** Keys checked per pipelined `PTTL` round trip. Default `500`. */
  batchSize?: number
}

/** Options of {@link TieredCache}. */
export interface TieredCacheOptions {
  /** The cold tier. Default: a new `MemoryStore` (in process). */
  store?: ColdStore
  /** Milliseconds an entry lives in the cold tier after its last write. Default `1_800_000` (30 min). */
  ttlMs?: number
  /** Longest key, in UTF-16 code units. Default `512`. */
  maxKeyLength?: number
  /** Value <-> payload conversion. Default: JSON. */
  serializer?: Serializer
  /** Clock in milliseconds, for entry ages and versions. Default `Date.now`. */
  now?: () => number
  /** Milliseconds `close()` may spend flushing before it gives up and reports. Default `5_000`. */
  closeTimeoutMs?: number
  hot?: HotOptions
  flush?: FlushOptions
  reconcile?: ReconcileOptions
}

/** {@link TieredCacheOptions} with every default applied; frozen. */
export interface NormalizedOptions {
  readonly store: ColdStore | undefined
  readonly ttlMs: number
  readonly maxKeyLength: number
  readonly serializer: Serializer
  readonly now: () => number
  readonly closeTimeoutMs: number
  readonly hot: Readonly<Required<HotOptions>>
  readonly flush: Readonly<Required<FlushOptions>>
  readonly reconcile: Readonly<Required<ReconcileOptions>>
}

/** The defaults, frozen. `hot.maxAgeMs` is derived from `ttlMs` (2/3 of it). */
export const DEFAULTS = Object.freeze({
  ttlMs: 1_800_000,
  maxKeyLength: 512,
  closeTimeoutMs: 5_000,
  hot: Object.freeze({ maxSize: 10_000, admission: 'tinylfu' as const }),
  flush: Object.freeze({
    intervalMs: 50,
    maxBatch: 500,
    maxDirty: 100_000,
    timeoutMs: 5_000,
    minBackoffMs: 100,
    maxBackoffMs: 5_000
  }),
  reconcile: Object.freeze({ intervalMs: 1_000, batchSize: 500 })
})

function positive(name: string, value: unknown, integer: boolean): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new CacheInvalidOptionError(name, `expected a finite number > 0, got ${String(value)}`)
  }
  if (integer && !Number.isInteger(value)) {
    throw new CacheInvalidOptionError(name, `expected an integer, got ${value}`)
  }
  return value
}

function object(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object') {
    throw new CacheInvalidOptionError(name, `expected an object, got ${String(value)}`)
  }
  return value as Record<string, unknown>
}

/** Checks the options, applies the defaults and returns a new frozen object. Never mutates `opts`. */
export function normalizeOptions(opts: TieredCacheOptions = {}): NormalizedOptions {
  const o = object('options', opts) as TieredCacheOptions
  const ttl = o.ttlMs ?? DEFAULTS.ttlMs
  if (typeof ttl !== 'number' || !(ttl > 0) || !Number.isFinite(ttl))
    throw new CacheInvalidTtlError(String(ttl))
  const hot = object('hot', o.hot) as HotOptions
  const flush = object('flush', o.flush) as FlushOptions
  const rec = object('reconcile', o.reconcile) as ReconcileOptions

  const maxAgeMs = positive('hot.maxAgeMs', hot.maxAgeMs ?? Math.max(1, Math.floor((ttl * 2) / 3)), false)
  if (maxAgeMs > ttl) throw new CacheHotAgeExceedsTtlError(maxAgeMs, ttl)
  const admission = hot.admission ?? DEFAULTS.hot.admission
  if (admission !== 'tinylfu' && admission !== 'none') {
    throw new CacheInvalidOptionError(
      'hot.admission',
      `expected 'tinylfu' or 'none', got ${String(admission)}`
    )
  }
  const serializer = o.serializer ?? jsonSerializer
  if (typeof serializer.serialize !== 'function' || typeof serializer.deserialize !== 'function') {
    throw new CacheInvalidOptionError('serializer', 'expected { serialize, deserialize } functions')
  }
  const now = o.now ?? Date.now
  if (typeof now !== 'function') throw new CacheInvalidOptionError('now', 'expected a function')
  const store = o.store
  if (store !== undefined && (store === null || typeof store.setMany !== 'function')) {
    throw new CacheInvalidOptionError('store', 'expected a ColdStore')
  }
  const minBackoffMs = positive(
    'flush.minBackoffMs',
    flush.minBackoffMs ?? DEFAULTS.flush.minBackoffMs,
    false
  )
  const maxBackoffMs = positive(
    'flush.maxBackoffMs',
    flush.maxBackoffMs ?? DEFAULTS.flush.maxBackoffMs,
    false
  )
  if (maxBackoffMs < minBackoffMs) {
    throw new CacheInvalidOptionError('flush.maxBackoffMs', `must be >= flush.minBackoffMs (${minBackoffMs})`)
  }
  return Object.freeze({
    store,
    ttlMs: ttl,
    maxKeyLength: positive('maxKeyLength', o.maxKeyLength ?? DEFAULTS.maxKeyLength, true),
    serializer,
    now,
    closeTimeoutMs: positive('closeTimeoutMs', o.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs, false),
    hot: Object.freeze({
      maxSize: positive('hot.maxSize', hot.maxSize ?? DEFAULTS.hot.maxSize, true),
      maxAgeMs,
      admission
    }),
    flush: Object.freeze({
      intervalMs: positive('flush.intervalMs', flush.intervalMs ?? DEFAULTS.flush.intervalMs, false),
      maxBatch: positive('flush.maxBatch', flush.maxBatch ?? DEFAULTS.flush.maxBatch, true),
      maxDirty: positive('flush.maxDirty', flush.maxDirty ?? DEFAULTS.flush.maxDirty, true),
      timeoutMs: positive('flush.timeoutMs', flush.timeoutMs ?? DEFAULTS.flush.timeoutMs, false),
      minBackoffMs,
      maxBackoffMs
    }),
    reconcile: Object.freeze({
      intervalMs: positive('reconcile.intervalMs', rec.intervalMs ?? DEFAULTS.reconcile.intervalMs, false),
      batchSize: positive('reconcile.batchSize', rec.batchSize ?? DEFAULTS.reconcile.batchSize, true)
    })
  })
}
