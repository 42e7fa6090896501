import {
  InvalidCapacityError,
  SharedRingInvalidBufferError,
  SharedRingMessageTooLargeError,
  SharedRingTargetTooSmallError,
  show
} from './errors.ts'
import { MAX_CAPACITY } from './options.ts'

// Header layout, in Int32 slots. The indices written by different threads sit on different 64-byte
// cache lines so producer and consumer do not invalidate each other's line on every message.
const MAGIC = 0
const CAPACITY = 1
const CLOSED = 2
const WRITE = 16 // producer-owned: bytes written so far (wrapping int32)
const READ = 32 // consumer-owned: bytes read so far (wrapping int32)
const CONSUMER_SLEEPING = 48 // set by the consumer while it waits for data
const PRODUCER_SLEEPING = 56 // set by the producer while it waits for room
const HEADER_BYTES = 256
const MAGIC_VALUE = 0x52514e47
const MIN_CAPACITY = 16
// Never called: the callback of the keep-alive timer below, which is always cleared first.
/* c8 ignore next */
const noop = () => {}

// Atomics.waitAsync, holding the event loop open until it settles: in Node 20 a pending waitAsync
// timeout does not keep the process alive on its own, so a timed wait with nothing else scheduled
// would let the process exit mid-wait. Only the wait path pays for the timer.
async function waitAsync(header: Int32Array, index: number, value: number, timeoutMs: number): Promise<void> {
  const res = Atomics.waitAsync(header, index, value, timeoutMs)
  if (!res.async) return
  // The timer never fires (it is cleared as soon as the wait settles); it only holds the loop.
  const keepAlive = Number.isFinite(timeoutMs) ? setTimeout(noop, 0x7fffffff) : undefined
  await res.value
  clearTimeout(keepAlive)
}

/** Bytes a message of `length` bytes takes in the ring: a 4-byte length, payload padded to 4. */
function recordBytes(length: number): number {
  return 4 + ((length + 3) & ~3)
}

// TypedArray#set, not a byte loop: element-wise access to SharedArrayBuffer-backed arrays is ~10x
// slower than the bulk copy here (2.6M vs 25M 100-byte copies/s, measured on Node 20). A whole
// source array is copied without a `subarray` view, which costs an allocation.
function copy(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  dst.set(srcOff === 0 && n === src.length ? src : src.subarray(srcOff, srcOff + n), dstOff)
}

class Side {
  protected readonly header: Int32Array
  protected readonly data: Uint8Array
  protected readonly lengths: Int32Array
  protected readonly capacity: number
  protected readonly mask: number

  constructor(sab: SharedArrayBuffer) {
    if (!(sab instanceof SharedArrayBuffer)) {
      throw new SharedRingInvalidBufferError(`expected a SharedArrayBuffer, got ${show(sab)}`)
    }
    if (sab.byteLength < HEADER_BYTES + MIN_CAPACITY) {
      throw new SharedRingInvalidBufferError(`${sab.byteLength} bytes is too small`)
    }
    this.header = new Int32Array(sab, 0, HEADER_BYTES / 4)
    const capacity = Atomics.load(this.header, CAPACITY)
    if (Atomics.load(this.header, MAGIC) !== MAGIC_VALUE || capacity !== sab.byteLength - HEADER_BYTES) {
      throw new SharedRingInvalidBufferError('use SharedRing.create() to make the buffer')
    }
    this.capacity = capacity
    this.mask = capacity - 1
    this.data = new Uint8Array(sab, HEADER_BYTES, capacity)
    this.lengths = new Int32Array(sab, HEADER_BYTES, capacity / 4)
  }

  /** Payload bytes of the largest message the ring can hold. */
  get maxMessageBytes(): number {
    return this.capacity - 4
  }

  /** Bytes currently used by unread messages (headers and padding included). */
  get usedBytes(): number {
    return (Atomics.load(this.header, WRITE) - Atomics.load(this.header, READ)) | 0
  }

  /** `true` once the producer called `close()`. */
  get closed(): boolean {
    return Atomics.load(this.header, CLOSED) !== 0
  }
}

/**
 * Helpers to create a shared ring. Each buffer has exactly one {@link SharedRingProducer} and one
 * {@link SharedRingConsumer}, usually in different threads (pass the buffer in `workerData` or
 * with `postMessage`).
 */
