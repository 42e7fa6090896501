export { Affinity, type AffinityChange } from './affinity.ts'
export * from './errors.ts'
export { type KetamaOptions, KetamaRing } from './ketama-ring.ts'
export {
  diffMembers,
  type Member,
  type Membership,
  type MembershipChange,
  StaticMembership,
  sameMembers
} from './membership.ts'
export { NGINX_POINTS_PER_WEIGHT, NginxRing, nginxPoints, splitServer } from './nginx-ring.ts'
export {
  type AffinityOptions,
  DEFAULTS,
  type NormalizedOptions,
  normalizeOptions,
  type RingKind
} from './options.ts'
export { RedisMembership, type RedisMembershipOptions } from './redis-membership.ts'
export { MAX_WEIGHT, type Ring, type Server, type ServerSpec } from './servers.ts'
