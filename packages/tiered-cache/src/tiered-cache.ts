import { EventEmitter } from 'node:events'
import type { ColdStore, ColdWrite, WriteOutcome } from './cold-store.ts'
import {
  CacheBackpressureError,
  CacheClosedError,
  CacheColdReadError,
  CacheColdWriteError,
  CacheInvalidKeyError,
  CacheInvalidValueError
} from './errors.ts'
import { CLEAN, DIRTY, HotEntry, HotTier, INFLIGHT, INVALID } from './hot-tier.ts'
import { MemoryStore } from './memory-store.ts'
import { type NormalizedOptions, normalizeOptions, type TieredCacheOptions } from './options.ts'
import type { Payload } from './serializer.ts'
import { hashKey } from './sketch.ts'

/** Counters and gauges of a {@link TieredCache}. */
export interface TieredCacheStats {
  /** Resident hot entries. */
  size: number
  /** `hot.maxSize`. */
  maxSize: number
  /** Resident entries above `maxSize` now: only dirty or pinned entries were left to evict. */
  overflow: number
  /** Largest overflow seen. */
  maxOverflow: number
  /** Entries written but not yet durable in the cold store. */
  dirty: number
  /** Keys held by `pin()`. */
  pinned: number
  hits: number
  misses: number
  /** Cold-store reads (one per single-flight group). */
  loads: number
  /** Misses that joined a load already in flight. */
  sharedLoads: number
  /** Loaded entries admitted into / refused by the hot tier (W-TinyLFU: refused = evicted by the admission filter instead of a victim). */
  admitted: number
  rejected: number
  evictions: number
  /** Pipelined batches written, and entries written in them. */
  flushes: number
  writes: number
  /** `set()`s of an entry that was already waiting to be flushed (no extra cold write). */
  coalesced: number
  /** Writes the cold store refused because it held the same or a newer version. */
  staleWrites: number
  /** Failed batches (retried with backoff). */
  flushErrors: number
  /** `set()`s refused with `CACHE_BACKPRESSURE`. */
  backpressureRejects: number
  /** Milliseconds from an entry's first unflushed write to its durability: last batch / worst seen. */
  lastFlushLagMs: number
  maxFlushLagMs: number
  /** `'expired'` events: from the store's notifications / found by reconciliation. */
  expired: number
  expiredByReconcile: number
  /** Keys checked against the cold store by reconciliation. */
  reconcileChecks: number
  /** Flush-time serialisation failures (`'invalidValue'` events): those writes stay hot, not durable. */
  invalidValues: number
  /** Current admission-window share of the hot tier, in entries (adapted online). */
  windowMax: number
}

/** What {@link TieredCache.close} could and could not flush. */
export interface CloseReport {
  /** Entries written to the cold store during close. */
  flushed: number
  /** Keys whose latest write is NOT durable (deadline passed with the cold store failing). */
  unflushed: string[]
}

/** What {@link TieredCache.reconcile} did. */
export interface ReconcileReport {
  checked: number
  expired: number
}