export const SharedRing = Object.freeze({
  /** Bytes of the fixed header in front of the data region. */
  HEADER_BYTES,
  /**
   * Allocates and initialises a ring buffer.
   * @param bytes data capacity, rounded up to a power of two, at least 16.
   * @throws `RING_INVALID_CAPACITY` (RangeError) when not an integer in 1..2^30.
   */
  create(bytes: number): SharedArrayBuffer {
    if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 1 || bytes > MAX_CAPACITY) {
      throw new InvalidCapacityError(MAX_CAPACITY, show(bytes))
    }
    const capacity = Math.max(MIN_CAPACITY, 2 ** Math.ceil(Math.log2(bytes)))
    const sab = new SharedArrayBuffer(HEADER_BYTES + capacity)
    const header = new Int32Array(sab, 0, HEADER_BYTES / 4)
    header[CAPACITY] = capacity
    Atomics.store(header, MAGIC, MAGIC_VALUE)
    return sab
  },
  /** Bytes a message of `length` payload bytes occupies in the ring. */
  recordBytes
})

/**
 * The writing end of a single-producer single-consumer byte ring over a SharedArrayBuffer.
 *
 * Messages are length-prefixed and copied in; the consumer is woken only when it has announced
 * that it sleeps, so a burst of writes costs one `Atomics.notify` at most (batched notification),
 * and none while the consumer keeps up.
 */
export class SharedRingProducer extends Side {
  #write: number

  /** @throws `SHARED_RING_INVALID_BUFFER` when `sab` was not made by `SharedRing.create()`. */
  constructor(sab: SharedArrayBuffer) {
    super(sab)
    this.#write = Atomics.load(this.header, WRITE)
  }

