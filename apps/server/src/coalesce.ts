/**
 * Stream coalescing (`STREAM_FLUSH_MS`): the deltas of one reply leave a connection at most once
 * per flush interval, so a reply streamed at 200 tokens/s costs a few frames (and syscalls), not
 * one per 5 ms timer tick. The first delta after a quiet interval goes out at once (time to first
 * token is what a reader notices); later ones are appended to a pending buffer that one shared
 * timer flushes when its interval is up; `reply` and `error` flush what is pending first, in the
 * same tick, so the last piece leaves in the same write as the reply (the socket is corked per
 * tick). The deltas still add up to the reply: nothing is dropped or reordered.
 */

/** A sink whose pending deltas the scheduler can flush. */
interface Flushable {
  /** Slot `slot` came: flush if the sink is still queued there (a sink can be rescheduled). */
  flushDue(slot: number): void
}

// A flush is late by at most one slot: a quarter of the interval.
const SLOTS_PER_INTERVAL = 4
const RING = 8

/**
 * One timer for every connection of an app: sinks with pending deltas sit in time slots of a
 * small ring (a quarter interval each) and are flushed when their slot comes. Slot arrays are
 * reused, so a scheduled flush allocates nothing.
 */
export class FlushScheduler {
  /** The flush interval, in ms; 0 turns coalescing off (and {@link close} sets it to 0). */
  flushMs: number
  readonly #slotMs: number
  readonly #slots: Flushable[][] = []
  /** Absolute index of the next slot to process. */
  #cursor: number
  #pending = 0
  #timer: NodeJS.Timeout | null = null
  #closed = false

  constructor(flushMs: number) {
    this.flushMs = flushMs
    this.#slotMs = Math.max(1, flushMs / SLOTS_PER_INTERVAL)
    for (let i = 0; i < RING; i++) this.#slots.push([])
    this.#cursor = Math.floor(performance.now() / this.#slotMs)
  }

  /** The slot in which a flush due at `due` (a `performance.now()` time) runs. */
  slotOf(due: number): number {
    // Idle (nothing queued): the cursor stopped when the last tick ran; catch up with the clock.
    if (this.#pending === 0)
      this.#cursor = Math.max(this.#cursor, Math.floor(performance.now() / this.#slotMs))
    // Clamped to the ring: when the event loop lagged, the cursor is behind the clock and a slot
    // further ahead would wrap onto one processed earlier (the flush is then early, never lost).
    return Math.min(this.#cursor + RING - 1, Math.max(this.#cursor, Math.ceil(due / this.#slotMs)))
  }

  /** Flushes `sink` in `slot` (from {@link slotOf}: at most one interval ahead). */
  schedule(sink: Flushable, slot: number): void {
    ;(this.#slots[slot % RING] as Flushable[]).push(sink)
    this.#pending++
    if (this.#timer === null && !this.#closed) this.#arm()
  }

  #arm(): void {
    const wait = Math.max(0, this.#cursor * this.#slotMs - performance.now())
    this.#timer = setTimeout(FlushScheduler.#tick, wait, this)
    this.#timer.unref()
  }

  static #tick(self: FlushScheduler): void {
    self.#timer = null
    const upTo = Math.floor(performance.now() / self.#slotMs)
    // A slot is processed once: sinks scheduled into it while it runs go to the next one.
    while (self.#cursor <= upTo) {
      const at = self.#cursor++
      const slot = self.#slots[at % RING] as Flushable[]
      const n = slot.length
      for (let i = 0; i < n; i++) (slot[i] as Flushable).flushDue(at)
      self.#pending -= n
      slot.copyWithin(0, n)
      slot.length -= n
    }
    if (self.#pending > 0 && !self.#closed) self.#arm()
  }

  /** Flushes everything pending now and stops the timer (shutdown). */
  close(): void {
    this.#closed = true
    this.flushMs = 0
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    for (let i = 0; i < RING; i++) {
      const slot = this.#slots[(this.#cursor + i) % RING] as Flushable[]
      for (const sink of slot) sink.flushDue(this.#cursor + i)
      slot.length = 0
    }
    this.#pending = 0
  }
}

/**
 * Base of the transports' turn sinks: `delta` coalesces through the app's {@link FlushScheduler};
 * subclasses write frames with `writeDelta` and call `flushDeltas()` before any other frame of the
 * same reply.
 */
export abstract class CoalescingSink implements Flushable {
  readonly #scheduler: FlushScheduler
  #pendingId = ''
  #pendingText = ''
  /** Absolute scheduler slot this sink is queued in, or -1. */
  #slot = -1
  #lastFlushAt = Number.NEGATIVE_INFINITY

  constructor(scheduler: FlushScheduler) {
    this.#scheduler = scheduler
  }

  /** Writes one delta frame. */
  protected abstract writeDelta(id: string, text: string): void

  /** A delta of reply `id`: sent now, or appended to what the next flush sends. */
  delta(id: string, text: string): void {
    const ms = this.#scheduler.flushMs
    if (ms === 0) {
      this.writeDelta(id, text)
      return
    }
    if (this.#pendingText.length > 0) {
      if (id === this.#pendingId) {
        this.#pendingText += text
        return
      }
      this.flushDeltas()
    }
    const now = performance.now()
    if (now - this.#lastFlushAt >= ms) {
      this.#lastFlushAt = now
      this.writeDelta(id, text)
      return
    }
    this.#pendingId = id
    this.#pendingText = text
    // Already queued for a slot no earlier than this flush is due: keep it (no second entry).
    const slot = this.#scheduler.slotOf(this.#lastFlushAt + ms)
    if (this.#slot < slot) {
      this.#slot = slot
      this.#scheduler.schedule(this, slot)
    }
  }

  flushDue(slot: number): void {
    if (slot !== this.#slot) return
    this.#slot = -1
    this.flushDeltas()
  }

  /** Sends the pending deltas as one frame (the scheduler's tick, or before a reply or error). */
  flushDeltas(): void {
    if (this.#pendingText.length === 0) return
    const text = this.#pendingText
    this.#pendingText = ''
    this.#lastFlushAt = performance.now()
    this.writeDelta(this.#pendingId, text)
  }
}
