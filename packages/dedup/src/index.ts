export { type CheckResult, createDedup, Dedup, type DedupStats } from './dedup.ts'
export {
  type EchoScore,
  echoScore,
  isEcho,
  type Previous,
  type Span,
  type StripResult,
  stripEcho
} from './echo.ts'
export { InvalidOptionError, OptionRangeError } from './errors.ts'
export { EchoGuard, type EchoGuardOptions, type GuardSummary, type GuardVerdict } from './guard.ts'
export { normalize } from './normalize.ts'
export {
  DEFAULTS,
  type DedupMode,
  type DedupOptions,
  type NormalizedOptions,
  normalizeOptions
} from './options.ts'
export {
  type ChatMessage,
  DO_NOT_REPEAT,
  doNotRepeatInstruction,
  lastSentence,
  type PromptGuardOptions,
  promptGuard
} from './prompt.ts'
export { type Repetition, type RepetitionOptions, selfRepetition } from './repetition.ts'
export { type Token, type TokensOptions, tokens } from './tokenize.ts'