  /** Free bytes (a message of n bytes needs `SharedRing.recordBytes(n)`). */
  get freeBytes(): number {
    return this.capacity - ((this.#write - Atomics.load(this.header, READ)) | 0)
  }

  /**
   * Copies one message into the ring.
   * @param bytes the message.
   * @param length bytes of `bytes` to send, from index 0 (default: all), so a reused scratch buffer
   *   needs no `subarray` view per message.
   * @returns `false` when there is not enough free space now (nothing is written).
   * @throws `SHARED_RING_MESSAGE_TOO_LARGE` (RangeError) when the message could never fit.
   */
  write(bytes: Uint8Array, length: number = bytes.length): boolean {
    const need = recordBytes(length)
    if (need > this.capacity) throw new SharedRingMessageTooLargeError(length, this.capacity - 4)
    const w = this.#write
    if (this.capacity - ((w - Atomics.load(this.header, READ)) | 0) < need) return false
    const off = w & this.mask
    this.lengths[off >> 2] = length
    const p = (off + 4) & this.mask
    const first = Math.min(length, this.capacity - p)
    copy(bytes, 0, this.data, p, first)
    if (first < length) copy(bytes, first, this.data, 0, length - first)
    this.#write = (w + need) | 0
    // Atomics.store is sequentially consistent: the plain writes above are visible to a consumer
    // that observes the new index, and the flag load below cannot move before the store.
    Atomics.store(this.header, WRITE, this.#write)
    if (Atomics.load(this.header, CONSUMER_SLEEPING) !== 0) Atomics.notify(this.header, WRITE)
    return true
  }

  /**
   * Blocks the thread (Atomics.wait) until `length` payload bytes fit, or `timeoutMs` passes.
   * For worker threads; on the event loop use {@link waitForSpaceAsync}.
   * @returns `true` when there is room.
   * @throws `SHARED_RING_MESSAGE_TOO_LARGE` when the message could never fit.
   */
  waitForSpace(length: number, timeoutMs = Number.POSITIVE_INFINITY): boolean {
    const need = this.#need(length)
    const deadline = performance.now() + timeoutMs
    while (this.freeBytes < need) {
      const left = deadline - performance.now()
      if (left <= 0) return false
      const r = Atomics.load(this.header, READ)
      Atomics.store(this.header, PRODUCER_SLEEPING, 1)
      if (this.capacity - ((this.#write - r) | 0) < need) Atomics.wait(this.header, READ, r, left)
      Atomics.store(this.header, PRODUCER_SLEEPING, 0)
    }
    return true
  }

  /** Like {@link waitForSpace} without blocking the thread (Atomics.waitAsync). */
  async waitForSpaceAsync(length: number, timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const need = this.#need(length)
    const deadline = performance.now() + timeoutMs
    while (this.freeBytes < need) {
      const left = deadline - performance.now()
      if (left <= 0) return false
      const r = Atomics.load(this.header, READ)
      Atomics.store(this.header, PRODUCER_SLEEPING, 1)
      if (this.capacity - ((this.#write - r) | 0) < need) {
        await waitAsync(this.header, READ, r, left)
      }
      Atomics.store(this.header, PRODUCER_SLEEPING, 0)
    }
    return true
  }

  /** Marks the ring closed and wakes the consumer; messages already written stay readable. */
  close(): void {
    Atomics.store(this.header, CLOSED, 1)
    Atomics.notify(this.header, WRITE)
  }

  #need(length: number): number {
    const need = recordBytes(length)
    if (need > this.capacity) throw new SharedRingMessageTooLargeError(length, this.capacity - 4)
    return need
  }
}

/**
 * The reading end of a shared ring. `read()` returns a copy of the next message; `readInto()`
 * copies it into a buffer you own and allocates nothing.
 */
export class SharedRingConsumer extends Side {
  #read: number

  /** @throws `SHARED_RING_INVALID_BUFFER` when `sab` was not made by `SharedRing.create()`. */
  constructor(sab: SharedArrayBuffer) {
    super(sab)
    this.#read = Atomics.load(this.header, READ)
  }

  /** `true` when no message is waiting. */
  get isEmpty(): boolean {
    return Atomics.load(this.header, WRITE) === this.#read
  }

  /** Payload length of the next message, or -1 when the ring is empty. */
  peekLength(): number {
    if (Atomics.load(this.header, WRITE) === this.#read) return -1
    return this.lengths[(this.#read & this.mask) >> 2]!
  }

  /** Removes the next message and returns a copy of it, or `undefined` when the ring is empty. */
  read(): Uint8Array | undefined {
    const r = this.#read
    if (Atomics.load(this.header, WRITE) === r) return undefined
    const off = r & this.mask
    const length = this.lengths[off >> 2]!
    const p = (off + 4) & this.mask
    const first = Math.min(length, this.capacity - p)
    let out: Uint8Array
    if (first === length) {
      out = this.data.slice(p, p + length)
    } else {
      out = new Uint8Array(length)
      copy(this.data, p, out, 0, first)
      copy(this.data, 0, out, first, length - first)
    }
    this.#advance(r, length)
    return out
  }

  /**
   * Removes the next message, copying it into `target` (from index 0).
   * @returns its length, or -1 when the ring is empty.
   * @throws `SHARED_RING_TARGET_TOO_SMALL` (RangeError) when `target` is shorter than the
   *   message; the message stays in the ring (see {@link peekLength}).
   */
  readInto(target: Uint8Array): number {
    const r = this.#read
    if (Atomics.load(this.header, WRITE) === r) return -1
    const off = r & this.mask
    const length = this.lengths[off >> 2]!
    if (length > target.length) throw new SharedRingTargetTooSmallError(length, target.length)
    const p = (off + 4) & this.mask
    const first = Math.min(length, this.capacity - p)
    copy(this.data, p, target, 0, first)
    if (first < length) copy(this.data, 0, target, first, length - first)
    this.#advance(r, length)
    return length
  }

  /**
   * Blocks the thread (Atomics.wait) until a message is available, the ring is closed, or
   * `timeoutMs` passes. For worker threads; on the event loop use {@link waitAsync}.
   * @returns `true` when a message is available.
   */
  wait(timeoutMs = Number.POSITIVE_INFINITY): boolean {
    const r = this.#read
    if (Atomics.load(this.header, WRITE) !== r) return true
    if (this.closed) return false
    Atomics.store(this.header, CONSUMER_SLEEPING, 1)
    // Atomics.wait re-reads WRITE atomically: a write that landed after the check above makes it
    // return 'not-equal' at once, so no wake-up is lost.
    Atomics.wait(this.header, WRITE, r, timeoutMs)
    Atomics.store(this.header, CONSUMER_SLEEPING, 0)
    return Atomics.load(this.header, WRITE) !== r
  }

  /** Like {@link wait} without blocking the thread (Atomics.waitAsync). */
  async waitAsync(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const r = this.#read
    if (Atomics.load(this.header, WRITE) !== r) return true
    if (this.closed) return false
    Atomics.store(this.header, CONSUMER_SLEEPING, 1)
    await waitAsync(this.header, WRITE, r, timeoutMs)
    Atomics.store(this.header, CONSUMER_SLEEPING, 0)
    return Atomics.load(this.header, WRITE) !== r
  }

  #advance(r: number, length: number): void {
    this.#read = (r + recordBytes(length)) | 0
    Atomics.store(this.header, READ, this.#read)
    if (Atomics.load(this.header, PRODUCER_SLEEPING) !== 0) Atomics.notify(this.header, READ)
  }
}
