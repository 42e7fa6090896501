import type { Payload } from './serializer.ts'

/** One entry as the cold store holds it. */
export interface ColdRecord {
  /** The serialised value. */
  payload: Payload
  /** The version of the write that produced it. */
  version: number
  /** Milliseconds until it expires; `-1` when it has no expiry. */
  ttlMs: number
}

/** One versioned write of {@link ColdStore.setMany}. */
export interface ColdWrite {
  key: string
  payload: Payload
  /** Applied only if newer than the stored version (compare-and-set). */
  version: number
}

/**
 * Outcome of one write: `'written'` (applied, or already applied by an earlier attempt of the same
 * write), `'stale'` (the store holds the same or a newer version: skipped), or the error of that
 * one write (it will be retried).
 */
export type WriteOutcome = 'written' | 'stale' | Error

/**
 * The cold tier behind the hot tier. Implementations: `RedisStore`, `MemoryStore`.
 *
 * Events: `'expired'(key)` when an entry expires in the store; `'resync'()` after the store
 * (re)connects its expiry feed, when events may have been missed; `'warning'(message)`.
 */
export interface ColdStore {
  /** Reads one entry, or `undefined` when it does not exist (or has expired). */
  get(key: string): Promise<ColdRecord | undefined>
  /**
   * Writes many entries, each a compare-and-set on its version, and refreshes each written entry's
   * TTL to `ttlMs`. Resolves with one outcome per write, in order; rejects when the whole batch failed.
   */
  setMany(writes: readonly ColdWrite[], ttlMs: number): Promise<WriteOutcome[]>
  /** Deletes one entry. */
  delete(key: string): Promise<void>
  /** Remaining TTL per key in milliseconds: `-2` gone, `-1` no expiry (pipelined `PTTL` on Redis). */
  pttl(keys: readonly string[]): Promise<number[]>
  /** Waits until the store is usable (connected, expiry feed subscribed). */
  ready(): Promise<void>
  /** Releases what the store created (connections, timers). */
  close(): Promise<void>
  on(event: 'expired', listener: (key: string) => void): this
  on(event: 'resync', listener: () => void): this
  on(event: 'warning', listener: (message: string) => void): this
  // biome-ignore lint/suspicious/noExplicitAny: matches EventEmitter's own signature
  off(event: string, listener: (...args: any[]) => void): this
}
