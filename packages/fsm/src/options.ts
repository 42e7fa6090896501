import type { CountTokens } from './context.ts'
import { approximateTokens } from './context.ts'
import { FSM_INVALID_OPTION, FSM_OPTION_OUT_OF_RANGE } from './errors.ts'

/** Options of {@link conversationMachine}. */
export interface ConversationOptions {
  /** CHATTING -> PAUSE after this many ms without a user `text`. Default `30_000`. */
  pauseAfterMs?: number
  /** PAUSE -> END (and HELLO -> END) after this many ms. Default `300_000`. */
  endAfterMs?: number
  /** Rounds (a user turn and the replies to it) kept in the context. Default `5`. */
  maxTurns?: number
  /** Token budget for system prompt + turns; oldest turns go first. Default: none. */
  maxTokens?: number
  /** Token counter for `maxTokens`. Default: {@link approximateTokens} (~4 chars/token, 1 per CJK char). */
  countTokens?: CountTokens
  /** System prompt of new conversations (never trimmed). Default: none. */
  systemPrompt?: string
}

/** Options of the Fastify plugin: the conversation preset plus the timer wheel. */
export interface FsmPluginOptions extends ConversationOptions {
  /** Timer wheel tick in ms: the precision of PAUSE/END. Default `100`. */
  tickMs?: number
  /** Timer wheel slots, a power of two. Default `4096`. */
  slots?: number
  /** Clock in epoch ms (tests). Default `Date.now`. */
  now?: () => number
}

/** Normalised conversation options. */
export interface NormalizedConversationOptions {
  readonly pauseAfterMs: number
  readonly endAfterMs: number
  readonly maxTurns: number
  readonly maxTokens: number
  readonly countTokens: CountTokens
  readonly systemPrompt: string | null
}

/** Normalised plugin options. */
export interface NormalizedPluginOptions extends NormalizedConversationOptions {
  readonly tickMs: number
  readonly slots: number
  readonly now: () => number
}

/** Defaults, in one place. */
export const DEFAULTS = Object.freeze({
  pauseAfterMs: 30_000,
  endAfterMs: 300_000,
  maxTurns: 5,
  maxTokens: Number.POSITIVE_INFINITY,
  countTokens: approximateTokens,
  systemPrompt: null,
  tickMs: 100,
  slots: 4096,
  now: Date.now
})

function positive(name: string, value: unknown, integer: boolean): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new FSM_INVALID_OPTION(
      `${name} must be a number, got ${typeof value === 'number' ? 'NaN' : typeof value}`
    )
  }
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new FSM_OPTION_OUT_OF_RANGE(
      `${name} must be a finite ${integer ? 'integer' : 'number'} > 0, got ${value}`
    )
  }
  return value
}

function fn<T>(name: string, value: unknown): T {
  if (typeof value !== 'function')
    throw new FSM_INVALID_OPTION(`${name} must be a function, got ${typeof value}`)
  return value as T
}

/** Checks conversation options and returns a new frozen object with defaults filled in. */
export function normalizeConversationOptions(
  options: ConversationOptions = {}
): NormalizedConversationOptions {
  if (typeof options !== 'object' || options === null)
    throw new FSM_INVALID_OPTION('options must be an object')
  const systemPrompt = options.systemPrompt ?? DEFAULTS.systemPrompt
  if (systemPrompt !== null && typeof systemPrompt !== 'string') {
    throw new FSM_INVALID_OPTION(`systemPrompt must be a string, got ${typeof systemPrompt}`)
  }
  return Object.freeze({
    pauseAfterMs: positive('pauseAfterMs', options.pauseAfterMs ?? DEFAULTS.pauseAfterMs, false),
    endAfterMs: positive('endAfterMs', options.endAfterMs ?? DEFAULTS.endAfterMs, false),
    maxTurns: positive('maxTurns', options.maxTurns ?? DEFAULTS.maxTurns, true),
    maxTokens:
      options.maxTokens === undefined ? DEFAULTS.maxTokens : positive('maxTokens', options.maxTokens, true),
    countTokens: fn<CountTokens>('countTokens', options.countTokens ?? DEFAULTS.countTokens),
    systemPrompt
  })
}

/** Checks plugin options and returns a new frozen object with defaults filled in. */
export function normalizeOptions(options: FsmPluginOptions = {}): NormalizedPluginOptions {
  const conversation = normalizeConversationOptions(options)
  const slots = positive('slots', options.slots ?? DEFAULTS.slots, true)
  if ((slots & (slots - 1)) !== 0)
    throw new FSM_OPTION_OUT_OF_RANGE(`slots must be a power of two, got ${slots}`)
  return Object.freeze({
    ...conversation,
    tickMs: positive('tickMs', options.tickMs ?? DEFAULTS.tickMs, false),
    slots,
    now: fn<() => number>('now', options.now ?? DEFAULTS.now)
  })
}
