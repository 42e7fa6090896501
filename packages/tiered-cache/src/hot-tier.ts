import type { Payload } from './serializer.ts'
import { FrequencySketch, hashKey } from './sketch.ts'

/** Entry state: in sync with the cold store. */
export const CLEAN = 0
/** Entry state: written, waiting for the flusher. */
export const DIRTY = 1
/** Entry state: in a batch being written to the cold store. */
export const INFLIGHT = 2
/**
 * Entry state: written, but the serializer refused the value at flush time. Kept resident and
 * unevictable (the write is not durable, and it is not dropped) until the next `set()` or `delete()`
 * of the key; counted in `stats().dirty` and `stats().invalidValues`, listed by `dirtyKeys()`.
 */
export const INVALID = 3

/** Segment of an entry: the admission window (recency), or the main SLRU's two halves. */
const WINDOW = 0
const PROBATION = 1
const PROTECTED = 2

/**
 * One resident entry. The same object stays resident for the key's whole stay (updated in place).
 * Its place in its segment's recency list is a slot of the tier's typed arrays (`index`).
 */
export class HotEntry<V = unknown> {
  key: string
  value: V
  /** 32-bit hash of the key, computed once, for the frequency sketch. */
  hash: number
  /**
   * Clock time after which a clean entry must be checked against the cold store. While the entry is
   * resident the tier's per-slot copy is the live one (`HotTier.expiresAtOf`); this field holds the
   * value at insertion and is brought up to date when the entry leaves the tier.
   */
  expiresAt: number
  /**
   * Version of the value (compare-and-set in the cold store). Like `expiresAt`: live in the tier
   * while resident (`HotTier.versionOf`), written back here when the entry leaves it.
   */
  version: number
  /** CLEAN, DIRTY, INFLIGHT or INVALID. */
  state: number
  /** Held by `pin()`; never evicted. */
  pinned: boolean
  /** Serialised value of `version`, captured at its first flush attempt (retries reuse it). */
  payload: Payload | undefined
  /** Clock time the entry became dirty (flush lag). */
  dirtySince: number
  /** Slot in the tier's recency lists (`-1` while not resident). */
  index: number

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
    this.index = -1
  }
}

/** Options of {@link HotTier}. */
export interface HotTierOptions {
  /** Most resident entries, unless only dirty or pinned entries remain. */
  maxSize: number
  /** `'tinylfu'` (default: adaptive W-TinyLFU) or `'none'` (plain LRU). */
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
  /** Loaded entries placed in the tier / candidates the admission filter evicted instead of a victim. */
  admitted: number
  rejected: number
  /** Current share of the admission window, in entries (adapted by the hill climber). */
  windowMax: number
}

/** Initial window share of `maxSize` (Caffeine's 1%). */
const WINDOW_SHARE = 0.01
/** Share of the main space held by the protected segment. */
const PROTECTED_SHARE = 0.8
/** The climber samples this many requests per `maxSize` entry between adjustments. */
const SAMPLE_FACTOR = 10
/** A hit-rate change of this size restarts the climber with a full step. */
const RESTART_THRESHOLD = 0.05
/** A full step, as a share of `maxSize`. */
const STEP_SHARE = 0.0625
/** Each step in the same direction is this much smaller than the last. */
const STEP_DECAY = 0.98
/** A candidate at least this frequent is sometimes admitted anyway (1 in 128), as Caffeine does against hash flooding. */
const JITTER_FREQUENCY = 6
/** Hits buffered before they are counted in the sketch. */
const READ_BUFFER = 64

function evictable(e: HotEntry<unknown>): boolean {
  return e.state === CLEAN && !e.pinned
}

/** Slots 0-2 are the list heads (sentinels) of the three segments; entries use slots 3 and up. */
const FIRST_SLOT = 3

/**
 * The hot tier: a `Map` for lookup and adaptive W-TinyLFU (Einziger, Friedman, Manes 2017, as in
 * Caffeine) for eviction. New entries land in a small LRU admission *window*; an entry pushed out of
 * the window is a *candidate* for the main space, a segmented LRU (*probation* then, after a hit,
 * *protected*), and enters it only if the frequency sketch rates it above the main space's victim
 * (the probation LRU), which is evicted instead. The window's share starts at 1% and is tuned
 * online by hill climbing on the hit rate, so recency-heavy traffic gets a large window (LRU-like)
 * and frequency-heavy traffic a small one (LFU-like).
 *
 * The three recency lists are doubly linked through two `Int32Array`s indexed by slot (as
 * lru-cache does): a hit rewires a few integers in two small arrays instead of touching the
 * neighbouring entry objects, which is what kept an object-linked list at half of lru-cache's speed.
 *
 * Dirty and pinned entries are never evicted: the search for a victim skips them (moving them to
 * the recent end of their segment so the next search does not walk past them again), and the tier
 * grows past `maxSize` rather than drop one; `trim()` shrinks it back.
 *
 * With `admission: 'none'` the whole tier is one LRU list (no sketch, no climber).
 */
