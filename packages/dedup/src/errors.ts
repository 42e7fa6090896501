import createError from '@fastify/error'

/** A bad option value: thrown once, at construction or when the options object is checked. */
export const InvalidOptionError = createError('DEDUP_INVALID_OPTION', 'Invalid option %s: %s', 500, TypeError)

/** A number option outside its range. */
export const OptionRangeError = createError(
  'DEDUP_OPTION_RANGE',
  'Option %s out of range: %s',
  500,
  RangeError
)
