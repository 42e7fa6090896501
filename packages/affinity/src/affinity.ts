import { EventEmitter } from 'node:events'
import { AFFINITY_MINT_EXHAUSTED, AFFINITY_NOT_A_MEMBER } from './errors.ts'
import { KetamaRing } from './ketama-ring.ts'
import { type Member, type Membership, type MembershipChange, StaticMembership } from './membership.ts'
import { NginxRing } from './nginx-ring.ts'
import { type AffinityOptions, type NormalizedOptions, normalizeOptions } from './options.ts'
import { RedisMembership } from './redis-membership.ts'
import type { Ring, Server } from './servers.ts'

/** A `change` event of {@link Affinity}: the membership change plus the rings before and after. */
export interface AffinityChange extends MembershipChange {
  readonly previous: Ring
  readonly ring: Ring
}

/**
 * One node's view of the ring: who owns a uid, whether this node does, and fresh uids this node
 * owns. Follows its membership (static, Redis, or your own) and emits `change` with the rings
 * before and after, so a server can redirect or hand over the users that moved.
 */
export class Affinity extends EventEmitter {
  readonly self: Server
  readonly membership: Membership
  readonly #opts: NormalizedOptions
  #ring: Ring
  #selfIn = false
  readonly #onChange = (change: MembershipChange): void => {
    const previous = this.#ring
    this.#setRing(change.after)
    this.emit('change', Object.freeze({ ...change, previous, ring: this.#ring }))
  }
  readonly #onError = (err: unknown): void => {
    if (this.listenerCount('error') > 0) this.emit('error', err)
  }

  constructor(opts: AffinityOptions) {
    super()
    const o = normalizeOptions(opts)
    this.#opts = o
    this.self = o.self
    this.membership =
      o.membership ??
      (o.members
        ? new StaticMembership(o.members)
        : new RedisMembership({
            redis: o.redis as NonNullable<NormalizedOptions['redis']>,
            self: o.self,
            keyPrefix: o.keyPrefix,
            ttlMs: o.ttlMs,
            heartbeatMs: o.heartbeatMs
          }))
    this.#ring = this.#build(this.membership.members)
    this.#selfIn = this.#contains(this.membership.members)
    this.membership.on('change', this.#onChange)
    this.membership.on('error', this.#onError)
  }

  #build(members: readonly Member[]): Ring {
    return this.#opts.ring === 'ketama' ? new KetamaRing(members) : new NginxRing(members)
  }

  #contains(members: readonly Member[]): boolean {
    return members.some((m) => m.server === this.self.server && !m.down)
  }

  #setRing(members: readonly Member[]): void {
    this.#ring = this.#build(members)
    this.#selfIn = this.#contains(members)
  }

  /** The current ring. */
  get ring(): Ring {
    return this.#ring
  }

  /** The current members, in ring order. */
  get members(): readonly Member[] {
    return this.membership.members
  }

  /** Joins and follows the membership. */
  start(): Promise<void> {
    return this.membership.start()
  }

  /** Leaves (Redis: announces it, unless `{ leave: false }`) and stops following. */
  async stop(opts?: { leave?: boolean }): Promise<void> {
    this.membership.off('change', this.#onChange)
    await this.membership.stop(opts)
    this.membership.off('error', this.#onError)
  }

  /**
   * The ring of the current members without `server` (default: this node): where each of this
   * node's users goes once it has left. For the pre-stop handover: redirect every owned user to
   * `affinity.ringWithout().owner(uid)` before `stop()`. Throws `AFFINITY_EMPTY_RING` on `owner()`
   * when `server` was the only member.
   */
  ringWithout(server: string = this.self.server): Ring {
    return this.#build(this.membership.members.filter((m) => m.server !== server))
  }

  /** The `server` that owns `uid` (the uid as the balancer hashes it). Throws `AFFINITY_EMPTY_RING` with no members. */
  ownerOf(uid: string): string {
    return this.#ring.owner(uid)
  }

  /** Whether this node owns `uid`. */
  owns(uid: string): boolean {
    return this.#selfIn && this.#ring.owner(uid) === this.self.server
  }

  /**
   * A fresh uid this node owns: candidates from `generateUid` are drawn until one lands on this
   * node (about members x total weight / own weight draws on average). Throws
   * `AFFINITY_NOT_A_MEMBER` when this node is not in the ring, `AFFINITY_MINT_EXHAUSTED` after
   * `maxMintAttempts` misses.
   */
  mintUid(): string {
    if (!this.#selfIn) throw new AFFINITY_NOT_A_MEMBER(this.self.server)
    const { generateUid, maxMintAttempts } = this.#opts
    const ring = this.#ring
    const self = this.self.server
    for (let i = 0; i < maxMintAttempts; i++) {
      const uid = generateUid()
      if (ring.owner(uid) === self) return uid
    }
    throw new AFFINITY_MINT_EXHAUSTED(maxMintAttempts, self)
  }
}
