export type { ColdRecord, ColdStore, ColdWrite, WriteOutcome } from './cold-store.ts'
export {
  CacheBackpressureError,
  CacheClosedError,
  CacheColdReadError,
  CacheColdWriteError,
  CacheHotAgeExceedsTtlError,
  CacheInvalidKeyError,
  CacheInvalidOptionError,
  CacheInvalidTtlError,
  CacheInvalidValueError
} from './errors.ts'
export {
  CLEAN,
  DIRTY,
  HotEntry,
  HotTier,
  type HotTierOptions,
  type HotTierStats,
  INFLIGHT
} from './hot-tier.ts'
export { MemoryStore, type MemoryStoreOptions } from './memory-store.ts'
export {
  DEFAULTS,
  type FlushOptions,
  type HotOptions,
  type NormalizedOptions,
  normalizeOptions,
  type ReconcileOptions,
  type TieredCacheOptions
} from './options.ts'
export { RedisStore, type RedisStoreOptions } from './redis-store.ts'
export { jsonSerializer, type Payload, type Serializer } from './serializer.ts'
export { FrequencySketch, hashKey } from './sketch.ts'
export {
  type CloseReport,
  type ReconcileReport,
  TieredCache,
  type TieredCacheStats
} from './tiered-cache.ts'
