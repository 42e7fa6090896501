/** A user's fixed one-minute window. */
interface RateWindow {
  start: number
  count: number
}

const MINUTE_MS = 60_000

/**
 * `USER_RATE_PER_MIN`: a fixed one-minute window per user. Windows outlive connections
 * (reconnecting must not reset them) and are swept once a minute.
 */
export class UserRateLimiter {
  readonly #perMinute: number
  readonly #windows = new Map<string, RateWindow>()
  readonly #sweep: NodeJS.Timeout

  constructor(perMinute: number) {
    this.#perMinute = perMinute
    this.#sweep = setInterval(() => this.sweep(), MINUTE_MS).unref()
  }

  /** Most messages per minute. */
  get perMinute(): number {
    return this.#perMinute
  }

  /** Counts one message of `uid`: `0` when allowed, else the ms until its window ends. */
  hit(uid: string, now = performance.now()): number {
    let w = this.#windows.get(uid)
    if (w === undefined || now - w.start >= MINUTE_MS) {
      w = { start: now, count: 0 }
      this.#windows.set(uid, w)
    }
    return ++w.count > this.#perMinute ? Math.ceil(MINUTE_MS - (now - w.start)) : 0
  }

  /** Drops the windows that are over. */
  sweep(now = performance.now()): void {
    for (const [uid, w] of this.#windows) if (now - w.start >= MINUTE_MS) this.#windows.delete(uid)
  }

  /** Stops the sweep timer. */
  close(): void {
    clearInterval(this.#sweep)
  }
}
