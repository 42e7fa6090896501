import { EventEmitter } from 'node:events'
import type { Cluster, Redis } from 'ioredis'
import {
  AFFINITY_CLOSED,
  AFFINITY_INVALID_OPTION,
  AFFINITY_OPTION_RANGE,
  AFFINITY_REDIS_ERROR
} from './errors.ts'
import { diffMembers, type Member, type Membership, sameMembers } from './membership.ts'
import { normalizeServer, type ServerSpec, show } from './servers.ts'

/** Options of {@link RedisMembership}. */
export interface RedisMembershipOptions {
  /** An ioredis client (`Redis` or `Cluster`). It stays open: the membership only closes the subscriber it duplicates from it. */
  redis: Redis | Cluster
  /** This node: `server` is its `host:port` as the balancer lists it; `weight` defaults to 1. */
  self: ServerSpec
  /**
   * Prefix of the membership keys and channel. The `{...}` hash tag keeps every key in one Redis
   * Cluster slot, so the member list is read with one MGET. Default `'{affinity}:'`.
   */
  keyPrefix?: string
  /** Milliseconds a heartbeat lives; a node that stops heartbeating leaves the ring this long after its last beat. Default `5000`. */
  ttlMs?: number
  /** Milliseconds between heartbeats (each also re-reads the member list). Must be < `ttlMs`. Default `1000`. */
  heartbeatMs?: number
}

/**
 * Membership over Redis: every node keeps a heartbeat key `<prefix>m:<server>` = weight with a
 * TTL, is listed in the set `<prefix>members`, and announces join/leave on the channel
 * `<prefix>events`. Each node re-reads the list on every announcement and every heartbeat, so
 * all nodes build the same ring from the same list (sorted by `server`); a member whose key
 * expired is dropped from the set by whichever node notices first.
 */
export class RedisMembership extends EventEmitter implements Membership {
  readonly self: Member
  readonly ttlMs: number
  readonly heartbeatMs: number
  readonly #redis: Redis | Cluster
  readonly #setKey: string
  readonly #prefix: string
  readonly #channel: string
  #members: readonly Member[] = Object.freeze([])
  #subscriber: Redis | Cluster | null = null
  #timer: NodeJS.Timeout | null = null
  #refreshing: Promise<void> | null = null
  #again = false
  #state: 'idle' | 'started' | 'stopped' = 'idle'

  constructor(opts: RedisMembershipOptions) {
    super()
    if (opts === null || typeof opts !== 'object') {
      throw new AFFINITY_INVALID_OPTION('options', 'an object', show(opts))
    }
    const redis = opts.redis
    if (redis === null || typeof redis !== 'object' || typeof redis.duplicate !== 'function') {
      throw new AFFINITY_INVALID_OPTION('redis', 'an ioredis client', show(redis))
    }
    this.#redis = redis
    const self = normalizeServer(opts.self, 'self')
    this.self = Object.freeze({ server: self.server, weight: self.weight, down: false })
    const prefix = opts.keyPrefix ?? '{affinity}:'
    if (typeof prefix !== 'string') throw new AFFINITY_INVALID_OPTION('keyPrefix', 'a string', show(prefix))
    this.#prefix = prefix
    this.#setKey = `${prefix}members`
    this.#channel = `${prefix}events`
    this.ttlMs = checkMs('ttlMs', opts.ttlMs ?? 5000, 2)
    this.heartbeatMs = checkMs('heartbeatMs', opts.heartbeatMs ?? 1000, 1)
    if (this.heartbeatMs >= this.ttlMs) {
      throw new AFFINITY_OPTION_RANGE('heartbeatMs', `< ttlMs (${this.ttlMs})`, show(this.heartbeatMs))
    }
  }

  get members(): readonly Member[] {
    return this.#members
  }

