import { CoDel, type CoDelOptions, normalizeCoDelOptions } from './codel.ts'
import {
  InvalidOptionError,
  InvalidOptionTypeError,
  type QueueOverloaded,
  QueueOverloadedError,
  RingClosedError,
  show
} from './errors.ts'
import { LatencyHistogram } from './histogram.ts'
import {
  type Clock,
  checkFunction,
  checkNumber,
  checkObject,
  defaultNow,
  MAX_CAPACITY,
  powerOfTwoCapacity
} from './options.ts'
import { RingQueue } from './ring-queue.ts'

/** The function that processes one item. */
export type Worker<I, O> = (item: I) => Promise<O> | O

/**
 * How a {@link WorkQueue} sheds load:
 * - `'rfc8289'`: {@link CoDel} as in RFC 8289, at dequeue time (drops spaced `interval / sqrt(n)`).
 * - `'request'`: the request-queue variant of CoDel used by RPC servers (Facebook's "Fail at
 *   scale", folly/wangle): while the queue has not been empty within the last `intervalMs` (or has
 *   shed work while overloaded within the last 16 intervals), a queued item may wait at most
 *   `targetMs`, else `intervalMs`; a submission is admitted only when the measured drain rate lets
 *   it start within that limit, and an item found waiting longer is shed at dequeue (oldest first,
 *   never the last one).
 */
export type CoDelMode = 'rfc8289' | 'request'

/** The `codel` option of {@link WorkQueue}. */
export interface WorkQueueCoDelOptions extends Omit<CoDelOptions, 'now'> {
  /** Shedding algorithm, see {@link CoDelMode}. Default `'rfc8289'`. */
  mode?: CoDelMode
  /**
   * `'request'` mode only: while overloaded, start the newest queued item first (adaptive LIFO);
   * items past their limit are still shed oldest first. FIFO again once the queue has emptied.
   * Default `false`.
   */
  adaptiveLifo?: boolean
}

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions<I, O> {
  /** Processes one item; its result resolves the submission. Required. */
  worker: Worker<I, O>
  /** Items that may wait (not counting those in flight); rounded up to a power of two. Default `1024`. */
  capacity?: number
  /** Items processed at the same time. Default `1`. */
  concurrency?: number
  /**
   * CoDel settings (`targetMs`, `intervalMs`, `mode`, `adaptiveLifo`), or `false` to shed only when
   * the ring is full. Default `{ targetMs: 5, intervalMs: 100, mode: 'rfc8289' }`.
   */
  codel?: WorkQueueCoDelOptions | false
  /** Clock in milliseconds, also used by CoDel. Default `performance.now()`. */
  now?: Clock
  /** Name used in error messages and by the plugin. Default `'default'`. */
  name?: string
}

/** Counters and percentiles of a {@link WorkQueue}. */
export interface WorkQueueStats {
  /** Items waiting in the ring. */
  depth: number
  /** Items being processed. */
  inFlight: number
  /** Submissions shed with `QUEUE_OVERLOADED` (ring full, CoDel, or `'request'` admission). */
  dropped: number
  /** Submissions whose worker settled (resolved or threw). */
  completed: number
  /** Submissions whose worker threw. */
  failed: number
  /** Median time from submit to start of processing, ms (HDR-style, <= 6.25% high). */
  sojournP50Ms: number
  /** 99th percentile time from submit to start of processing, ms. */
  sojournP99Ms: number
  /**
   * `'rfc8289'`: `true` while CoDel is in its dropping state. `'request'`: `true` while the queue
   * is overloaded (not empty at any time in the last `intervalMs`, or shed work within the last 16
   * intervals), so queued items may wait `targetMs` only.
   */
  dropping: boolean
}

/** Options of {@link WorkQueue.close}. */
export interface CloseOptions {
  /**
   * `true` (default): process what is queued, then resolve. `false`: reject what is queued with
   * `RING_CLOSED` and resolve once the items in flight settle.
   */
  drain?: boolean
}

// See #lastShed.
const OVERLOAD_MEMORY_INTERVALS = 16

/** Defaults of {@link WorkQueueOptions} (and of the `codel` fields that CoDel itself does not own). */
export const WORK_QUEUE_DEFAULTS = Object.freeze({
  capacity: 1024,
  concurrency: 1,
  name: 'default',
  mode: 'rfc8289' as CoDelMode,
  adaptiveLifo: false
})

