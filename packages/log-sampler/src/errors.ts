import createError from '@fastify/error'

/** `rate` is not a number in [0, 1]. Thrown by `createSampler()` / the plugin at startup. */
export const LOG_SAMPLER_INVALID_RATE = createError(
  'LOG_SAMPLER_INVALID_RATE',
  'log-sampler: option "rate" must be a number in [0, 1], got %s',
  500,
  RangeError
)

/** An option has the wrong type. */
export const LOG_SAMPLER_INVALID_OPTION = createError(
  'LOG_SAMPLER_INVALID_OPTION',
  'log-sampler: option "%s" must be %s, got %s',
  500,
  TypeError
)

/** A numeric option is out of its range. */
export const LOG_SAMPLER_OPTION_RANGE = createError(
  'LOG_SAMPLER_OPTION_RANGE',
  'log-sampler: option "%s" must be %s, got %s',
  500,
  RangeError
)
