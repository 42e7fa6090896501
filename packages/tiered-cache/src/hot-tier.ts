import QuickLRU from 'quick-lru'
import type { Payload } from './serializer.ts'
import { FrequencySketch, hashKey } from './sketch.ts'

/** Entry state: in sync with the cold store. */
export const CLEAN = 0
/** Entry state: written, waiting for the flusher. */
export const DIRTY = 1
/** Entry state: in a batch being written to the cold store. */
export const INFLIGHT = 2

/** One resident entry. The same object stays in the LRU for the key's whole stay (updated in place). */
export class HotEntry<V = unknown> {
  key: string
  value: V
  /** 32-bit hash of the key, computed once, for the frequency sketch. */
  hash: number
  /** Clock time after which a clean entry must be checked against the cold store. */
  expiresAt: number
  /** Version of the value (compare-and-set in the cold store). */
  version: number
  /** CLEAN, DIRTY or INFLIGHT. */
  state: number
  /** Held by `pin()`; never evicted. */
  pinned: boolean
  /** Serialised value while dirty; released once clean. */
  payload: Payload | undefined
  /** Clock time the entry became dirty (flush lag). */
  dirtySince: number

  constructor(key: string, value: V, hash: number, expiresAt: number, version: number) {
    this.key = key
    this.value = value
    this.hash = hash
    this.expiresAt = expiresAt
    this.version = version
    this.state = CLEAN
    this.pinned = false
    this.payload = undefined
    this.dirtySince = 0
  }
}

/** Options of {@link HotTier}. */
export interface HotTierOptions {
  /** Most resident entries, unless only dirty or pinned entries remain. */
  maxSize: number
  /** `'tinylfu'` (default) or `'none'`. */
  admission?: 'tinylfu' | 'none'
}

/** Counters of {@link HotTier}. */
export interface HotTierStats {
  size: number
  maxSize: number
  /** Entries above `maxSize` right now (only dirty or pinned entries were left to evict). */
  overflow: number
  /** Largest overflow seen. */
  maxOverflow: number
  evictions: number
  admitted: number
  rejected: number
}

const noop = (_h: number): void => {}

/**
 * The hot tier: quick-lru for recency, with the number of resident entries enforced here.
 *
 * quick-lru keeps two generations and can hold up to twice its `maxSize`
 * (sindresorhus/quick-lru#17). We give it `maxSize` = our bound and never let more than that many
 * distinct keys in: each key sits in exactly one generation (we touch with `get`, which moves a key
 * out of the old generation, and never `set` an existing key), so when quick-lru rotates its
 * generations every resident key is in the new one and the discarded old one is empty: quick-lru
 * never drops an entry on its own. Eviction is ours: the least recent clean, unpinned entry, unless
 * TinyLFU says a loaded candidate is less valuable than that victim.
 */
export class HotTier<V = unknown> {
  readonly maxSize: number
  readonly #lru: QuickLRU<string, HotEntry<V>>
  readonly #sketch: FrequencySketch | undefined
  readonly #record: (h: number) => void
  readonly #recordHit: (h: number) => void
  readonly #skipped: string[] = []
  #size = 0
  #protected = 0
  #maxOverflow = 0
  #evictions = 0
  #admitted = 0
  #rejected = 0

  constructor(opts: HotTierOptions) {
    this.maxSize = opts.maxSize
    this.#lru = new QuickLRU({ maxSize: opts.maxSize })
    if (opts.admission === 'none') {
      this.#record = noop
      this.#recordHit = noop
    } else {
      const sketch = new FrequencySketch(opts.maxSize)
      this.#sketch = sketch
      this.#record = (h) => sketch.increment(h)
      this.#recordHit = (h) => sketch.incrementResident(h)
    }
  }

  /** Resident entries. */
  get size(): number {
    return this.#size
  }

  /** Looks a key up, marks it recently used and counts the access. */
  get(key: string): HotEntry<V> | undefined {
    const e = this.#lru.get(key)
    if (e !== undefined) this.#recordHit(e.hash)
    return e
  }

