import { RingClosedError } from './errors.ts'
import { Fifo } from './fifo.ts'
import { checkObject, powerOfTwoCapacity } from './options.ts'

/** Options of {@link RingQueue}. */
export interface RingQueueOptions {
  /**
   * Number of slots, rounded up to a power of two (so the index wraps with a mask, not a modulo).
   * An integer from 1 to 2^30. Required.
   */
  capacity: number
}

interface Producer<T> {
  item: T
  resolve: () => void
  reject: (err: Error) => void
}

interface Consumer<T> {
  resolve: (item: T) => void
  reject: (err: Error) => void
}

// One settled promise shared by every `push()` that finds room at once: the fast path allocates
// nothing (an `async` function or `Promise.resolve()` per call would).
const RESOLVED: Promise<void> = Promise.resolve()

/**
 * A bounded FIFO over a preallocated power-of-two ring.
 *
 * `tryPush`/`shift` never allocate; `push` waits for room (backpressure) and `take` waits for an
 * item, both in FIFO order of the callers. Invariants: producers wait only while the ring is full
 * and consumers only while it is empty, so a freed slot goes straight to the oldest waiting
 * producer and a pushed item straight to the oldest waiting consumer.
 */
export class RingQueue<T> {
  #buf: Array<T | undefined>
  #mask: number
  // Free-running int32 counters (wrapping with `| 0`): size is `(tail - head) | 0` and a slot is
  // `counter & mask`, so neither push nor shift needs a modulo or a separate size field.
  #head = 0
  #tail = 0
  // The fullness limit the hot path compares against: `mask` while open, -1 once closed, so
  // `tryPush` checks "full or closed" with one comparison and sorts them out on the slow path.
  #limit: number
  #closed = false
  #producers = new Fifo<Producer<T>>()
  #consumers = new Fifo<Consumer<T>>()

  /** @throws `RING_INVALID_CAPACITY` (RangeError) when `capacity` is not an integer in 1..2^30. */
  constructor(options: RingQueueOptions) {
    const capacity = powerOfTwoCapacity(checkObject('options', options).capacity)
    // Filled with `undefined` so V8 allocates the whole backing store now, as a packed array,
    // instead of growing it on the first pushes.
    this.#buf = new Array<T | undefined>(capacity).fill(undefined)
    this.#mask = capacity - 1
    this.#limit = capacity - 1
  }

  /** Number of slots (a power of two). */
  get capacity(): number {
    return this.#mask + 1
  }

  /** Number of items in the ring (not counting producers waiting in `push`). */
  get size(): number {
    return (this.#tail - this.#head) | 0
  }

  /** `true` when no slot is free. */
  get isFull(): boolean {
    return ((this.#tail - this.#head) | 0) > this.#mask
  }

  /** `true` when the ring holds no item. */
  get isEmpty(): boolean {
    return this.#tail === this.#head
  }

  /** `true` once {@link close} was called. */
  get closed(): boolean {
    return this.#closed
  }

  /** Number of producers waiting in `push()` for room. */
  get waitingProducers(): number {
    return this.#producers.size
  }

  /** Number of consumers waiting in `take()` for an item. */
  get waitingConsumers(): number {
    return this.#consumers.size
  }

  /**
   * Adds `item` if there is room.
   * @returns `false` when the ring is full.
   * @throws `RING_CLOSED` after {@link close}.
   */
  tryPush(item: T): boolean {
    const tail = this.#tail
    const size = (tail - this.#head) | 0
    // Consumers only ever wait on an empty ring, so the waiter list is read only then; full,
    // closed and hand-over go to a separate method so this one stays small enough to inline.
    if (size > this.#limit || (size === 0 && this.#consumers.size !== 0)) return this.#pushSlow(item, size)
    this.#buf[tail & this.#mask] = item
    this.#tail = (tail + 1) | 0
    return true
  }

  #pushSlow(item: T, size: number): boolean {
    if (this.#closed) throw new RingClosedError()
    if (size !== 0) return false
    ;(this.#consumers.shift() as Consumer<T>).resolve(item)
    return true
  }

  /**
   * Adds `item`, waiting for room when the ring is full (backpressure). Waiting producers are
   * served in call order. Rejects with `RING_CLOSED` after {@link close}, also while waiting.
   */
  push(item: T): Promise<void> {
    if (this.#closed) return Promise.reject(new RingClosedError())
    if (this.tryPush(item)) return RESOLVED
    return new Promise<void>((resolve, reject) => {
      this.#producers.push({ item, resolve, reject })
    })
  }

  /** Removes and returns the oldest item, or `undefined` when the ring is empty. */
  shift(): T | undefined {
    const head = this.#head
    const tail = this.#tail
    if (head === tail) return undefined
    const slot = head & this.#mask
    const item = this.#buf[slot]
    // Clear the slot so the ring does not keep a consumed item alive for the garbage collector.
    this.#buf[slot] = undefined
    this.#head = (head + 1) | 0
    // Producers only ever wait on a full ring: look at them only when this shift freed the slot.
    if (((tail - head) | 0) > this.#mask) this.#admitProducer(tail)
    return item
  }

  /**
   * Removes and returns the newest item, or `undefined` when the ring is empty (LIFO service, as
   * the work queue's adaptive LIFO uses). A producer waiting for room takes the freed slot.
   */
  pop(): T | undefined {
    const head = this.#head
    const tail = this.#tail
    if (head === tail) return undefined
    const last = (tail - 1) | 0
    const slot = last & this.#mask
    const item = this.#buf[slot]
    this.#buf[slot] = undefined
    this.#tail = last
    if (((tail - head) | 0) > this.#mask) this.#admitProducer(last)
    return item
  }

  #admitProducer(tail: number): void {
    const producer = this.#producers.shift()
    if (producer === undefined) return
    this.#buf[tail & this.#mask] = producer.item
    this.#tail = (tail + 1) | 0
    producer.resolve()
  }

  /** Returns the oldest item without removing it, or `undefined` when the ring is empty. */
  peek(): T | undefined {
    return this.#buf[this.#head & this.#mask]
  }

  /**
   * Removes and returns the oldest item, waiting for one when the ring is empty. Waiting consumers
   * are served in call order. After {@link close}, items still in the ring are handed out; once it
   * is empty, `take()` rejects with `RING_CLOSED`.
   */
  take(): Promise<T> {
    if (this.#tail !== this.#head) return Promise.resolve(this.shift() as T)
    if (this.#closed) return Promise.reject(new RingClosedError())
    return new Promise<T>((resolve, reject) => {
      this.#consumers.push({ resolve, reject })
    })
  }

  /**
   * Closes the ring: later `push`/`tryPush` fail, waiting producers and waiting consumers reject
   * with `RING_CLOSED`. Items already in the ring stay readable (`shift`, `take`, iteration), so a
   * consumer can drain them. Idempotent.
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#limit = -1
    // One error instance for every waiter: the rejection path of a mass close stays cheap.
    const err = new RingClosedError()
    for (let p = this.#producers.shift(); p !== undefined; p = this.#producers.shift()) p.reject(err)
    for (let c = this.#consumers.shift(); c !== undefined; c = this.#consumers.shift()) c.reject(err)
  }

  /**
   * Yields items as they arrive (waiting when empty) until the ring is closed and drained; the
   * loop then ends normally.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    while (true) {
      if (this.#tail !== this.#head) {
        yield this.shift() as T
        continue
      }
      if (this.#closed) return
      let item: T
      try {
        item = await this.take()
      } catch {
        // take() only rejects with RING_CLOSED, and only once the ring is closed and empty.
        return
      }
      yield item
    }
  }
}