// A pooled submission: the promise callbacks and a timestamp (enqueue, then start time), plus the two continuations for the
// worker's promise, bound once per entry so a submission allocates nothing but its own promise
// (and the worker's), as fastq does with its reused task objects.
class Entry<I, O> {
  item: I | undefined = undefined
  resolve: ((value: O) => void) | undefined = undefined
  reject: ((err: unknown) => void) | undefined = undefined
  t = 0
  readonly onDone: (value: O) => void
  readonly onError: (err: unknown) => void

  constructor(settle: (e: Entry<I, O>, ok: boolean, value: unknown) => void) {
    this.onDone = (value) => settle(this, true, value)
    this.onError = (err) => settle(this, false, err)
  }
}

/**
 * A bounded work queue: a {@link RingQueue} of submissions, a consumer that runs at most
 * `concurrency` of them at a time, and CoDel on their queueing delay ({@link CoDelMode}).
 *
 * `submit()` resolves with the worker's result, or rejects with `QUEUE_OVERLOADED` (and a
 * `retryAfterMs`) when the ring is full, when `'rfc8289'` CoDel sheds the submission at dequeue
 * time because a standing queue has persisted, or when `'request'` mode sheds it (at submit: it
 * could not start within the limit; at dequeue: it waited past it). A worker error rejects only
 * its own submission.
 */
export class WorkQueue<I, O> {
  readonly name: string
  readonly #worker: Worker<I, O>
  readonly #ring: RingQueue<Entry<I, O>>
  readonly #codel: CoDel | undefined
  readonly #mode: CoDelMode | undefined
  // 'request' mode: `#request` is checked instead of `#mode` on the hot path (a boolean test).
  readonly #request: boolean
  readonly #lifo: boolean
  readonly #targetMs: number
  readonly #intervalMs: number
  // 'request' mode: the last time a submission found the ring empty. That is the end of every
  // empty spell (the ring only fills by a push), and the state is only read while the ring holds
  // items, so no dequeue needs to read the clock to record that it emptied the ring.
  #lastEmpty = 0
  // 'request' mode: the last time an item was shed while overloaded (at submit: it could not start
  // within the target; at dequeue: it waited past its limit). The queue counts as overloaded
  // for 16 intervals after it, even if it emptied meanwhile: under sustained overload the queue
  // that admission keeps short empties now and then (a lull in arrivals, a wave of retries
  // served), and falling back to the interval-long allowance at each of those moments let a new
  // standing queue build every time (measured in bench/ring-queue/overload.bench.ts: admitted p99
  // wait 2-7x the target at 1.2-2x load without this memory, <= the target with it). 16 intervals
  // is RFC 8289's memory of a recent episode (§5.5); 4 measured the same.
  #lastShed = Number.NEGATIVE_INFINITY
  // The enqueue time of the submission being queued, handed to #enqueue's executor (see there).
  #admitAt = 0
  readonly #now: Clock
  readonly #concurrency: number
  // Free entries, used as a stack (push/pop are O(1) and allocation-free once grown). It grows
  // lazily to the high-water mark of live submissions, at most capacity + concurrency.
  readonly #pool: Array<Entry<I, O>> = []
  readonly #sojourn = new LatencyHistogram()
  #inFlight = 0
  #dropped = 0
  #completed = 0
  #failed = 0
  // Exponentially weighted mean service time (weight 1/8, seeded by the first sample), for the
  // drain-rate estimate of 'request' admission and for retryAfterMs; no allocation, no window.
  #serviceMs = 0
  #closed = false
  #idle: Array<() => void> = []

