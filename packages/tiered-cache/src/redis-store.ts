import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import type { ColdRecord, ColdStore, ColdWrite, WriteOutcome } from './cold-store.ts'
import { CacheInvalidOptionError } from './errors.ts'
import type { Payload } from './serializer.ts'

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * An ioredis `Redis` or `Cluster` client (left open by `close()`), or a `redis://` URL (the store
   * creates the client, with `maxRetriesPerRequest: 1` so writes fail fast while Redis is down and
   * the cache's own backoff retries them, and quits it on `close()`).
   */
  client: Redis | Cluster | string
  /** Key prefix; an entry lives at `<prefix>{<key>}` (a hash tag, for Redis Cluster). Default `'cbp:'`. */
  prefix?: string
  /**
   * Keyspace expiry notifications: `'configure'` (default) adds `Ex` to `notify-keyspace-events`
   * with `CONFIG SET` when missing, and warns if that is refused; `'assume'` trusts the server is
   * configured and only subscribes; `'off'` does not subscribe (expiry is then found only by
   * reconciliation).
   */
  keyspaceEvents?: 'configure' | 'assume' | 'off'
  /** Read payloads as Buffers (for binary serializers such as msgpackr). Default `false`. */
  returnBuffers?: boolean
  /** ioredis options overriding those of the dedicated subscriber connection(s). */
  subscriber?: Partial<RedisOptions>
}

// KEYS[1] key; ARGV: version, payload, ts, ttlMs. Returns 1 written, 2 already written (same
// version and payload: a retry of a write whose reply was lost), 0 stale (same or newer version).
const SET_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], 'v')
if cur then
  local c = tonumber(cur)
  local v = tonumber(ARGV[1])
  if c > v then return 0 end
  if c == v then
    if redis.call('HGET', KEYS[1], 'value') == ARGV[2] then return 2 end
    return 0
  end
end
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'v', ARGV[1], 'ts', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`

// The same compare-and-set for a whole batch in one call (standalone Redis: every key of a script
// call must live on one node). KEYS: the keys; ARGV: ts, ttlMs, then version and payload per key.
// One EVALSHA per batch instead of one per entry: command parsing and dispatch, in Redis and in
// ioredis, cost more than the script body (bench/tiered-cache/write-behind).
const SET_MANY_SCRIPT = `
local out = {}
local ts = ARGV[1]
local ttl = ARGV[2]
for i = 1, #KEYS do
  local k = KEYS[i]
  local ver = ARGV[2 * i + 1]
  local val = ARGV[2 * i + 2]
  local r = 1
  local cur = redis.call('HGET', k, 'v')
  if cur then
    local c = tonumber(cur)
    local v = tonumber(ver)
    if c > v then
      r = 0
    elseif c == v then
      if redis.call('HGET', k, 'value') == val then r = 2 else r = 0 end
    end
  end
  if r == 1 then
    redis.call('HSET', k, 'value', val, 'v', ver, 'ts', ts)
    redis.call('PEXPIRE', k, ttl)
  end
  out[i] = r
