import createError from '@fastify/error'

/**
 * `set()` refused a write because `flush.maxDirty` entries are already waiting for the cold tier
 * (Redis down or too slow). Nothing was changed; retry later or tell the user. HTTP 503.
 */
export const CacheBackpressureError = createError(
  'CACHE_BACKPRESSURE',
  'Too many writes are waiting for the cold store (flush.maxDirty %s); write refused',
  503
)

/** A key is not a non-empty string of at most `maxKeyLength` characters. HTTP 400. */
export const CacheInvalidKeyError = createError('CACHE_INVALID_KEY', 'Invalid cache key: %s', 400, TypeError)

/** A value cannot be serialised (BigInt, cycle, function, `undefined`...). HTTP 400. */
export const CacheInvalidValueError = createError(
  'CACHE_INVALID_VALUE',
  'Value for key "%s" cannot be serialised: %s',
  400,
  TypeError
)

/** An option has the wrong type or is out of range; the message names the option and the value. */
export const CacheInvalidOptionError = createError(
  'CACHE_INVALID_OPTION',
  'Invalid option %s: %s',
  500,
  TypeError
)

/** `ttlMs` is not a finite number greater than 0. */
export const CacheInvalidTtlError = createError(
  'CACHE_INVALID_TTL',
  'ttlMs must be a finite number greater than 0, got %s',
  500,
  RangeError
)

/** `hot.maxAgeMs` is longer than the cold TTL: the hot tier could outlive the cold tier. */
export const CacheHotAgeExceedsTtlError = createError(
  'CACHE_HOT_AGE_EXCEEDS_TTL',
  'hot.maxAgeMs (%s) must not exceed ttlMs (%s): a hot entry would outlive its cold copy',
  500,
  RangeError
)

/** The cache was closed; no more reads or writes. */
export const CacheClosedError = createError('CACHE_CLOSED', 'The cache is closed', 503)

/** Reading from the cold store failed; `cause` holds the store's (e.g. ioredis) error. */
export const CacheColdReadError = createError(
  'CACHE_COLD_READ',
  'Reading key "%s" from the cold store failed',
  503
)

/** Writing to the cold store failed; `cause` holds the store's error. Dirty entries stay dirty. */
export const CacheColdWriteError = createError(
  'CACHE_COLD_WRITE',
  'Writing %s entries to the cold store failed; they stay dirty and will be retried',
  503
)
