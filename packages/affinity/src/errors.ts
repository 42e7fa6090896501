import createError from '@fastify/error'

/** An option has the wrong type. Thrown by constructors and the plugin at startup. */
export const AFFINITY_INVALID_OPTION = createError(
  'AFFINITY_INVALID_OPTION',
  'affinity: option "%s" must be %s, got %s',
  500,
  TypeError
)

/** A numeric option is out of its range. */
export const AFFINITY_OPTION_RANGE = createError(
  'AFFINITY_OPTION_RANGE',
  'affinity: option "%s" must be %s, got %s',
  500,
  RangeError
)

/** The same server is listed twice in one ring. */
export const AFFINITY_DUPLICATE_SERVER = createError(
  'AFFINITY_DUPLICATE_SERVER',
  'affinity: server "%s" is listed twice; list each upstream server once',
  500,
  RangeError
)

/** `owner()` on a ring with no server that is up (no members yet, or every server marked down). */
export const AFFINITY_EMPTY_RING = createError(
  'AFFINITY_EMPTY_RING',
  'affinity: the ring has no server that is up, so no key has an owner; wait for membership (start()) or list at least one server that is not down',
  503
)

/** `mintUid()` while this node is not in the ring. */
export const AFFINITY_NOT_A_MEMBER = createError(
  'AFFINITY_NOT_A_MEMBER',
  'affinity: this node (%s) is not in the ring, so it owns no uid; call start() first, and list it in the members',
  503
)

/** `mintUid()` drew `maxMintAttempts` uids and this node owned none of them. */
export const AFFINITY_MINT_EXHAUSTED = createError(
  'AFFINITY_MINT_EXHAUSTED',
  'affinity: none of %s generated uids is owned by this node (%s); its share of the ring is too small (raise its weight) or raise maxMintAttempts',
  503
)

/** A Redis command of the membership failed; the Redis error is the `cause`. */
export const AFFINITY_REDIS_ERROR = createError(
  'AFFINITY_REDIS_ERROR',
  'affinity: Redis membership %s failed; check that Redis is reachable (the ring keeps its last known members meanwhile)',
  503
)

/** The membership was stopped; it cannot be started again. */
export const AFFINITY_CLOSED = createError(
  'AFFINITY_CLOSED',
  'affinity: the membership was stopped; create a new one to join again',
  500
)
