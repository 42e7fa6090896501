import { InvalidCapacityError, InvalidOptionError, InvalidOptionTypeError, show } from './errors.ts'

/** Largest ring capacity (slots or bytes) accepted: 2^30. */
export const MAX_CAPACITY = 2 ** 30

/** A clock in milliseconds; only differences between readings matter. */
export type Clock = () => number

/** The default clock: `performance.now()` (monotonic, sub-millisecond). */
export const defaultNow: Clock = () => performance.now()

/** Rounds a capacity up to the next power of two after checking it. */
export function powerOfTwoCapacity(capacity: unknown): number {
  if (
    typeof capacity !== 'number' ||
    !Number.isInteger(capacity) ||
    capacity < 1 ||
    capacity > MAX_CAPACITY
  ) {
    throw new InvalidCapacityError(MAX_CAPACITY, show(capacity))
  }
  return capacity <= 1 ? 1 : 2 ** Math.ceil(Math.log2(capacity))
}

/** Checks a number option: finite and within `[min, max]` (integers only when `integer`). */
export function checkNumber(
  name: string,
  value: unknown,
  min: number,
  max = Number.POSITIVE_INFINITY,
  integer = false
): number {
  if (typeof value !== 'number') {
    throw new InvalidOptionTypeError(name, 'a number', show(value))
  }
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `between ${min} and ${max}`
    throw new InvalidOptionError(name, `${integer ? 'an integer' : 'a finite number'} ${range}`, show(value))
  }
  return value
}

/** Checks a function option. */
export function checkFunction<F>(name: string, value: unknown): F {
  if (typeof value !== 'function') throw new InvalidOptionTypeError(name, 'a function', show(value))
  return value as F
}

/** Checks that an options argument is an object (or absent). */
export function checkObject(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionTypeError(name, 'an object', show(value))
  }
  return value as Record<string, unknown>
}