end
return out
`

// KEYS[1] key. Returns nil, or { value, v, pttl } read atomically.
const GET_SCRIPT = `
local r = redis.call('HMGET', KEYS[1], 'value', 'v')
if not r[1] then return nil end
return { r[1], r[2], redis.call('PTTL', KEYS[1]) }
`

type GetReply = [Payload, string | Buffer, number] | null
interface Commands {
  tieredCacheSetMany(numKeys: number, ...args: Array<string | number | Payload>): Promise<number[]>
  tieredCacheSet(key: string, version: number, payload: Payload, ts: number, ttlMs: number): Promise<number>
  tieredCacheGet(key: string): Promise<GetReply>
  tieredCacheGetBuffer(key: string): Promise<GetReply>
}
type Client = (Redis | Cluster) & Commands

function defineCommands(client: Redis | Cluster): Client {
  const c = client as Client
  if (typeof c.tieredCacheSet !== 'function') {
    client.defineCommand('tieredCacheSet', { numberOfKeys: 1, lua: SET_SCRIPT })
    client.defineCommand('tieredCacheGet', { numberOfKeys: 1, lua: GET_SCRIPT })
    client.defineCommand('tieredCacheSetMany', { lua: SET_MANY_SCRIPT })
  }
  return c
}

function hasExpiredEvents(flags: string): boolean {
  return flags.includes('E') && (flags.includes('x') || flags.includes('A'))
}

const ignore = (): void => {}

/**
 * The Redis cold store (ioredis). One hash per entry at `<prefix>{<key>}` with fields `value`, `v`
 * (version) and `ts` (write time), whose TTL every write refreshes. Writes are a compare-and-set
 * Lua script (loaded once with `defineCommand`, run with `EVALSHA`) sent in one pipeline per batch.
 * A dedicated connection subscribes to `__keyevent@<db>__:expired` and emits `'expired'(key)` for
 * keys under the prefix, and `'resync'` after every (re)subscribe.
 */
export class RedisStore extends EventEmitter implements ColdStore {
  /** The client this store uses. */
  readonly client: Redis | Cluster
  readonly prefix: string
  readonly #c: Client
  readonly #owned: boolean
  readonly #mode: 'configure' | 'assume' | 'off'
  readonly #buffers: boolean
  readonly #subOpts: Partial<RedisOptions>
  readonly #subs: Redis[] = []
  #ready: Promise<void> | undefined
  #closed = false

  constructor(opts: RedisStoreOptions) {
    super()
    const client = opts?.client
    if (typeof client === 'string') {
      // ioredis is an optional peer: load it only when the store has to create a client.
      const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis')
      this.client = new RedisClient(client, { maxRetriesPerRequest: 1 })
      this.client.on('error', ignore)
      this.#owned = true
    } else if (client && typeof client === 'object' && typeof client.defineCommand === 'function') {
      this.client = client
      this.#owned = false
    } else {
      throw new CacheInvalidOptionError('client', 'expected an ioredis Redis or Cluster client, or a URL')
    }
    this.prefix = opts.prefix ?? 'cbp:'
    if (typeof this.prefix !== 'string') throw new CacheInvalidOptionError('prefix', 'expected a string')
    const mode = opts.keyspaceEvents ?? 'configure'
    if (mode !== 'configure' && mode !== 'assume' && mode !== 'off') {
      throw new CacheInvalidOptionError(
        'keyspaceEvents',
        `expected 'configure', 'assume' or 'off', got ${String(mode)}`
      )
    }
    this.#mode = mode
    this.#buffers = opts.returnBuffers === true
    this.#subOpts = opts.subscriber ?? {}
    this.#c = defineCommands(this.client)
  }

  /** `<prefix>{<key>}`. */
  redisKey(key: string): string {
    return `${this.prefix}{${key}}`
  }

  async get(key: string): Promise<ColdRecord | undefined> {
    const k = this.redisKey(key)
    const r = this.#buffers ? await this.#c.tieredCacheGetBuffer(k) : await this.#c.tieredCacheGet(k)
    if (r === null) return undefined
    return { payload: r[0], version: Number(String(r[1])), ttlMs: r[2] }
  }

  async setMany(writes: readonly ColdWrite[], ttlMs: number): Promise<WriteOutcome[]> {
    const ts = Date.now()
    const ttl = Math.ceil(ttlMs)
    /* c8 ignore start: Redis Cluster cannot pipeline across slots; ioredis routes each command */
    if (this.client.isCluster) {
      return Promise.all(
        writes.map((w) =>
          this.#c.tieredCacheSet(this.redisKey(w.key), w.version, w.payload, ts, ttl).then(
            (n): WriteOutcome => (n === 0 ? 'stale' : 'written'),
            (err: Error): WriteOutcome => err
          )
        )
      )
    }
    /* c8 ignore stop */
    const n = writes.length
    const args: Array<string | number | Payload> = new Array(1 + 2 * n + 2)
    args[0] = n
    for (let i = 0; i < n; i++) {
      const w = writes[i] as ColdWrite
      args[1 + i] = this.redisKey(w.key)
      args[n + 3 + 2 * i] = w.version
      args[n + 4 + 2 * i] = w.payload
    }
    args[n + 1] = ts
    args[n + 2] = ttl
    const replies = await this.#c.tieredCacheSetMany(...(args as [number, ...string[]]))
    return replies.map((r): WriteOutcome => (r === 0 ? 'stale' : 'written'))
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.redisKey(key))
  }

  async pttl(keys: readonly string[]): Promise<number[]> {
    /* c8 ignore start */
    if (this.client.isCluster) return Promise.all(keys.map((k) => this.client.pttl(this.redisKey(k))))
    /* c8 ignore stop */
    const p = this.client.pipeline()
    for (const k of keys) p.pttl(this.redisKey(k))
    const replies = (await p.exec()) as [Error | null, number][]
    return replies.map(([err, n]) => {
      /* c8 ignore next: PTTL has no per-key failure; a lost connection fails the whole exec() */
      if (err) throw err
      return n
    })
  }

  /** Connects the expiry feed (configuring the server first in `'configure'` mode). Idempotent. */
  ready(): Promise<void> {
    this.#ready ??= this.#start()
    return this.#ready
  }

  #nodes(): Redis[] {
    /* c8 ignore next */
    return this.client.isCluster ? (this.client as Cluster).nodes('master') : [this.client as Redis]
  }

  async #start(): Promise<void> {
    if (this.#mode === 'off') return
    if (this.#mode === 'configure') {
      for (const node of this.#nodes()) {
        try {
          const [, flags = ''] = (await node.config('GET', 'notify-keyspace-events')) as string[]
          if (!hasExpiredEvents(flags)) await node.config('SET', 'notify-keyspace-events', `${flags}Ex`)
        } catch (err) {
          this.emit(
            'warning',
            `RedisStore: could not enable keyspace expiry notifications (CONFIG SET notify-keyspace-events Ex: ${
              (err as Error).message
            }). Enable them on the server (notify-keyspace-events Ex) and use keyspaceEvents: 'assume'; until then ` +
              'expired entries are found only by reconciliation.'
          )
        }
      }
    }
    /* c8 ignore next */
    const db = this.client.isCluster ? 0 : ((this.client as Redis).options.db ?? 0)
    const channel = `__keyevent@${db}__:expired`
    const prefix = `${this.prefix}{`
    await Promise.all(
      this.#nodes().map(
        (node) =>
          new Promise<void>((resolve, reject) => {
            const sub = node.duplicate({ autoResubscribe: false, maxRetriesPerRequest: 1, ...this.#subOpts })
            this.#subs.push(sub)
            let first = true
            sub.on('message', (_channel: string, message: string) => {
              if (message.startsWith(prefix) && message.endsWith('}')) {
                this.emit('expired', message.slice(prefix.length, -1))
              }
            })
            // ioredis reconnects by itself; whatever expired meanwhile is found by the 'resync' reconcile.
            sub.on('error', (err: Error) => {
              if (first) {
                first = false
                reject(err)
              }
            })
            sub.on('ready', () => {
              sub.subscribe(channel).then(() => {
                if (first) {
                  first = false
                  resolve()
                }
                if (!this.#closed) this.emit('resync')
              }, /* c8 ignore next */ ignore)
            })
          })
      )
    )
  }

  /** Closes the subscriber connection(s), and the client if this store created it. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const sub of this.#subs) sub.disconnect()
    if (this.#owned) {
      const c = this.client
      if (c.status === 'ready') {
        const ended = new Promise((resolve) => c.once('end', resolve))
        // QUIT resolves on its reply; 'end' follows when the socket is closed.
        await c.quit().then(() => ended, ignore)
      }
      c.disconnect()
    }
  }
}