  #memberKey(server: string): string {
    return `${this.#prefix}m:${server}`
  }

  async #beat(): Promise<void> {
    const { server, weight } = this.self
    await this.#redis
      .multi()
      .set(this.#memberKey(server), String(weight), 'PX', this.ttlMs)
      .sadd(this.#setKey, server)
      .exec()
  }

  async #load(): Promise<void> {
    const names = (await this.#redis.smembers(this.#setKey)).sort()
    const weights = names.length === 0 ? [] : await this.#redis.mget(names.map((n) => this.#memberKey(n)))
    const after: Member[] = []
    const stale: string[] = []
    names.forEach((server, i) => {
      const w = Number(weights[i])
      if (weights[i] === null || !(Number.isInteger(w) && w >= 1)) stale.push(server)
      else after.push(Object.freeze({ server, weight: w, down: false }))
    })
    if (stale.length > 0) await this.#redis.srem(this.#setKey, ...stale)
    // A change that lands after stop() would only confuse a node that has left.
    if (this.#state === 'stopped') return
    const before = this.#members
    if (sameMembers(before, after)) return
    this.#members = Object.freeze(after)
    this.emit('change', diffMembers(before, this.#members))
  }

  /**
   * Re-reads the member list now (also done on every announcement and heartbeat). Calls that
   * arrive while one is running share it and cause one more read after it.
   */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true
      return this.#refreshing
    }
    const run = async (): Promise<void> => {
      do {
        this.#again = false
        await this.#load()
      } while (this.#again)
    }
    this.#refreshing = run().finally(() => {
      this.#refreshing = null
    })
    return this.#refreshing
  }

  #fail(op: string, err: unknown): void {
    // Without an 'error' listener EventEmitter would throw from a timer; the ring simply keeps
    // its last known members until Redis answers again.
    if (this.listenerCount('error') > 0) this.emit('error', new AFFINITY_REDIS_ERROR(op, { cause: err }))
  }

  #tick = (): void => {
    this.#beat()
      .then(() => this.refresh())
      .catch((err: unknown) => this.#fail('heartbeat', err))
      .finally(() => {
        if (this.#state === 'started') this.#timer?.refresh()
      })
  }

  /** Registers this node (heartbeat), subscribes, announces the join and reads the member list. */
  async start(): Promise<void> {
    if (this.#state === 'stopped') throw new AFFINITY_CLOSED()
    if (this.#state === 'started') return
    this.#state = 'started'
    try {
      await this.#beat()
      const sub = this.#redis.duplicate()
      this.#subscriber = sub
      sub.on('message', () => {
        this.refresh().catch((err: unknown) => this.#fail('refresh', err))
      })
      // The subscriber reconnects on its own; errors are already reported by the heartbeat.
      sub.on('error', () => {})
      await sub.subscribe(this.#channel)
      await this.#redis.publish(this.#channel, `join ${this.self.server}`)
      await this.refresh()
    } catch (err) {
      await this.stop({ leave: false })
      throw new AFFINITY_REDIS_ERROR('start', { cause: err })
    }
    this.#timer = setTimeout(this.#tick, this.heartbeatMs).unref()
  }

  /**
   * Stops heartbeating and following. With `leave` (default `true`) this node also removes its
   * key and announces the leave, so the others drop it at once instead of after `ttlMs`.
   */
  async stop(opts: { leave?: boolean } = {}): Promise<void> {
    if (this.#state === 'stopped') return
    const wasStarted = this.#state === 'started'
    this.#state = 'stopped'
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const sub = this.#subscriber
    this.#subscriber = null
    if (sub) sub.disconnect()
    if (!wasStarted || opts.leave === false) return
    const server = this.self.server
    try {
      await this.#redis.multi().del(this.#memberKey(server)).srem(this.#setKey, server).exec()
      await this.#redis.publish(this.#channel, `leave ${server}`)
    } catch (err) {
      throw new AFFINITY_REDIS_ERROR('leave', { cause: err })
    }
  }
}

function checkMs(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number')
    throw new AFFINITY_INVALID_OPTION(name, 'a number of milliseconds', show(value))
  if (!Number.isInteger(value) || value < min) {
    throw new AFFINITY_OPTION_RANGE(name, `an integer >= ${min}`, show(value))
  }
  return value
}