export class HotTier<V = unknown> {
  readonly maxSize: number
  /** Key -> slot. */
  readonly #map = new Map<string, number>()
  #prev: Int32Array
  #next: Int32Array
  #slots: Array<HotEntry<V> | undefined>
  // The hit path reads only these per-slot arrays, never the entry object (whose fields, boxed
  // numbers included, span several cache lines): 2-3x faster on a 10k-entry tier (bench hot-ops).
  #queue: Uint8Array
  #hashes: Uint32Array
  /** A clean entry's `expiresAt`; `Infinity` for dirty ones (never stale). */
  #fresh: Float64Array
  // The live version and age bound of resident entries: set() writes these instead of the entry
  // object's boxed doubles (two more cache misses per write on a 10k-entry tier; bench hot-ops).
  #versions: Float64Array
  #expires: Float64Array
  #values: Array<V | undefined>
  /** Free slots (a stack). */
  #free: Int32Array
  #freeTop = 0
  readonly #sketch: FrequencySketch | undefined
  readonly #lfu: boolean
  #windowSize = 0
  #protectedSize = 0
  #windowMax: number
  #protectedMax: number
  /** Dirty or pinned resident entries. */
  #unevictable = 0
  /** The entry being inserted bypasses admission (`insert(e, false)`). */
  #forced: HotEntry<V> | undefined
  #maxOverflow = 0
  #evictions = 0
  #admitted = 0
  #rejected = 0
  // Hill climber.
  #hits = 0
  #misses = 0
  readonly #sampleSize: number
  #previousHitRate = 0
  #step: number
  #seed = 0x2545f491
  readonly #buffer = new Uint32Array(READ_BUFFER)
  #buffered = 0

  constructor(opts: HotTierOptions) {
    const max = opts.maxSize
    this.maxSize = max
    const slots = FIRST_SLOT + max + 1
    this.#prev = new Int32Array(slots)
    this.#next = new Int32Array(slots)
    this.#slots = new Array(slots).fill(undefined)
    this.#values = new Array(slots).fill(undefined)
    this.#queue = new Uint8Array(slots)
    this.#hashes = new Uint32Array(slots)
    this.#fresh = new Float64Array(slots)
    this.#versions = new Float64Array(slots)
    this.#expires = new Float64Array(slots)
    this.#free = new Int32Array(slots)
    for (let i = 0; i < FIRST_SLOT; i++) {
      this.#prev[i] = i
      this.#next[i] = i
    }
    for (let i = slots - 1; i >= FIRST_SLOT; i--) this.#free[this.#freeTop++] = i
    this.#lfu = opts.admission !== 'none'
    if (this.#lfu) {
      this.#sketch = new FrequencySketch(max)
      this.#windowMax = Math.floor(max * WINDOW_SHARE)
      this.#protectedMax = Math.floor((max - this.#windowMax) * PROTECTED_SHARE)
    } else {
      this.#windowMax = max
      this.#protectedMax = 0
    }
    this.#sampleSize = Math.max(100, max * SAMPLE_FACTOR)
    this.#step = -STEP_SHARE * max
  }

  /** Resident entries. */
  get size(): number {
    return this.#map.size
  }

  /** Looks a key up, marks it recently used and counts the access. */
  get(key: string): HotEntry<V> | undefined {
    const i = this.#map.get(key)
    if (i === undefined) return undefined
    this.#touch(i)
    return this.#slots[i]
  }

