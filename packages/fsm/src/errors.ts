import createError from '@fastify/error'

/**
 * A machine definition is wrong: unknown target or initial state, a final state with outgoing
 * transitions, an unreachable state, or a malformed `after`. Thrown by `defineMachine()`; the
 * message names the state.
 */
export const FSM_INVALID_DEFINITION = createError<[string]>(
  'FSM_INVALID_DEFINITION',
  'Invalid machine definition: %s'
)

/**
 * A snapshot cannot be restored: not an object, unknown `v`, unknown state, or malformed fields.
 * Thrown by `machine.restore()` and `registry.restore()`.
 */
export const FSM_INVALID_SNAPSHOT = createError<[string]>('FSM_INVALID_SNAPSHOT', 'Invalid snapshot: %s')

/** An option has the wrong type. Thrown by constructors and `normalizeOptions()`. */
export const FSM_INVALID_OPTION = createError<[string]>(
  'FSM_INVALID_OPTION',
  'Invalid option: %s',
  500,
  TypeError
)

/** A numeric option is out of range. Thrown by constructors and `normalizeOptions()`. */
export const FSM_OPTION_OUT_OF_RANGE = createError<[string]>(
  'FSM_OPTION_OUT_OF_RANGE',
  'Option out of range: %s',
  500,
  RangeError
)

/**
 * `loadTokenCounter()` was given a name it does not know. The message lists the names it does.
 */
export const FSM_UNKNOWN_TOKENIZER = createError<[string]>(
  'FSM_UNKNOWN_TOKENIZER',
  'Unknown tokenizer %s: use "o200k_base" (GPT-4o, GPT-4.1, o-series, GPT-5) or "cl100k_base" (GPT-4, GPT-3.5)',
  500,
  RangeError
)

/**
 * `loadTokenCounter()` could not load its tokenizer: the optional peer dependency `gpt-tokenizer`
 * is not installed (or is a version without `countTokens`). `cause` holds the import error.
 */
export const FSM_TOKENIZER_MISSING = createError<[string, string]>(
  'FSM_TOKENIZER_MISSING',
  'The %s tokenizer needs the optional dependency gpt-tokenizer (>= 4): install it with `npm install gpt-tokenizer` (%s)',
  500
)
