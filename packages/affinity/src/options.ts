import { randomUUID } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import { AFFINITY_INVALID_OPTION, AFFINITY_OPTION_RANGE } from './errors.ts'
import type { Membership } from './membership.ts'
import { normalizeServer, type Server, type ServerSpec, show } from './servers.ts'

/** Which ring the balancer in front of the nodes uses. */
export type RingKind = 'nginx' | 'ketama'

/** Options of {@link Affinity} (and of the Fastify plugin). */
export interface AffinityOptions {
  /** This node: its `host:port` exactly as the balancer lists it (a string, or `{ server, weight }`). Required. */
  self: string | ServerSpec
  /**
   * Static membership: the balancer's server list, in its order (nginx `upstream` lines). Give
   * exactly one of `members`, `redis` or `membership`.
   */
  members?: readonly ServerSpec[]
  /** Redis membership over this ioredis client (`Redis` or `Cluster`), which stays open. */
  redis?: Redis | Cluster
  /** Any other {@link Membership} implementation. */
  membership?: Membership
  /** Ring the balancer uses: `'nginx'` (`hash $key consistent`) or `'ketama'` (libketama MD5). Default `'nginx'`. */
  ring?: RingKind
  /** Redis membership: prefix of its keys and channel. Default `'{affinity}:'`. */
  keyPrefix?: string
  /** Redis membership: heartbeat TTL in milliseconds. Default `5000`. */
  ttlMs?: number
  /** Redis membership: milliseconds between heartbeats, < `ttlMs`. Default `1000`. */
  heartbeatMs?: number
  /** Makes one candidate uid for `mintUid()`; must be URL-safe so the uid nginx hashes is the uid itself. Default `crypto.randomUUID`. */
  generateUid?: () => string
  /** Candidates `mintUid()` draws before it gives up with `AFFINITY_MINT_EXHAUSTED`. Integer >= 1. Default `1000`. */
  maxMintAttempts?: number
}

/** Options after validation. */
export interface NormalizedOptions {
  readonly self: Server
  readonly members: readonly ServerSpec[] | null
  readonly redis: Redis | Cluster | null
  readonly membership: Membership | null
  readonly ring: RingKind
  readonly keyPrefix: string | undefined
  readonly ttlMs: number | undefined
  readonly heartbeatMs: number | undefined
  readonly generateUid: () => string
  readonly maxMintAttempts: number
}

/** Defaults of the options that have one here (Redis ones: see `RedisMembership`). */
export const DEFAULTS = Object.freeze({
  ring: 'nginx' as RingKind,
  generateUid: randomUUID as () => string,
  maxMintAttempts: 1000
})

/** Validates options once and returns a new frozen object; never mutates `opts`. */
export function normalizeOptions(opts: AffinityOptions): NormalizedOptions {
  if (opts === null || typeof opts !== 'object') {
    throw new AFFINITY_INVALID_OPTION('options', 'an object', show(opts))
  }
  const self = normalizeServer(typeof opts.self === 'string' ? { server: opts.self } : opts.self, 'self')
  const sources = [opts.members, opts.redis, opts.membership].filter((x) => x !== undefined && x !== null)
  if (sources.length !== 1) {
    throw new AFFINITY_INVALID_OPTION(
      'members/redis/membership',
      'exactly one of them',
      `${sources.length} of them`
    )
  }
  const membership = opts.membership ?? null
  if (membership !== null && (typeof membership !== 'object' || typeof membership.start !== 'function')) {
    throw new AFFINITY_INVALID_OPTION('membership', 'a Membership', show(membership))
  }
  const ring = opts.ring ?? DEFAULTS.ring
  if (ring !== 'nginx' && ring !== 'ketama') {
    throw new AFFINITY_INVALID_OPTION('ring', '"nginx" or "ketama"', show(ring))
  }
  const generateUid = opts.generateUid ?? DEFAULTS.generateUid
  if (typeof generateUid !== 'function') {
    throw new AFFINITY_INVALID_OPTION('generateUid', 'a function', show(generateUid))
  }
  const maxMintAttempts = opts.maxMintAttempts ?? DEFAULTS.maxMintAttempts
  if (typeof maxMintAttempts !== 'number') {
    throw new AFFINITY_INVALID_OPTION('maxMintAttempts', 'a number', show(maxMintAttempts))
  }
  if (!Number.isInteger(maxMintAttempts) || maxMintAttempts < 1) {
    throw new AFFINITY_OPTION_RANGE('maxMintAttempts', 'an integer >= 1', show(maxMintAttempts))
  }
  return Object.freeze({
    self,
    members: opts.members ?? null,
    redis: opts.redis ?? null,
    membership,
    ring,
    keyPrefix: opts.keyPrefix,
    ttlMs: opts.ttlMs,
    heartbeatMs: opts.heartbeatMs,
    generateUid,
    maxMintAttempts
  })
}
