import { type Clock, checkFunction, checkNumber, checkObject, defaultNow } from './options.ts'

/** Options of {@link CoDel}. */
export interface CoDelOptions {
  /**
   * Acceptable standing queue delay, in milliseconds (RFC 8289 TARGET). Default `5`.
   */
  targetMs?: number
  /**
   * Window over which the delay must stay above target before dropping starts, and the base of
   * the drop spacing, in milliseconds (RFC 8289 INTERVAL): about a worst-case round trip of the
   * clients. Default `100`.
   */
  intervalMs?: number
  /** Clock in milliseconds, used when `shouldDrop` gets no `nowMs`. Default `performance.now()`. */
  now?: Clock
}

/** Read-only view of CoDel's state, for metrics and tests. */
export interface CoDelState {
  /** In the dropping state (a standing queue has persisted for at least one interval). */
  dropping: boolean
  /** Drops in the current (or last) dropping episode; sets the drop rate. */
  count: number
  /** `count` at the start of the last dropping episode. */
  lastCount: number
  /** Time of the next scheduled drop while dropping, ms. */
  dropNextMs: number
  /** Time at which a delay above target has lasted one interval, or 0 when it is below target. */
  firstAboveTimeMs: number
}

/** Defaults of {@link CoDelOptions}. */
export const CODEL_DEFAULTS = Object.freeze({ targetMs: 5, intervalMs: 100 })

/** Normalised CoDel options. */
export interface NormalizedCoDelOptions {
  readonly targetMs: number
  readonly intervalMs: number
  readonly now: Clock
}

/** Checks CoDel options and returns a new frozen object with defaults applied. */
export function normalizeCoDelOptions(options?: CoDelOptions): NormalizedCoDelOptions {
  const o = checkObject('codel', options)
  const targetMs = checkNumber('targetMs', o.targetMs ?? CODEL_DEFAULTS.targetMs, 0)
  const intervalMs = checkNumber('intervalMs', o.intervalMs ?? CODEL_DEFAULTS.intervalMs, Number.MIN_VALUE)
  const now = o.now === undefined ? defaultNow : checkFunction<Clock>('now', o.now)
  return Object.freeze({ targetMs, intervalMs, now })
}

/**
 * Controlled Delay (CoDel) active queue management, RFC 8289, applied to the sojourn time of
 * items in a queue (time from enqueue to dequeue) instead of packets.
 *
 * Call {@link shouldDrop} once for every item at dequeue time; it returns whether to shed that
 * item. CoDel tolerates bursts (a queue that drains within one interval is never touched) and sheds
 * only a *standing* queue: delay above `targetMs` for a whole `intervalMs`. Then it drops one item
 * and schedules the next drop at `interval / sqrt(count)`, so the drop rate rises slowly until the
 * delay falls below target.
 */
export class CoDel {
  readonly #target: number
  readonly #interval: number
  readonly #now: Clock
  // Per-queue state, named as in RFC 8289 §5.2. `first_above_time == 0` means "not above target",
  // as in the RFC; a clock reading of exactly `-interval` would alias it, which no real clock gives.
  #firstAboveTime = 0
  #dropNext = 0
  #count = 0
  #lastCount = 0
  #dropping = false
  // In the RFC's dequeue loop (§5.5), after a drop in the dropping state the *next* packet is
  // examined and only if it is still above target is drop_next advanced by the control law. One
  // item per call here, so the advance is deferred to the next call; `drop_next` then keeps the
  // RFC's value when the episode ends, which matters for the re-entry test (`now - drop_next <
  // 16 * interval`).
  #advance = false

  /** @throws `RING_INVALID_OPTION` / `RING_INVALID_OPTION_TYPE` on a bad option. */
  constructor(options?: CoDelOptions) {
    const o = normalizeCoDelOptions(options)
    this.#target = o.targetMs
    this.#interval = o.intervalMs
    this.#now = o.now
  }

  /** TARGET in ms. */
  get targetMs(): number {
    return this.#target
  }

  /** INTERVAL in ms. */
  get intervalMs(): number {
    return this.#interval
  }

  /** `true` while in the dropping state. */
  get dropping(): boolean {
    return this.#dropping
  }

  /** A snapshot of the control state (allocates; for metrics and tests, not the hot path). */
  state(): CoDelState {
    return {
      dropping: this.#dropping,
      count: this.#count,
      lastCount: this.#lastCount,
      dropNextMs: this.#dropNext,
      firstAboveTimeMs: this.#firstAboveTime
    }
  }

  /**
   * Decides the fate of one dequeued item.
   * @param sojournMs how long the item waited in the queue, ms.
   * @param nowMs the dequeue time, ms (default: the clock).
   * @param backlog items still queued behind this one; with `0` the queue is treated as below
   *   target, so CoDel never sheds the last item and leaves the worker idle (RFC 8289 §5.6:
   *   `bytes() <= MAXPACKET`). Default `Infinity` (not considered).
   * @returns `true` when the item should be dropped.
   */
  shouldDrop(sojournMs: number, nowMs: number = this.#now(), backlog = Number.POSITIVE_INFINITY): boolean {
    const okToDrop = this.#okToDrop(sojournMs, nowMs, backlog)
    if (this.#dropping) {
      // §5.5: sojourn time fell below target: leave the dropping state.
      if (!okToDrop) {
        this.#dropping = false
        this.#advance = false
        return false
      }
      if (this.#advance) {
        this.#dropNext = this.#controlLaw(this.#dropNext, this.#count)
        this.#advance = false
      }
      // §5.5: still above target; drop when the scheduled time has come. The spacing shrinks with
      // sqrt(count) (the control law, §5.6), so the drop rate rises until the delay gives way.
      if (nowMs >= this.#dropNext) {
        this.#count++
        this.#advance = true
        return true
      }
      return false
    }
    if (!okToDrop) return false
    // §5.5: enter the dropping state and drop this item. If the last episode ended recently (less
    // than 16 intervals ago) the queue was not under control for long: resume near the drop rate
    // that last worked (count - lastcount) instead of starting over at 1.
    this.#dropping = true
    const delta = this.#count - this.#lastCount
    this.#count = delta > 1 && nowMs - this.#dropNext < 16 * this.#interval ? delta : 1
    this.#dropNext = this.#controlLaw(nowMs, this.#count)
    this.#lastCount = this.#count
    return true
  }

  /** Resets to the initial state (no standing queue seen, not dropping). */
  reset(): void {
    this.#firstAboveTime = 0
    this.#dropNext = 0
    this.#count = 0
    this.#lastCount = 0
    this.#dropping = false
    this.#advance = false
  }

  // §5.6 dodequeue(): is the delay above target, and has it been so for at least one interval?
  #okToDrop(sojournMs: number, nowMs: number, backlog: number): boolean {
    if (sojournMs < this.#target || backlog <= 0) {
      this.#firstAboveTime = 0
      return false
    }
    if (this.#firstAboveTime === 0) {
      this.#firstAboveTime = nowMs + this.#interval
      return false
    }
    return nowMs >= this.#firstAboveTime
  }

  // §5.6 control_law(): t + interval / sqrt(count).
  #controlLaw(t: number, count: number): number {
    return t + this.#interval / Math.sqrt(count)
  }
}