  /** @throws `RING_INVALID_CAPACITY`, `RING_INVALID_OPTION`, `RING_INVALID_OPTION_TYPE`. */
  constructor(options: WorkQueueOptions<I, O>) {
    const o = checkObject('options', options)
    this.#worker = checkFunction<Worker<I, O>>('worker', o.worker)
    const capacity = powerOfTwoCapacity(o.capacity ?? WORK_QUEUE_DEFAULTS.capacity)
    this.#concurrency = checkNumber(
      'concurrency',
      o.concurrency ?? WORK_QUEUE_DEFAULTS.concurrency,
      1,
      MAX_CAPACITY,
      true
    )
    this.#now = o.now === undefined ? defaultNow : checkFunction<Clock>('now', o.now)
    if (o.name !== undefined && typeof o.name !== 'string') {
      throw new TypeError(`option "name" must be a string, got ${typeof o.name}`)
    }
    this.name = (o.name as string | undefined) ?? WORK_QUEUE_DEFAULTS.name
    if (o.codel === false) {
      this.#codel = undefined
      this.#mode = undefined
      this.#lifo = false
      this.#targetMs = 0
      this.#intervalMs = 0
    } else {
      const c = checkObject('codel', o.codel)
      const mode = c.mode ?? WORK_QUEUE_DEFAULTS.mode
      if (typeof mode !== 'string') throw new InvalidOptionTypeError('mode', 'a string', show(mode))
      if (mode !== 'rfc8289' && mode !== 'request') {
        throw new InvalidOptionError('mode', `'rfc8289' or 'request'`, show(mode))
      }
      const lifo = c.adaptiveLifo ?? WORK_QUEUE_DEFAULTS.adaptiveLifo
      if (typeof lifo !== 'boolean') throw new InvalidOptionTypeError('adaptiveLifo', 'a boolean', show(lifo))
      if (lifo && mode !== 'request') {
        throw new InvalidOptionError('adaptiveLifo', `false unless mode is 'request'`, show(lifo))
      }
      const n = normalizeCoDelOptions({
        targetMs: c.targetMs as number | undefined,
        intervalMs: c.intervalMs as number | undefined,
        now: this.#now
      })
      this.#codel = mode === 'rfc8289' ? new CoDel(n) : undefined
      this.#mode = mode
      this.#lifo = lifo
      this.#targetMs = n.targetMs
      this.#intervalMs = n.intervalMs
    }
    this.#request = this.#mode === 'request'
    this.#ring = new RingQueue({ capacity })
  }

  /** Ring capacity (a power of two). */
  get capacity(): number {
    return this.#ring.capacity
  }

  /** Maximum items processed at the same time. */
  get concurrency(): number {
    return this.#concurrency
  }

  /** Items waiting. */
  get depth(): number {
    return this.#ring.size
  }

  /** Items being processed. */
  get inFlight(): number {
    return this.#inFlight
  }

  /** The RFC 8289 CoDel instance, or `undefined` when disabled or in `'request'` mode. */
  get codel(): CoDel | undefined {
    return this.#codel
  }

  /** The shedding algorithm (`codel.mode`), or `undefined` with `codel: false`. */
  get mode(): CoDelMode | undefined {
    return this.#mode
  }

  /** `true` after {@link close}. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Admission check without submitting: `true` when a submission now would be shed at once (ring
   * full, or refused by `'request'` admission), or, in `'rfc8289'` mode, when CoDel is in its
   * dropping state *and* the oldest queued item has already waited longer than the target (the
   * standing queue is still there). Used by the plugin to answer 503 before doing any work for a
   * request. Reading the head keeps this honest once the queue has drained: CoDel only updates its
   * state at dequeue time, so `dropping` alone could stay true while nothing is queued.
   */
  get overloaded(): boolean {
    if (this.#ring.isFull) return true
    if (this.#request) {
      const depth = this.#ring.size
      return depth > 0 && this.#waitMs(depth) > this.#limitMs(this.#now())
    }
    const codel = this.#codel
    if (codel === undefined || !codel.dropping) return false
    const head = this.#ring.peek()
    return head !== undefined && this.#now() - head.t >= codel.targetMs
  }

  /**
   * Suggested wait before retrying, ms: the time the current backlog (queued and in flight) needs
   * to drain at the measured rate (`concurrency` / mean service time). In `'rfc8289'` mode at least
   * one CoDel interval (1 s without CoDel); in `'request'` mode at least `targetMs` (and at least
   * 1), or `intervalMs` before any service time has been measured.
   */
  retryAfterMs(): number {
    const drain = ((this.#ring.size + this.#inFlight) * this.#serviceMs) / this.#concurrency
    if (this.#request) {
      if (this.#serviceMs === 0) return Math.ceil(this.#intervalMs)
      return Math.max(1, Math.ceil(drain), Math.ceil(this.#targetMs))
    }
    return Math.max(Math.ceil(drain), this.#codel?.intervalMs ?? 1000)
  }

  /**
   * Queues `item` for the worker.
   * @returns the worker's result.
   * @throws (rejects) `QUEUE_OVERLOADED` with `retryAfterMs` when shed; `RING_CLOSED` after close;
   *   the worker's own error when it fails.
   */
  submit(item: I): Promise<O> {
    if (this.#closed) return Promise.reject(new RingClosedError())
    if (this.#inFlight < this.#concurrency && this.#ring.isEmpty) {
      // Idle capacity: run at once. Its sojourn is 0, which also tells CoDel the queue is empty.
      this.#codel?.shouldDrop(0, this.#now(), 0)
      this.#sojourn.record(0)
      return this.#run(item)
    }
    if (this.#ring.isFull) {
      this.#dropped++
      return Promise.reject(this.#overloaded())
    }
    if (this.#request) return this.#admit(item)
    this.#admitAt = this.#now()
    return this.#enqueue(item)
  }

  // The promise executors live in these two small methods, not in submit(): a closure in submit()
  // would make every call allocate submit's context, and the 'request' path would pay for a
  // second one in #admit (~48 bytes per submission, measured in submit-cost.bench.ts).
  #run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#start(this.#entry(item, resolve, reject, 0))
    })
  }

  // The enqueue time goes through a field, not the closure: a captured double would be boxed into
  // a HeapNumber and widen the closure's context.
  #enqueue(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#ring.tryPush(this.#entry(item, resolve, reject, this.#admitAt))
    })
  }

  // 'request' admission: queue the item only if, at the measured drain rate, it can start within
  // the current limit (targetMs while overloaded, else intervalMs); otherwise shed it now, before
  // it has waited for nothing. A submission onto an empty ring is always queued: it keeps a worker
  // busy the moment one frees, and it marks the end of an empty spell.
  #admit(item: I): Promise<O> {
    const now = this.#now()
    const depth = this.#ring.size
    if (depth === 0) this.#lastEmpty = now
    else if (this.#isOverloaded(now)) {
      if (this.#waitMs(depth) > this.#targetMs) {
        this.#dropped++
        this.#lastShed = now
        return Promise.reject(this.#overloaded())
      }
    } else if (this.#waitMs(depth) > this.#intervalMs) {
      // A burst bigger than one interval of work: shed its excess, but this is not yet a standing
      // queue, so it does not start (or extend) the overloaded state.
      this.#dropped++
      return Promise.reject(this.#overloaded())
    }
    this.#admitAt = now
    return this.#enqueue(item)
  }

  // Expected wait of a submission behind `depth` queued items with every worker busy: `depth`
  // completions plus, on average, half of one, at `concurrency / mean service time` completions
  // per ms (Little's law for a saturated pool). 0 until a service time has been measured.
  #waitMs(depth: number): number {
    return ((depth + 0.5) * this.#serviceMs) / this.#concurrency
  }

  // "Fail at scale": if the queue has not been empty within the last interval (or shed work within
  // the memory, see #lastShed), the wait allowed is the target, else the interval, so a burst
  // that drains within an interval is absorbed. Only meaningful while the ring holds items.
  #limitMs(now: number): number {
    return this.#isOverloaded(now) ? this.#targetMs : this.#intervalMs
  }

  // For stats: #lastEmpty is stale while the ring is empty, so only the shed hysteresis counts then.
  #overloadedNow(): boolean {
    const now = this.#now()
    return this.#ring.isEmpty
      ? now - this.#lastShed < OVERLOAD_MEMORY_INTERVALS * this.#intervalMs
      : this.#isOverloaded(now)
  }

  #isOverloaded(now: number): boolean {
    return (
      now - this.#lastEmpty >= this.#intervalMs ||
      now - this.#lastShed < OVERLOAD_MEMORY_INTERVALS * this.#intervalMs
    )
  }

  /** Counters and sojourn percentiles (allocates one object; call it for metrics, not per item). */
  stats(): WorkQueueStats {
    return {
      depth: this.#ring.size,
      inFlight: this.#inFlight,
      dropped: this.#dropped,
      completed: this.#completed,
      failed: this.#failed,
      sojournP50Ms: this.#sojourn.quantile(0.5),
      sojournP99Ms: this.#sojourn.quantile(0.99),
      dropping: this.#request ? this.#overloadedNow() : (this.#codel?.dropping ?? false)
    }
  }

  /**
   * Stops accepting submissions (they reject with `RING_CLOSED`). With `drain: true` (default)
   * the queued items are still processed; with `drain: false` they reject with `RING_CLOSED`.
   * Resolves when nothing is queued or in flight. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closed = true
    if (options.drain === false) {
      const err = new RingClosedError()
      for (let e = this.#ring.shift(); e !== undefined; e = this.#ring.shift()) {
        const reject = e.reject!
        this.#release(e)
        reject(err)
      }
    }
    if (this.#inFlight === 0 && this.#ring.isEmpty) return Promise.resolve()
    return new Promise<void>((resolve) => {
      this.#idle.push(resolve)
    })
  }

  #entry(item: I, resolve: (v: O) => void, reject: (e: unknown) => void, t: number): Entry<I, O> {
    const e = this.#pool.pop() ?? new Entry(this.#settle)
    e.item = item
    e.resolve = resolve
    e.reject = reject
    e.t = t
    return e
  }

  #release(e: Entry<I, O>): void {
    e.item = undefined
    e.resolve = undefined
    e.reject = undefined
    this.#pool.push(e)
  }

  #start(e: Entry<I, O>): void {
    this.#inFlight++
    e.t = this.#now()
    let result: Promise<O> | O
    try {
      result = this.#worker(e.item as I)
    } catch (err) {
      // A synchronous throw is settled on a microtask like an async one, so the caller always sees
      // a rejection and the consumer loop is never re-entered from inside submit().
      queueMicrotask(() => e.onError(err))
      return
    }
    Promise.resolve(result).then(e.onDone, e.onError)
  }

  // An arrow field, not a method, so pooled entries can call it without a bound copy per call.
  readonly #settle = (e: Entry<I, O>, ok: boolean, value: unknown): void => {
    const service = this.#now() - e.t
    // Seeded by the first sample: an EWMA from 0 would under-estimate the drain time (and so
    // over-admit) for the first dozens of completions, exactly during a start-up burst.
    this.#serviceMs = this.#completed === 0 ? service : this.#serviceMs + (service - this.#serviceMs) / 8
    this.#inFlight--
    this.#completed++
    const resolve = e.resolve!
    const reject = e.reject!
    this.#release(e)
    if (ok) resolve(value as O)
    else {
      this.#failed++
      reject(value)
    }
    this.#next()
  }

  // Starts queued items while there is room, shedding those CoDel picks (drop at the head, as
  // RFC 8289 does at dequeue time: the oldest waiter is the one whose delay is known to be too long).
  #next(): void {
    if (this.#request) this.#nextRequest()
    else this.#nextRfc()
    if (this.#inFlight === 0 && this.#ring.isEmpty && this.#idle.length > 0) {
      const idle = this.#idle
      this.#idle = []
      for (const resolve of idle) resolve()
    }
  }

  #nextRfc(): void {
    while (this.#inFlight < this.#concurrency) {
      const e = this.#ring.shift()
      if (e === undefined) break
      const now = this.#now()
      const sojourn = now - e.t
      if (this.#codel?.shouldDrop(sojourn, now, this.#ring.size + 1)) {
        this.#shed(e)
        continue
      }
      this.#sojourn.record(sojourn)
      this.#start(e)
    }
  }

  // 'request' mode: shed from the head (oldest first) every item that has waited past the limit,
  // but never the last queued one, so shedding never leaves a worker idle (as RFC 8289 §5.6 never
  // drops the last packet). Then start the head, or with adaptive LIFO while overloaded the newest
  // item: under a standing queue the newest has the best chance to finish while its client still
  // cares ("Fail at scale"), and it can only be younger than the head that survived the sweep.
  #nextRequest(): void {
    const ring = this.#ring
    while (this.#inFlight < this.#concurrency && !ring.isEmpty) {
      const now = this.#now()
      const overloaded = this.#isOverloaded(now)
      const limit = overloaded ? this.#targetMs : this.#intervalMs
      let e = ring.peek() as Entry<I, O>
      while (now - e.t > limit && ring.size > 1) {
        ring.shift()
        // Past the interval the queue has stood for an interval too: overloaded either way.
        this.#lastShed = now
        this.#shed(e)
        e = ring.peek() as Entry<I, O>
      }
      e = (this.#lifo && overloaded ? ring.pop() : ring.shift()) as Entry<I, O>
      this.#sojourn.record(now - e.t)
      this.#start(e)
    }
  }

  #shed(e: Entry<I, O>): void {
    this.#dropped++
    const reject = e.reject!
    this.#release(e)
    reject(this.#overloaded())
  }

  #overloaded(): QueueOverloaded {
    const retryAfterMs = this.retryAfterMs()
    // The shed path runs hardest exactly when the process is overloaded: skip the stack trace.
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    const err = new QueueOverloadedError(this.name, retryAfterMs) as QueueOverloaded
    Error.stackTraceLimit = limit
    err.retryAfterMs = retryAfterMs
    return err
  }
}
