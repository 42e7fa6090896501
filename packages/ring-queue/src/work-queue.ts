import { CoDel, type CoDelOptions } from './codel.ts'
import { type QueueOverloaded, QueueOverloadedError, RingClosedError } from './errors.ts'
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

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions<I, O> {
  /** Processes one item; its result resolves the submission. Required. */
  worker: Worker<I, O>
  /** Items that may wait (not counting those in flight); rounded up to a power of two. Default `1024`. */
  capacity?: number
  /** Items processed at the same time. Default `1`. */
  concurrency?: number
  /**
   * CoDel settings (`targetMs`, `intervalMs`), or `false` to shed only when the ring is full.
   * Default `{ targetMs: 5, intervalMs: 100 }`.
   */
  codel?: Omit<CoDelOptions, 'now'> | false
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
  /** Submissions shed with `QUEUE_OVERLOADED` (ring full or CoDel). */
  dropped: number
  /** Submissions whose worker settled (resolved or threw). */
  completed: number
  /** Submissions whose worker threw. */
  failed: number
  /** Median time from submit to start of processing, ms (HDR-style, <= 6.25% high). */
  sojournP50Ms: number
  /** 99th percentile time from submit to start of processing, ms. */
  sojournP99Ms: number
  /** `true` while CoDel is in its dropping state. */
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

/** Defaults of {@link WorkQueueOptions}. */
export const WORK_QUEUE_DEFAULTS = Object.freeze({ capacity: 1024, concurrency: 1, name: 'default' })

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
 * `concurrency` of them at a time, and {@link CoDel} on their queueing delay.
 *
 * `submit()` resolves with the worker's result, or rejects with `QUEUE_OVERLOADED` (and a
 * `retryAfterMs`) when the ring is full or CoDel sheds the submission at dequeue time because a
 * standing queue has persisted. A worker error rejects only its own submission.
 */
export class WorkQueue<I, O> {
  readonly name: string
  readonly #worker: Worker<I, O>
  readonly #ring: RingQueue<Entry<I, O>>
  readonly #codel: CoDel | undefined
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
  // Exponentially weighted mean service time, for retryAfterMs; no allocation, no window.
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
    this.#codel =
      o.codel === false ? undefined : new CoDel({ ...checkObject('codel', o.codel), now: this.#now })
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

  /** The CoDel instance, or `undefined` when disabled. */
  get codel(): CoDel | undefined {
    return this.#codel
  }

  /** `true` after {@link close}. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Admission check without submitting: `true` when a submission now would be shed at once (ring
   * full), or when CoDel is in its dropping state *and* the oldest queued item has already waited
   * longer than the target (the standing queue is still there). Used by the plugin to answer 503
   * before doing any work for a request. Reading the head keeps this honest once the queue has
   * drained: CoDel only updates its state at dequeue time, so `dropping` alone could stay true
   * while nothing is queued.
   */
  get overloaded(): boolean {
    if (this.#ring.isFull) return true
    const codel = this.#codel
    if (codel === undefined || !codel.dropping) return false
    const head = this.#ring.peek()
    return head !== undefined && this.#now() - head.t >= codel.targetMs
  }

  /**
   * Suggested wait before retrying, ms: the time the current backlog needs to drain at the
   * measured service rate, and at least one CoDel interval (or 1 s without CoDel).
   */
  retryAfterMs(): number {
    const drain = ((this.#ring.size + this.#inFlight) * this.#serviceMs) / this.#concurrency
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
      return new Promise<O>((resolve, reject) => {
        this.#start(this.#entry(item, resolve, reject, 0))
      })
    }
    if (this.#ring.isFull) {
      this.#dropped++
      return Promise.reject(this.#overloaded())
    }
    return new Promise<O>((resolve, reject) => {
      this.#ring.tryPush(this.#entry(item, resolve, reject, this.#now()))
    })
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
      dropping: this.#codel?.dropping ?? false
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
    this.#serviceMs += (service - this.#serviceMs) / 8
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
    while (this.#inFlight < this.#concurrency) {
      const e = this.#ring.shift()
      if (e === undefined) break
      const now = this.#now()
      const sojourn = now - e.t
      if (this.#codel?.shouldDrop(sojourn, now, this.#ring.size + 1)) {
        this.#dropped++
        const reject = e.reject!
        this.#release(e)
        reject(this.#overloaded())
        continue
      }
      this.#sojourn.record(sojourn)
      this.#start(e)
    }
    if (this.#inFlight === 0 && this.#ring.isEmpty && this.#idle.length > 0) {
      const idle = this.#idle
      this.#idle = []
      for (const resolve of idle) resolve()
    }
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