interface Loading {
  cancelled: boolean
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

/**
 * A two-tier cache for session-like entries: a bounded hot tier in the process (adaptive
 * W-TinyLFU) over a cold store (Redis, or in process) written behind in coalesced, pipelined,
 * version-checked batches. Values are serialised at flush time, once per cold write. Expiry is
 * decided by the cold store's TTL.
 *
 * Events: `'expired'(key)`, `'stale'(key, version)` (the cold store held a newer version; the hot
 * copy was dropped), `'backpressure'({ dirty, maxDirty })`, `'drain'()`, `'flushError'(err)`,
 * `'invalidValue'(err)` (a `CACHE_INVALID_VALUE` error found at flush time; the write stays in the
 * hot tier, not durable, until the next `set()` of the key), `'warning'(message)`.
 */
export class TieredCache<V = unknown> extends EventEmitter {
  /** The cold store. */
  readonly store: ColdStore
  readonly #o: NormalizedOptions
  readonly #now: () => number
  /** Whether the read path reads `#coarseMs` (no injected clock) instead of calling `now`. */
  readonly #coarse: boolean
  #coarseMs = 0
  readonly #coarseTimer: NodeJS.Timeout | undefined
  readonly #tier: HotTier<V>
  readonly #dirty = new Set<string>()
  readonly #loading = new Map<string, Loading & { promise: Promise<V | undefined> }>()
  readonly #pins = new Map<string, number>()
  readonly #bpError: InstanceType<typeof CacheBackpressureError>
  readonly #check: ((value: unknown) => string | undefined) | undefined
  #flushTimer: NodeJS.Timeout | undefined
  readonly #reconcileTimer: NodeJS.Timeout
  readonly #onExpired: (key: string) => void
  readonly #onResync: () => void
  readonly #onWarning: (message: string) => void
  #dirtyCount = 0
  /** Dirty entries in state INVALID (not in the dirty set). */
  #invalid = 0
  #lastInvalid: InstanceType<typeof CacheInvalidValueError> | undefined
  #inflight: Promise<boolean> | undefined
  #reconcileRun: Promise<unknown> | undefined
  #failures = 0
  #backoffUntil = 0
  #batchQueued = false
  #inBackpressure = false
  #closing: Promise<CloseReport> | undefined
  #closed = false
  readonly #s = {
    hits: 0,
    misses: 0,
    loads: 0,
    sharedLoads: 0,
    flushes: 0,
    writes: 0,
    coalesced: 0,
    staleWrites: 0,
    flushErrors: 0,
    backpressureRejects: 0,
    lastFlushLagMs: 0,
    maxFlushLagMs: 0,
    expired: 0,
    expiredByReconcile: 0,
    reconcileChecks: 0,
    invalidValues: 0
  }

