import { EventEmitter } from 'node:events'
import type { ColdRecord, ColdStore, ColdWrite, WriteOutcome } from './cold-store.ts'
import { CacheInvalidOptionError } from './errors.ts'
import type { Payload } from './serializer.ts'

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Milliseconds between sweeps for expired entries (each emits `'expired'`). Default `1_000`. */
  sweepIntervalMs?: number
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number
}

interface Slot {
  payload: Payload
  version: number
  expiresAt: number
}

/**
 * An in-process cold store with per-entry TTL: the embedded default, and the model of the Redis
 * store's semantics (versioned compare-and-set writes, `'expired'` events). Entries are kept
 * serialised, so a load returns a fresh copy just as Redis would.
 */
export class MemoryStore extends EventEmitter implements ColdStore {
  readonly #map = new Map<string, Slot>()
  readonly #now: () => number
  readonly #timer: NodeJS.Timeout

  constructor(opts: MemoryStoreOptions = {}) {
    super()
    const sweepIntervalMs = opts.sweepIntervalMs ?? 1_000
    if (typeof sweepIntervalMs !== 'number' || !(sweepIntervalMs > 0)) {
      throw new CacheInvalidOptionError(
        'sweepIntervalMs',
        `expected a number > 0, got ${String(sweepIntervalMs)}`
      )
    }
    this.#now = opts.now ?? Date.now
    this.#timer = setInterval(() => this.sweep(), sweepIntervalMs).unref()
  }

  /** Number of entries held (expired ones included until swept). */
  get size(): number {
    return this.#map.size
  }

  #live(key: string, now: number): Slot | undefined {
    const slot = this.#map.get(key)
    if (slot === undefined) return undefined
    if (slot.expiresAt <= now) {
      this.#map.delete(key)
      this.emit('expired', key)
      return undefined
    }
    return slot
  }

  async get(key: string): Promise<ColdRecord | undefined> {
    const now = this.#now()
    const slot = this.#live(key, now)
    if (slot === undefined) return undefined
    return { payload: slot.payload, version: slot.version, ttlMs: slot.expiresAt - now }
  }

  async setMany(writes: readonly ColdWrite[], ttlMs: number): Promise<WriteOutcome[]> {
    const now = this.#now()
    const out: WriteOutcome[] = new Array(writes.length)
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i] as ColdWrite
      const slot = this.#live(w.key, now)
      if (slot !== undefined && slot.version >= w.version) {
        out[i] = slot.version === w.version && slot.payload === w.payload ? 'written' : 'stale'
        continue
      }
      this.#map.set(w.key, { payload: w.payload, version: w.version, expiresAt: now + ttlMs })
      out[i] = 'written'
    }
    return out
  }

  async delete(key: string): Promise<void> {
    this.#map.delete(key)
  }

  async pttl(keys: readonly string[]): Promise<number[]> {
    const now = this.#now()
    return keys.map((key) => {
      const slot = this.#live(key, now)
      return slot === undefined ? -2 : slot.expiresAt - now
    })
  }

  /** Removes every expired entry, emitting `'expired'(key)` for each. Runs on a timer too. */
  sweep(): void {
    const now = this.#now()
    for (const key of this.#map.keys()) this.#live(key, now)
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#timer)
  }
}