  /** Looks a key up without touching recency or frequency. */
  peek(key: string): HotEntry<V> | undefined {
    return this.#lru.peek(key)
  }

  /** Counts an access to a key that is not resident (a miss); returns its hash. */
  recordMiss(key: string): number {
    const h = hashKey(key)
    this.#record(h)
    return h
  }

  /**
   * Inserts a new entry (the key must not be resident). `candidate` entries (loaded from the cold
   * store) pass the admission filter; others (`set`, pinned keys) are always admitted.
   * Returns whether the entry is now resident.
   */
  insert(e: HotEntry<V>, candidate: boolean): boolean {
    if (this.#size >= this.maxSize) {
      const victim = this.#protected >= this.#size ? undefined : this.#victim()
      if (victim !== undefined) {
        const sketch = this.#sketch
        if (candidate && sketch !== undefined && sketch.frequency(e.hash) <= sketch.frequency(victim.hash)) {
          this.#rejected++
          return false
        }
        this.#lru.delete(victim.key)
        this.#size--
        this.#evictions++
      }
    }
    if (this.#size >= this.#lru.maxSize) {
      // Only dirty or pinned entries left: grow instead of dropping data; trim() shrinks back.
      this.#lru.resize(Math.max(this.#size + 1, Math.ceil(this.#lru.maxSize * 1.25)))
    }
    this.#lru.set(e.key, e)
    this.#size++
    if (e.state !== CLEAN || e.pinned) this.#protected++
    if (candidate) this.#admitted++
    const over = this.#size - this.maxSize
    if (over > this.#maxOverflow) this.#maxOverflow = over
    return true
  }

  /** Removes a key; returns the entry that was resident. */
  delete(key: string): HotEntry<V> | undefined {
    const e = this.#lru.peek(key)
    if (e === undefined) return undefined
    this.#lru.delete(key)
    this.#size--
    if (e.state !== CLEAN || e.pinned) this.#protected--
    return e
  }

  /** Changes a resident entry's state and/or pin, keeping the count of unevictable entries right. */
  update(e: HotEntry<V>, state: number, pinned: boolean): void {
    const was = e.state !== CLEAN || e.pinned
    e.state = state
    e.pinned = pinned
    const is = state !== CLEAN || pinned
    if (was !== is) this.#protected += is ? 1 : -1
  }

  /** Evicts clean, unpinned entries until the tier is back within `maxSize` (after an overflow). */
  trim(): void {
    while (this.#size > this.maxSize && this.#protected < this.#size) {
      const victim = this.#victim()
      /* c8 ignore next */
      if (victim === undefined) break
      this.#lru.delete(victim.key)
      this.#size--
      this.#evictions++
    }
    if (this.#lru.maxSize > this.maxSize && this.#size <= this.maxSize) this.#lru.resize(this.maxSize)
  }

  /** Resident entries, least recent first. */
  entries(): IterableIterator<[string, HotEntry<V>]> {
    return this.#lru.entriesAscending()
  }

  stats(): HotTierStats {
    return {
      size: this.#size,
      maxSize: this.maxSize,
      overflow: Math.max(0, this.#size - this.maxSize),
      maxOverflow: this.#maxOverflow,
      evictions: this.#evictions,
      admitted: this.#admitted,
      rejected: this.#rejected
    }
  }

  /** The least recent evictable entry. Unevictable ones met on the way get a second chance (moved to
   * the recent end) so the next search does not walk past them again. */
  #victim(): HotEntry<V> | undefined {
    const skipped = this.#skipped
    let victim: HotEntry<V> | undefined
    for (const [, e] of this.#lru.entriesAscending()) {
      if (e.state === CLEAN && !e.pinned) {
        victim = e
        break
      }
      skipped.push(e.key)
    }
    for (let i = 0; i < skipped.length; i++) this.#lru.get(skipped[i] as string)
    skipped.length = 0
    return victim
  }
}