  constructor(opts: TieredCacheOptions = {}) {
    super()
    const o = normalizeOptions(opts)
    this.#o = o
    this.#now = o.now
    if (opts.now === undefined) {
      // Date.now() costs about as much as a whole hot hit; the age bound is minutes, so reads and
      // writes use a clock refreshed every 100 ms (and by every flushed batch) instead.
      this.#coarseMs = Date.now()
      const timer = setTimeout(() => {
        this.#coarseMs = Date.now()
        timer.refresh()
      }, 100).unref()
      this.#coarseTimer = timer
      this.#coarse = true
    } else {
      this.#coarse = false
    }
    this.store = o.store ?? new MemoryStore({ now: o.now })
    this.#tier = new HotTier<V>({ maxSize: o.hot.maxSize, admission: o.hot.admission })
    this.#check = o.serializer.check?.bind(o.serializer)
    const bp = new CacheBackpressureError(o.flush.maxDirty)
    this.#bpError = bp
    this.#reconcileTimer = setTimeout(() => this.#reconcileTick(), o.reconcile.intervalMs).unref()
    this.#onExpired = (key) => this.#expire(key, false)
    this.#onResync = () => {
      this.reconcile({ all: true }).catch(this.#reportReconcileError)
    }
    this.#onWarning = (message) => this.emit('warning', message)
    this.store.on('expired', this.#onExpired)
    this.store.on('resync', this.#onResync)
    this.store.on('warning', this.#onWarning)
  }

  /** Waits until the cold store is ready (connected; expiry feed subscribed). */
  ready(): Promise<void> {
    return this.store.ready()
  }

  /** The normalised options. */
  get options(): NormalizedOptions {
    return this.#o
  }

  /** Resident hot entries. */
  get size(): number {
    return this.#tier.size
  }

  #checkKey(key: unknown): asserts key is string {
    if (typeof key !== 'string') throw new CacheInvalidKeyError(`expected a string, got ${typeof key}`)
    if (key.length === 0) throw new CacheInvalidKeyError('the key is empty')
    if (key.length > this.#o.maxKeyLength) {
      throw new CacheInvalidKeyError(
        `${key.length} characters, more than maxKeyLength ${this.#o.maxKeyLength}`
      )
    }
  }

  /**
   * The value of `key`: from the hot tier, else loaded from the cold store (one load however many
   * callers wait for it), then offered to the hot tier (W-TinyLFU). `undefined` if absent.
   * Rejects with `CACHE_COLD_READ` (with `cause`) when the cold store fails.
   */
  get(key: string): Promise<V | undefined> {
    try {
      this.#checkOpen()
      this.#checkKey(key)
    } catch (err) {
      return Promise.reject(err)
    }
    const e = this.#tier.get(key)
    if (e !== undefined) {
      if (e.state !== CLEAN || this.#tier.expiresAtOf(e) > (this.#coarse ? this.#coarseMs : this.#now())) {
        this.#s.hits++
        return Promise.resolve(e.value)
      }
      // Past its age bound: the cold copy may be gone. Reloading checks it (and refreshes the value).
      this.#tier.delete(key)
      return this.#load(key, true)
    }
    this.#s.misses++
    this.#tier.recordMiss(key)
    return this.#load(key, false)
  }

  /**
   * The hot value of `key`, synchronously, touching recency and frequency; `undefined` when it is
   * not hot (or is past its age bound). Never reads the cold store.
   */
  getHot(key: string): V | undefined {
    return this.#tier.getValue(key, this.#coarse ? this.#coarseMs : this.#now())
  }

  /** The hot value of `key` without touching recency or frequency, nor reading the cold store. */
  peek(key: string): V | undefined {
    const e = this.#tier.peek(key)
    if (e === undefined) return undefined
    if (e.state === CLEAN && this.#tier.expiresAtOf(e) <= (this.#coarse ? this.#coarseMs : this.#now()))
      return undefined
    return e.value
  }

  /** Whether `key` is hot (and within its age bound). */
  has(key: string): boolean {
    return this.peek(key) !== undefined
  }

  #load(key: string, wasHot: boolean): Promise<V | undefined> {
    const pending = this.#loading.get(key)
    if (pending !== undefined) {
      this.#s.sharedLoads++
      return pending.promise
    }
    const loading = { cancelled: false } as Loading & { promise: Promise<V | undefined> }
    loading.promise = this.#doLoad(key, wasHot, loading)
    this.#loading.set(key, loading)
    return loading.promise
  }

  async #doLoad(key: string, wasHot: boolean, loading: Loading): Promise<V | undefined> {
    this.#s.loads++
    let value: V | undefined
    let rec: Awaited<ReturnType<ColdStore['get']>>
    try {
      rec = await this.store.get(key)
      if (rec !== undefined) value = this.#o.serializer.deserialize(rec.payload) as V
    } catch (err) {
      throw new CacheColdReadError(key, { cause: err })
    } finally {
      if (this.#loading.get(key) === loading) this.#loading.delete(key)
    }
    // A set() while loading wins: it is newer than what was read.
    const hot = this.#tier.peek(key)
    if (hot !== undefined) return hot.value
    if (rec === undefined) {
      if (wasHot && !loading.cancelled) this.#expire(key, true)
      return undefined
    }
    if (!loading.cancelled && !this.#closed) {
      const now = this.#now()
      const maxAge = this.#o.hot.maxAgeMs
      const ttl = rec.ttlMs > 0 ? Math.min(rec.ttlMs, maxAge) : maxAge
      const e = new HotEntry<V>(key, value as V, hashKey(key), now + ttl, rec.version)
      const pinned = this.#pins.has(key)
      e.pinned = pinned
      this.#tier.insert(e, !(wasHot || pinned))
    }
    return value
  }

  /**
   * Stores `value` under `key`: in the hot tier at once (returns synchronously), in the cold store
   * by the next flush. The value is kept by reference and serialised when it is flushed (once per
   * cold write, however many `set()`s it coalesces), so the cold store gets its state at flush time;
   * `set()` again after changing it so the change is written. Throws `CACHE_INVALID_KEY`,
   * `CACHE_INVALID_VALUE` (the serializer's cheap `check` refused it; for JSON: `undefined`, a
   * function, a BigInt, a direct cycle), or `CACHE_BACKPRESSURE` (too many writes waiting for the
   * cold store: nothing changed). What only `serialize` can find is reported at flush time
   * (`'invalidValue'`).
   */
  set(key: string, value: V): void {
    this.#checkOpen()
    this.#checkKey(key)
    const check = this.#check
    if (check !== undefined) {
      const why = check(value)
      if (why !== undefined) throw new CacheInvalidValueError(key, why)
    }
    // The exact clock, not the coarse one: the version orders writes of the same key from
    // different nodes (a handover's old and new owner, DESIGN.md §5), so it must not trail the
    // wall clock. Date.now() costs about as much as the rest of set() (hot-ops: 3.5M/s with it,
    // 5.6M/s on the coarse clock); correctness across writers wins.
    const now = this.#now()
    const tier = this.#tier
    let e = tier.get(key)
    if (e === undefined || e.state === CLEAN) {
      if (this.#dirtyCount >= this.#o.flush.maxDirty) {
        this.#s.backpressureRejects++
        if (!this.#inBackpressure) {
          this.#inBackpressure = true
          this.emit('backpressure', { dirty: this.#dirtyCount, maxDirty: this.#o.flush.maxDirty })
        }
        throw this.#bpError
      }
    }
    // Versions are hybrid: the clock in ms, or one more than the last version if that is larger.
    if (e === undefined) {
      e = new HotEntry<V>(key, value, tier.recordMiss(key), now + this.#o.hot.maxAgeMs, now)
      e.state = DIRTY
      e.pinned = this.#pins.has(key)
      e.dirtySince = now
      tier.insert(e, false)
      this.#markDirty(key)
    } else {
      // A new version, max(previous + 1, now), with a new age bound: in the tier's per-slot arrays.
      tier.write(e, value, now, now + this.#o.hot.maxAgeMs)
      // Serialised afresh at its flush (an in-flight batch holds its own payload).
      e.payload = undefined
      if (e.state === DIRTY) {
        this.#s.coalesced++
      } else {
        if (e.state === CLEAN) {
          e.dirtySince = now
          tier.update(e, DIRTY, e.pinned)
          this.#markDirty(key)
        } else {
          // INFLIGHT (the batch's payload is already captured) or INVALID (this value may serialise).
          if (e.state === INVALID) this.#invalid--
          e.state = DIRTY
          this.#dirty.add(key)
          this.#kick()
        }
      }
    }
  }

  #markDirty(key: string): void {
    this.#dirtyCount++
    this.#dirty.add(key)
    this.#kick()
  }

  #kick(): void {
    if (this.#dirty.size >= this.#o.flush.maxBatch) {
      if (!this.#batchQueued && this.#inflight === undefined && this.#now() >= this.#backoffUntil) {
        this.#batchQueued = true
        setImmediate(() => {
          this.#batchQueued = false
          this.#tick()
        })
      }
    } else if (this.#dirty.size === 1 && this.#inflight === undefined && this.#failures === 0) {
      this.#arm()
    }
  }

  #arm(): void {
    if (this.#flushTimer === undefined) {
      this.#flushTimer = setTimeout(() => this.#tick(), this.#o.flush.intervalMs).unref()
    } else {
      this.#flushTimer.refresh()
    }
  }

  /** Schedules the next flush after a pass: backoff after a failure, at once for a full batch. */
  #afterPass(failure: CacheColdWriteErrorType | undefined): void {
    if (this.#closed) return
    if (failure !== undefined) {
      const f = this.#o.flush
      const wait = Math.min(f.maxBackoffMs, f.minBackoffMs * 2 ** (this.#failures - 1))
      this.#backoffUntil = this.#now() + wait
      setTimeout(() => this.#tick(), wait).unref()
    } else if (this.#dirty.size >= this.#o.flush.maxBatch) {
      setImmediate(() => this.#tick())
    } else if (this.#dirty.size > 0) {
      this.#arm()
    }
  }

  /**
   * Deletes `key` from both tiers. A pending (unflushed) write of it is dropped; a write in flight
   * is awaited first so it cannot resurrect the key.
   */
  async delete(key: string): Promise<void> {
    this.#checkOpen()
    this.#checkKey(key)
    const e = this.#tier.delete(key)
    if (e !== undefined && e.state !== CLEAN) {
      this.#dirty.delete(key)
      this.#dirtyCount--
      if (e.state === INVALID) this.#invalid--
      e.state = CLEAN
    }
    const loading = this.#loading.get(key)
    if (loading !== undefined) {
      loading.cancelled = true
      this.#loading.delete(key)
    }
    if (this.#inflight !== undefined) await this.#inflight
    try {
      await this.store.delete(key)
    } catch (err) {
      throw new CacheColdWriteError(1, { cause: err })
    }
  }

  /**
   * Keeps `key` resident (a conversation with an open socket) until as many `unpin` calls.
   * Pinned entries are never evicted; the tier grows past `maxSize` rather than drop one.
   */
  pin(key: string): void {
    this.#checkKey(key)
    const n = this.#pins.get(key) ?? 0
    this.#pins.set(key, n + 1)
    if (n === 0) {
      const e = this.#tier.peek(key)
      if (e !== undefined) this.#tier.update(e, e.state, true)
    }
  }

  /** Releases one `pin(key)`. */
  unpin(key: string): void {
    const n = this.#pins.get(key)
    if (n === undefined) return
    if (n > 1) {
      this.#pins.set(key, n - 1)
      return
    }
    this.#pins.delete(key)
    const e = this.#tier.peek(key)
    if (e !== undefined) {
      this.#tier.update(e, e.state, false)
      this.#tier.trim()
    }
  }

  /**
   * Writes every dirty entry to the cold store now; resolves when they are durable. Rejects with
   * `CACHE_COLD_WRITE` (with `cause`) if a batch fails; the entries stay dirty and are retried.
   * Rejects with `CACHE_INVALID_VALUE` (the last one found) when some written values could not be
   * serialised: those stay in the hot tier, not durable, until they are `set()` again.
   */
  async flush(): Promise<void> {
    let passes = Math.ceil(this.#dirty.size / this.#o.flush.maxBatch) + 2
    while (passes-- > 0) {
      // With no batch in flight, every dirty entry but the INVALID ones is in the dirty set.
      while (this.#inflight !== undefined) await this.#inflight
      if (this.#dirtyCount === this.#invalid) break
      const failure = await this.#pass(this.#o.flush.timeoutMs)
      if (failure !== undefined) throw failure
    }
    if (this.#invalid > 0) throw this.#lastInvalid
  }

  #tick(): void {
    if (this.#closed || this.#inflight !== undefined || this.#dirty.size === 0) return
    this.#pass(this.#o.flush.timeoutMs)
  }

  /** One pipelined batch of up to `maxBatch` dirty entries. Resolves with the error if it failed. */
  #pass(timeoutMs: number): Promise<CacheColdWriteErrorType | undefined> {
    const max = this.#o.flush.maxBatch
    const entries: HotEntry<V>[] = []
    const writes: ColdWrite[] = []
    for (const key of this.#dirty) {
      this.#dirty.delete(key)
      const e = this.#tier.peek(key) as HotEntry<V>
      // Serialised once per version, here: a retry of the same version resends the same bytes, and
      // the string captured now cannot be changed by later mutations of the live value.
      let payload = e.payload
      if (payload === undefined) {
        payload = this.#serialize(e)
        if (payload === undefined) continue
        e.payload = payload
      }
      e.state = INFLIGHT
      entries.push(e)
      writes.push({ key, payload, version: this.#tier.versionOf(e) })
      if (entries.length === max) break
    }
    if (entries.length === 0) {
      this.#afterPass(undefined)
      return Promise.resolve(undefined)
    }
    const run = this.#write(entries, writes, timeoutMs)
    const tracked = run.then((f) => f === undefined)
    this.#inflight = tracked
    return run.then((failure) => {
      if (this.#inflight === tracked) this.#inflight = undefined
      this.#afterPass(failure)
      return failure
    })
  }

  async #write(
    entries: HotEntry<V>[],
    writes: ColdWrite[],
    timeoutMs: number
  ): Promise<CacheColdWriteErrorType | undefined> {
    let outcomes: WriteOutcome[]
    let timer: NodeJS.Timeout | undefined
    try {
      outcomes = await Promise.race([
        this.store.setMany(writes, this.#o.ttlMs),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs)
        })
      ])
    } catch (err) {
      for (const e of entries) this.#retry(e)
      return this.#failed(entries.length, err)
    } finally {
      clearTimeout(timer)
    }
    const now = this.#now()
    if (this.#coarse) this.#coarseMs = now
    let firstError: unknown
    let failed = 0
    let lag = 0
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as HotEntry<V>
      const out = outcomes[i]
      if (out === 'written') {
        this.#s.writes++
        if (now - e.dirtySince > lag) lag = now - e.dirtySince
        if (e.state === INFLIGHT) this.#clean(e)
      } else if (out === 'stale') {
        this.#s.staleWrites++
        if (e.state === INFLIGHT) {
          this.#clean(e)
          // Another writer holds a newer state: drop ours so the next get() reads theirs.
          this.#tier.delete(e.key)
          this.emit('stale', e.key, (writes[i] as ColdWrite).version)
        }
      } else {
        failed++
        firstError ??= out
        this.#retry(e)
      }
    }
    this.#s.flushes++
    this.#s.lastFlushLagMs = lag
    if (lag > this.#s.maxFlushLagMs) this.#s.maxFlushLagMs = lag
    if (this.#inBackpressure && this.#dirtyCount < this.#o.flush.maxDirty) {
      this.#inBackpressure = false
      this.emit('drain')
    }
    this.#tier.trim()
    if (failed > 0) return this.#failed(failed, firstError)
    this.#failures = 0
    this.#backoffUntil = 0
    return undefined
  }

  /** Serialises a dirty entry's value; on refusal marks it INVALID and reports it. */
  #serialize(e: HotEntry<V>): Payload | undefined {
    let payload: Payload | undefined
    let why: string
    let cause: unknown
    try {
      payload = this.#o.serializer.serialize(e.value)
      why = 'the serializer returned undefined'
    } catch (err) {
      why = (err as Error).message
      cause = err
    }
    if (payload !== undefined) return payload
    e.state = INVALID
    this.#invalid++
    this.#s.invalidValues++
    const err = new CacheInvalidValueError(e.key, why, { cause })
    this.#lastInvalid = err
    if (this.listenerCount('invalidValue') > 0) this.emit('invalidValue', err)
    else this.emit('warning', `${err.message} (at flush; the write is kept in the hot tier, not durable)`)
    return undefined
  }

  #clean(e: HotEntry<V>): void {
    this.#dirtyCount--
    e.payload = undefined
    // Only resident entries can be INFLIGHT: delete() marks the entries it removes CLEAN.
    this.#tier.update(e, CLEAN, e.pinned)
  }

  #retry(e: HotEntry<V>): void {
    if (e.state === INFLIGHT) {
      e.state = DIRTY
      this.#dirty.add(e.key)
    }
  }

  #failed(count: number, cause: unknown): CacheColdWriteErrorType {
    this.#failures++
    this.#s.flushErrors++
    const err = new CacheColdWriteError(count, { cause })
    this.emit('flushError', err)
    return err
  }

  #expire(key: string, byReconcile: boolean): void {
    const e = this.#tier.peek(key)
    // A dirty entry was written after the cold copy's last TTL refresh: its flush recreates the key.
    if (e !== undefined) {
      if (e.state !== CLEAN) return
      this.#tier.delete(key)
    }
    if (byReconcile) this.#s.expiredByReconcile++
    else this.#s.expired++
    this.emit('expired', key)
  }

  /**
   * Checks clean hot entries against the cold store (pipelined `PTTL` in batches): those gone are
   * expired (evicted, `'expired'` emitted), the others get a new age bound. By default only entries
   * past their age bound; `{ all: true }` checks every clean entry (after a resubscribe).
   */
  async reconcile(opts: { all?: boolean } = {}): Promise<ReconcileReport> {
    const now = this.#now()
    const keys: string[] = []
    for (const [key, e] of this.#tier.entries()) {
      if (e.state === CLEAN && (opts.all === true || this.#tier.expiresAtOf(e) <= now)) keys.push(key)
    }
    const size = this.#o.reconcile.batchSize
    const maxAge = this.#o.hot.maxAgeMs
    let expired = 0
    for (let i = 0; i < keys.length; i += size) {
      const batch = keys.slice(i, i + size)
      const ttls = await this.store.pttl(batch)
      this.#s.reconcileChecks += batch.length
      const at = this.#now()
      for (let j = 0; j < batch.length; j++) {
        const key = batch[j] as string
        const ttl = ttls[j] as number
        const e = this.#tier.peek(key)
        if (e === undefined || e.state !== CLEAN) continue
        if (ttl === -2) {
          expired++
          this.#expire(key, true)
        } else {
          this.#tier.setExpiresAt(e, at + (ttl > 0 ? Math.min(ttl, maxAge) : maxAge))
        }
      }
    }
    return { checked: keys.length, expired }
  }

  readonly #reportReconcileError = (err: unknown): void => {
    this.emit('warning', `reconcile failed: ${(err as Error).message}`)
  }

  #reconcileTick(): void {
    this.#reconcileRun = this.reconcile()
      .catch(this.#reportReconcileError)
      .finally(() => {
        this.#reconcileTimer.refresh()
      })
  }

  /** Counters and gauges. */
  stats(): TieredCacheStats {
    const t = this.#tier.stats()
    return {
      size: t.size,
      maxSize: t.maxSize,
      overflow: t.overflow,
      maxOverflow: t.maxOverflow,
      dirty: this.#dirtyCount,
      pinned: this.#pins.size,
      hits: this.#s.hits,
      misses: this.#s.misses,
      loads: this.#s.loads,
      sharedLoads: this.#s.sharedLoads,
      admitted: t.admitted,
      rejected: t.rejected,
      evictions: t.evictions,
      flushes: this.#s.flushes,
      writes: this.#s.writes,
      coalesced: this.#s.coalesced,
      staleWrites: this.#s.staleWrites,
      flushErrors: this.#s.flushErrors,
      backpressureRejects: this.#s.backpressureRejects,
      lastFlushLagMs: this.#s.lastFlushLagMs,
      maxFlushLagMs: this.#s.maxFlushLagMs,
      expired: this.#s.expired,
      expiredByReconcile: this.#s.expiredByReconcile,
      reconcileChecks: this.#s.reconcileChecks,
      invalidValues: this.#s.invalidValues,
      windowMax: t.windowMax
    }
  }

  /** Keys written but not yet durable. */
  dirtyKeys(): string[] {
    const out: string[] = []
    for (const [key, e] of this.#tier.entries()) if (e.state !== CLEAN) out.push(key)
    return out
  }

  #checkOpen(): void {
    if (this.#closed) throw new CacheClosedError()
  }

  /**
   * Stops the timers, flushes every dirty entry (retrying until `timeoutMs`, default
   * `closeTimeoutMs`), closes the store and reports what could not be flushed. Further reads and
   * writes throw `CACHE_CLOSED`. Idempotent.
   */
  close(opts: { timeoutMs?: number } = {}): Promise<CloseReport> {
    this.#closing ??= this.#close(opts.timeoutMs ?? this.#o.closeTimeoutMs)
    return this.#closing
  }

  async #close(timeoutMs: number): Promise<CloseReport> {
    this.#closed = true
    clearTimeout(this.#coarseTimer)
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer)
    clearTimeout(this.#reconcileTimer)
    const deadline = Date.now() + timeoutMs
    const before = this.#s.writes
    let backoff = this.#o.flush.minBackoffMs
    while (this.#dirtyCount > this.#invalid) {
      while (this.#inflight !== undefined) await this.#inflight
      const left = deadline - Date.now()
      if (left <= 0 || this.#dirtyCount === this.#invalid) break
      const failure = await this.#pass(Math.min(left, this.#o.flush.timeoutMs))
      if (failure !== undefined) {
        const wait = Math.min(backoff, deadline - Date.now())
        if (wait > 0) await delay(wait)
        backoff = Math.min(backoff * 2, this.#o.flush.maxBackoffMs)
      }
    }
    // A timer reconcile in progress re-arms its timer when done: wait for it, then stop it for good.
    await this.#reconcileRun
    clearTimeout(this.#reconcileTimer)
    const unflushed = this.dirtyKeys()
    this.store.off('expired', this.#onExpired)
    this.store.off('resync', this.#onResync)
    this.store.off('warning', this.#onWarning)
    await this.store.close()
    return { flushed: this.#s.writes - before, unflushed }
  }
}

type CacheColdWriteErrorType = InstanceType<typeof CacheColdWriteError>