  /**
   * The hot path: the value of `key` if resident and not past its age bound at `now` (a clean
   * entry with `expiresAt <= now` is stale), marking it recently used and counting the access.
   */
  getValue(key: string, now: number): V | undefined {
    const i = this.#map.get(key)
    if (i === undefined) return undefined
    this.#touch(i)
    return (this.#fresh[i] as number) > now ? this.#values[i] : undefined
  }

  /** Replaces a resident entry's value (keep it in sync with the hot path's copy). */
  setValue(e: HotEntry<V>, value: V): void {
    e.value = value
    this.#values[e.index] = value
  }

  /** Sets a resident entry's age bound. */
  setExpiresAt(e: HotEntry<V>, expiresAt: number): void {
    this.#expires[e.index] = expiresAt
    if (e.state === CLEAN) this.#fresh[e.index] = expiresAt
  }

  /** An entry's age bound (the tier's copy while resident). */
  expiresAtOf(e: HotEntry<V>): number {
    return e.index === -1 ? e.expiresAt : (this.#expires[e.index] as number)
  }

  /** An entry's version (the tier's copy while resident). */
  versionOf(e: HotEntry<V>): number {
    return e.index === -1 ? e.version : (this.#versions[e.index] as number)
  }

  /**
   * A new write of a resident entry at `now`: its value, version `max(previous + 1, now)` and age
   * bound `expiresAt`, all in the per-slot arrays but the value (also kept on the entry).
   */
  write(e: HotEntry<V>, value: V, now: number, expiresAt: number): void {
    const i = e.index
    e.value = value
    this.#values[i] = value
    const versions = this.#versions
    const next = (versions[i] as number) + 1
    versions[i] = Math.max(next, now)
    this.#expires[i] = expiresAt
    if (e.state === CLEAN) this.#fresh[i] = expiresAt
  }

  #touch(i: number): void {
    const next = this.#next
    if (this.#lfu) {
      // Hits are counted in the sketch in batches (as Caffeine's read buffer does).
      this.#buffer[this.#buffered++] = this.#hashes[i] as number
      if (this.#buffered === READ_BUFFER) this.#drain()
      this.#hits++
      const queue = this.#queue
      const q = queue[i] as number
      if (q === PROBATION) {
        this.#unlink(i)
        queue[i] = PROTECTED
        this.#append(PROTECTED, i)
        if (++this.#protectedSize > this.#protectedMax) this.#demoteProtected()
      } else if (next[i] !== q) {
        this.#unlink(i)
        this.#append(q, i)
      }
    } else if (next[i] !== WINDOW) {
      this.#unlink(i)
      this.#append(WINDOW, i)
    }
  }

  /** Looks a key up without touching recency or frequency. */
  peek(key: string): HotEntry<V> | undefined {
    const i = this.#map.get(key)
    return i === undefined ? undefined : this.#slots[i]
  }

  /** Counts an access to a key that is not resident (a miss); returns its hash. */
  recordMiss(key: string): number {
    const h = hashKey(key)
    if (this.#lfu) {
      if (this.#buffered > 0) this.#drain()
      ;(this.#sketch as FrequencySketch).increment(h)
      if (++this.#misses + this.#hits >= this.#sampleSize) this.#climb()
    }
    return h
  }

  /**
   * Inserts a new entry (the key must not be resident) at the recent end of the window. Entries
   * pushed out of the window then pass the admission filter, except the inserted entry itself when
   * `candidate` is false (`set()`, pinned keys, reloads of a key that was hot), which is always
   * admitted. Returns whether the entry is resident afterwards (false: the filter refused it; only
   * possible when the window is empty, as in very small tiers).
   */
  insert(e: HotEntry<V>, candidate: boolean): boolean {
    if (this.#freeTop === 0) this.#grow()
    const i = this.#free[--this.#freeTop] as number
    e.index = i
    this.#queue[i] = WINDOW
    this.#slots[i] = e
    this.#values[i] = e.value
    this.#hashes[i] = e.hash
    this.#fresh[i] = e.state === CLEAN ? e.expiresAt : Number.POSITIVE_INFINITY
    this.#versions[i] = e.version
    this.#expires[i] = e.expiresAt
    this.#map.set(e.key, i)
    this.#append(WINDOW, i)
    this.#windowSize++
    if (!evictable(e)) this.#unevictable++
    if (!candidate) this.#forced = e
    this.#evict()
    this.#forced = undefined
    if (e.index === -1) return false
    if (candidate) this.#admitted++
    const over = this.#map.size - this.maxSize
    if (over > this.#maxOverflow) this.#maxOverflow = over
    return true
  }

  /** Removes a key; returns the entry that was resident. */
  delete(key: string): HotEntry<V> | undefined {
    const e = this.peek(key)
    if (e === undefined) return undefined
    this.#remove(e)
    return e
  }

  /** Changes a resident entry's state and/or pin, keeping the count of unevictable entries right. */
  update(e: HotEntry<V>, state: number, pinned: boolean): void {
    const was = !evictable(e)
    if ((state === CLEAN) !== (e.state === CLEAN) && e.index !== -1) {
      this.#fresh[e.index] = state === CLEAN ? (this.#expires[e.index] as number) : Number.POSITIVE_INFINITY
    }
    e.state = state
    e.pinned = pinned
    const is = !evictable(e)
    if (was !== is) this.#unevictable += is ? 1 : -1
  }

  /** Evicts clean, unpinned entries until the tier is back within `maxSize` (after an overflow). */
  trim(): void {
    this.#evict()
  }

  /** Resident entries (insertion order, not recency order). */
  *entries(): IterableIterator<[string, HotEntry<V>]> {
    for (const [key, i] of this.#map) yield [key, this.#slots[i] as HotEntry<V>]
  }

  stats(): HotTierStats {
    const size = this.#map.size
    return {
      size,
      maxSize: this.maxSize,
      overflow: Math.max(0, size - this.maxSize),
      maxOverflow: this.#maxOverflow,
      evictions: this.#evictions,
      admitted: this.#admitted,
      rejected: this.#rejected,
      windowMax: this.#windowMax
    }
  }

  /** Counts the buffered hits in the sketch (before any frequency is read). */
  #drain(): void {
    ;(this.#sketch as FrequencySketch).incrementBatch(this.#buffer, this.#buffered)
    this.#buffered = 0
  }

  #unlink(i: number): void {
    const prev = this.#prev
    const next = this.#next
    const p = prev[i] as number
    const n = next[i] as number
    next[p] = n
    prev[n] = p
  }

  /** Appends slot `i` at the recent end of the list whose head is slot `head`. */
  #append(head: number, i: number): void {
    const prev = this.#prev
    const last = prev[head] as number
    prev[i] = last
    this.#next[i] = head
    this.#next[last] = i
    prev[head] = i
  }

  /** Only dirty or pinned entries are left to evict: more slots (the tier reports the overflow). */
  #grow(): void {
    const old = this.#prev.length
    const size = old * 2
    const prev = new Int32Array(size)
    const next = new Int32Array(size)
    prev.set(this.#prev)
    next.set(this.#next)
    this.#prev = prev
    this.#next = next
    const queue = new Uint8Array(size)
    queue.set(this.#queue)
    this.#queue = queue
    const hashes = new Uint32Array(size)
    hashes.set(this.#hashes)
    this.#hashes = hashes
    const fresh = new Float64Array(size)
    fresh.set(this.#fresh)
    this.#fresh = fresh
    const versions = new Float64Array(size)
    versions.set(this.#versions)
    this.#versions = versions
    const expires = new Float64Array(size)
    expires.set(this.#expires)
    this.#expires = expires
    const free = new Int32Array(size)
    for (let i = size - 1; i >= old; i--) free[this.#freeTop++] = i
    this.#free = free
    for (let i = old; i < size; i++) {
      this.#slots.push(undefined)
      this.#values.push(undefined)
    }
  }

  #remove(e: HotEntry<V>): void {
    const i = e.index
    this.#map.delete(e.key)
    this.#unlink(i)
    this.#slots[i] = undefined
    this.#values[i] = undefined
    this.#free[this.#freeTop++] = i
    e.version = this.#versions[i] as number
    e.expiresAt = this.#expires[i] as number
    e.index = -1
    const q = this.#queue[i]
    if (q === WINDOW) this.#windowSize--
    else if (q === PROTECTED) this.#protectedSize--
    if (!evictable(e)) this.#unevictable--
  }

  #evictOne(e: HotEntry<V>): void {
    this.#remove(e)
    this.#evictions++
  }

  /** Moves the least recent protected entries back to probation while protected is over its share. */
  #demoteProtected(): void {
    const next = this.#next
    while (this.#protectedSize > this.#protectedMax) {
      const i = next[PROTECTED] as number
      this.#unlink(i)
      this.#queue[i] = PROBATION
      this.#append(PROBATION, i)
      this.#protectedSize--
    }
  }

  /** The entry after `e` in probation, or `undefined` at the end of the list. */
  #after(e: HotEntry<V>): HotEntry<V> | undefined {
    return this.#slots[this.#next[e.index] as number]
  }

  /** Window overflow goes to probation as candidates; then the main space evicts down to `maxSize`. */
  #evict(): void {
    let candidate: HotEntry<V> | undefined
    if (this.#lfu) {
      const next = this.#next
      while (this.#windowSize > this.#windowMax) {
        const i = next[WINDOW] as number
        this.#unlink(i)
        const c = this.#slots[i] as HotEntry<V>
        this.#queue[i] = PROBATION
        this.#append(PROBATION, i)
        this.#windowSize--
        // The earliest candidate of this round is compared first (it is the oldest).
        candidate ??= c
      }
    }
    while (this.#map.size > this.maxSize && this.#unevictable < this.#map.size) {
      const victim = this.#lfu ? this.#mainVictim(candidate) : this.#firstEvictable(WINDOW, -1)
      if (candidate === undefined || !evictable(candidate) || candidate === this.#forced) {
        // Nothing else to evict but the entry that must be admitted: grow instead.
        if (victim === undefined || victim === this.#forced) break
        this.#evictOne(victim)
        continue
      }
      const after = this.#after(candidate)
      if (victim === undefined || victim === candidate || !this.#admit(candidate, victim)) {
        this.#evictOne(candidate)
        this.#rejected++
      } else {
        this.#evictOne(victim)
      }
      candidate = after
    }
  }

  /** The main space's victim: the least recent evictable entry of probation, else protected, else the window. */
  #mainVictim(candidate: HotEntry<V> | undefined): HotEntry<V> | undefined {
    return (
      this.#firstEvictable(PROBATION, candidate === undefined ? -1 : candidate.index) ??
      this.#firstEvictable(PROTECTED, -1) ??
      this.#firstEvictable(WINDOW, -1) ??
      // Last, the candidates themselves (and probation entries behind an unevictable candidate).
      this.#firstEvictable(PROBATION, -1)
    )
  }

  /**
   * The least recent evictable entry of a segment, stopping at slot `stop` (the candidates).
   * Unevictable entries met on the way are moved to the recent end (a second chance: the next
   * search does not walk past them again).
   */
  #firstEvictable(head: number, stop: number): HotEntry<V> | undefined {
    const next = this.#next
    const last = this.#prev[head] as number
    let i = next[head] as number
    while (i !== head && i !== stop) {
      const e = this.#slots[i] as HotEntry<V>
      if (evictable(e)) return e
      if (i === last) break
      const n = next[i] as number
      this.#unlink(i)
      this.#append(head, i)
      i = n
    }
    return undefined
  }

  #admit(candidate: HotEntry<V>, victim: HotEntry<V>): boolean {
    if (this.#buffered > 0) this.#drain()
    const sketch = this.#sketch as FrequencySketch
    const c = sketch.frequency(candidate.hash)
    const v = sketch.frequency(victim.hash)
    if (c > v) return true
    if (c < JITTER_FREQUENCY) return false
    // xorshift32: deterministic, so replays are reproducible.
    let x = this.#seed
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.#seed = x
    return (x & 127) === 0
  }

  /** Caffeine's hill climber: step the window share in the direction that last raised the hit rate. */
  #climb(): void {
    const requests = this.#hits + this.#misses
    const hitRate = this.#hits / requests
    const change = hitRate - this.#previousHitRate
    const amount = change >= 0 ? this.#step : -this.#step
    this.#step =
      Math.abs(change) >= RESTART_THRESHOLD
        ? STEP_SHARE * this.maxSize * (amount >= 0 ? 1 : -1)
        : STEP_DECAY * amount
    this.#previousHitRate = hitRate
    this.#hits = 0
    this.#misses = 0
    const quota = Math.trunc(amount)
    if (quota > 0) this.#growWindow(quota)
    else if (quota < 0) this.#shrinkWindow(-quota)
  }

  #growWindow(amount: number): void {
    const quota = Math.min(amount, this.#protectedMax)
    if (quota === 0) return
    this.#windowMax += quota
    this.#protectedMax -= quota
    this.#demoteProtected()
    // Fill the window from the main space's least recent entries, so the split holds at once.
    const next = this.#next
    for (let moved = 0; moved < quota && this.#windowSize < this.#windowMax; moved++) {
      let i = next[PROBATION] as number
      if (i === PROBATION) i = next[PROTECTED] as number
      if (i === PROTECTED) break
      if (this.#queue[i] === PROTECTED) this.#protectedSize--
      this.#unlink(i)
      this.#queue[i] = WINDOW
      this.#append(WINDOW, i)
      this.#windowSize++
    }
  }

  #shrinkWindow(amount: number): void {
    const quota = Math.min(amount, this.#windowMax)
    if (quota === 0) return
    this.#windowMax -= quota
    this.#protectedMax += quota
    const next = this.#next
    for (let moved = 0; moved < quota && this.#windowSize > this.#windowMax; moved++) {
      const i = next[WINDOW] as number
      this.#unlink(i)
      this.#queue[i] = PROBATION
      this.#append(PROBATION, i)
      this.#windowSize--
    }
  }
}
