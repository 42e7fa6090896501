import { EventEmitter } from 'node:events'
import { normalizeServers, type Server, type ServerSpec } from './servers.ts'

/** One node of the ring: `server` (`host:port` as the balancer lists it), `weight`, `down`. */
export type Member = Server

/** What a `change` event carries: the member lists before and after, and the difference. */
export interface MembershipChange {
  readonly before: readonly Member[]
  readonly after: readonly Member[]
  readonly joined: readonly Member[]
  readonly left: readonly Member[]
}

/**
 * Where the member list comes from. Emits `change` (a {@link MembershipChange}) whenever the
 * list changes, and `error` (only when someone listens) when it cannot be refreshed.
 */
export interface Membership extends EventEmitter {
  /** The current members, in ring order. */
  readonly members: readonly Member[]
  /** Joins (Redis: first heartbeat, then the join announcement) and starts following changes. */
  start(): Promise<void>
  /** Stops following changes (Redis: and leaves, unless `{ leave: false }`). */
  stop(opts?: { leave?: boolean }): Promise<void>
}

/** `true` when both lists hold the same servers with the same weights in the same order. */
export function sameMembers(a: readonly Member[], b: readonly Member[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Member
    const y = b[i] as Member
    if (x.server !== y.server || x.weight !== y.weight || x.down !== y.down) return false
  }
  return true
}

/** The change from `before` to `after` (a weight or `down` change counts as a leave and a join). */
export function diffMembers(before: readonly Member[], after: readonly Member[]): MembershipChange {
  const key = (m: Member): string => `${m.server}\u0000${m.weight}\u0000${m.down}`
  const had = new Set(before.map(key))
  const has = new Set(after.map(key))
  return Object.freeze({
    before,
    after,
    joined: Object.freeze(after.filter((m) => !had.has(key(m)))),
    left: Object.freeze(before.filter((m) => !has.has(key(m))))
  })
}

/**
 * A fixed member list: the `server` lines of the nginx `upstream` block, in the same order
 * (order decides ties between equal points). `set()` replaces it, e.g. on a config reload.
 */
export class StaticMembership extends EventEmitter implements Membership {
  #members: readonly Member[]

  constructor(servers: readonly ServerSpec[]) {
    super()
    this.#members = normalizeServers(servers, 'members')
  }

  get members(): readonly Member[] {
    return this.#members
  }

  /** Replaces the list; emits `change` when it differs. */
  set(servers: readonly ServerSpec[]): void {
    const after = normalizeServers(servers, 'members')
    const before = this.#members
    if (sameMembers(before, after)) return
    this.#members = after
    this.emit('change', diffMembers(before, after))
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
