export { LOG_SAMPLER_INVALID_OPTION, LOG_SAMPLER_INVALID_RATE, LOG_SAMPLER_OPTION_RANGE } from './errors.ts'
export {
  type ContextDigest,
  ContextHasher,
  hashContext,
  hashKey,
  type Turn,
  type TurnWindow
} from './hash.ts'
export {
  type BurstOptions,
  DEFAULTS,
  LEVELS,
  type Level,
  type LogFn,
  type NormalizedOptions,
  normalizeOptions,
  type SamplerOptions,
  type TurnLogger
} from './options.ts'
export {
  createSampler,
  Sampler,
  type SamplerStats,
  type TurnFields
} from './sampler.ts'
export { REDACTED, redactPaths, SECRET_PATTERNS, scrubSecrets } from './scrub.ts'
