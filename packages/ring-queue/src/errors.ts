import createError from '@fastify/error'

/**
 * The ring (or the work queue over it) was closed: pushes, submits and waiting consumers reject with
 * it. Not an HTTP error by itself; a route that hits it answers 503 through Fastify's error handler.
 */
export const RingClosedError = createError('RING_CLOSED', 'The ring queue is closed', 503)

/**
 * The work queue shed a submission: its ring was full or CoDel decided the standing queue is too
 * long. Carries `retryAfterMs`. HTTP status 503, with a `Retry-After` header from the plugin.
 */
export const QueueOverloadedError = createError<'QUEUE_OVERLOADED', 503, [string, number]>(
  'QUEUE_OVERLOADED',
  'Queue "%s" is overloaded, retry after %d ms',
  503
)

/** The error a shed submission rejects with. */
export type QueueOverloaded = InstanceType<typeof QueueOverloadedError> & {
  /** Suggested wait before retrying, ms (the plugin sends it as `Retry-After`, in seconds). */
  retryAfterMs: number
}

/** `capacity` is not a positive integer or is above the supported maximum. */
export const InvalidCapacityError = createError<'RING_INVALID_CAPACITY', [number, string]>(
  'RING_INVALID_CAPACITY',
  'capacity must be an integer between 1 and %d, got %s',
  500,
  RangeError
)

/** A numeric option is not a finite number in its allowed range. */
export const InvalidOptionError = createError<'RING_INVALID_OPTION', [string, string, unknown]>(
  'RING_INVALID_OPTION',
  'option "%s" must be %s, got %s',
  500,
  RangeError
)

/** An option has the wrong type (e.g. `worker` is not a function). */
export const InvalidOptionTypeError = createError<'RING_INVALID_OPTION_TYPE', [string, string, unknown]>(
  'RING_INVALID_OPTION_TYPE',
  'option "%s" must be %s, got %s',
  500,
  TypeError
)

/** A message does not fit in the shared ring even when it is empty. */
export const SharedRingMessageTooLargeError = createError<'SHARED_RING_MESSAGE_TOO_LARGE', [number, number]>(
  'SHARED_RING_MESSAGE_TOO_LARGE',
  'message of %d bytes needs more than the ring can ever hold (%d bytes of payload at most)',
  500,
  RangeError
)

/** The buffer given to a SharedRing producer/consumer was not made by `SharedRing.create()`. */
export const SharedRingInvalidBufferError = createError<'SHARED_RING_INVALID_BUFFER', [string]>(
  'SHARED_RING_INVALID_BUFFER',
  'not a SharedRing buffer: %s',
  500,
  TypeError
)

/** The plugin was asked for a queue name that it does not know. */
export const UnknownQueueError = createError<'QUEUE_UNKNOWN', [string]>(
  'QUEUE_UNKNOWN',
  'no queue named %s is registered',
  500
)

/** Renders an option value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint') return `${value}n`
  if (value !== null && typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object'
  return String(value)
}

/** `readInto` was given a target smaller than the next message (the message stays in the ring). */
export const SharedRingTargetTooSmallError = createError<'SHARED_RING_TARGET_TOO_SMALL', [number, number]>(
  'SHARED_RING_TARGET_TOO_SMALL',
  'the next message has %d bytes but the target holds %d',
  500,
  RangeError
)
