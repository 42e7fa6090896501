import { FSM_INVALID_OPTION, FSM_OPTION_OUT_OF_RANGE } from './errors.ts'

/** Options of {@link TimerWheel}. */
export interface TimerWheelOptions {
  /** Length of one tick in milliseconds: the timer precision. Default `100`. */
  tickMs?: number
  /**
   * Number of slots, a power of two. One wheel turn is `tickMs * slots` ms; longer timers wait
   * whole turns (rounds) in their slot. Default `4096` (409.6 s per turn at 100 ms).
   */
  slots?: number
  /** Clock in epoch milliseconds. Default `Date.now`. Inject a fake one in tests. */
  now?: () => number
}

/**
 * A node of the wheel's intrusive doubly-linked slot lists. Timers are nodes themselves, so an
 * armed timer costs no allocation beyond its own object: machine instances extend this class and
 * are their own timer.
 * @internal
 */
export abstract class WheelNode {
  /** @internal Previous node in the slot's circular list; `null` when not armed. */
  _prev: WheelNode | null = null
  /** @internal Next node in the slot's circular list; `null` when not armed. */
  _next: WheelNode | null = null
  /** @internal Tick (counted from the wheel's origin) of the slot visit the node waits for. */
  _tick = 0
  /**
   * @internal Tick at which the node is due: `>= _tick`. Pushing a deadline later only updates this
   * field (no unlink/link, no neighbour touched); the node moves when its slot comes up.
   */
  _due = 0
  /** @internal Called by the wheel when the node is due, after it has been unlinked. */
  abstract _fire(): void
}

function unlink(node: WheelNode): void {
  const prev = node._prev as WheelNode
  const next = node._next as WheelNode
  prev._next = next
  next._prev = prev
  node._prev = null
  node._next = null
}

function linkBefore(head: WheelNode, node: WheelNode): void {
  const tail = head._prev as WheelNode
  node._prev = tail
  node._next = head
  tail._next = node
  head._prev = node
}

/** A list head: never fires, so it needs no `_fire`. */
function sentinel(): WheelNode {
  const head = { _prev: null, _next: null, _tick: 0, _due: 0 } as unknown as WheelNode
  head._prev = head
  head._next = head
  return head
}

/** A timer created by {@link TimerWheel.schedule}. Re-armable: `reschedule()` after `cancel()` works. */
export class TimerHandle extends WheelNode {
  readonly #wheel: TimerWheel
  readonly #fn: () => void

  /** @internal Use {@link TimerWheel.schedule}. */
  constructor(wheel: TimerWheel, fn: () => void) {
    super()
    this.#wheel = wheel
    this.#fn = fn
  }

  /** @internal */
  override _fire(): void {
    this.#fn()
  }

  /** Moves the deadline to `ms` from now (earlier or later), arming the timer again if needed. O(1). */
  reschedule(ms: number): this {
    this.#wheel._armAt(this, this.#wheel.now() + checkDelay(ms))
    return this
  }

  /** Disarms the timer. Returns `false` if it was not armed (already fired or cancelled). O(1). */
  cancel(): boolean {
    return this.#wheel._disarm(this)
  }

  /** `true` while the timer is armed. */
  get pending(): boolean {
    return this._next !== null
  }

  /** When the timer will fire (epoch ms, rounded up to its tick), or `undefined` if not armed. */
  get deadline(): number | undefined {
    return this._next === null ? undefined : this.#wheel._timeOf(this)
  }
}

function checkDelay(ms: number): number {
  if (typeof ms !== 'number' || !(ms >= 0) || ms === Number.POSITIVE_INFINITY) {
    throw new FSM_OPTION_OUT_OF_RANGE(`timer delay must be a finite number >= 0 ms, got ${String(ms)}`)
  }
  return ms
}

/**
 * A hashed timing wheel (Varghese & Lauck): `slots` circular doubly-linked lists indexed by
 * `tick & (slots - 1)`. Arming, re-arming and cancelling are O(1) and allocate nothing; one
 * `setInterval` (unref'd) drives every timer, so a million idle timers cost memory, not CPU.
 *
 * Precision: a timer never fires before its deadline; it fires at the first tick boundary at or
 * after it, i.e. at most one tick late when the wheel is advanced every tick (plus event-loop lag).
 */
export class TimerWheel {
  /** Tick length in ms. */
  readonly tickMs: number
  /** Number of slots. */
  readonly slots: number
  /** The clock (epoch ms). */
  readonly now: () => number
  /** Epoch ms of tick 0 (the clock when the wheel was created). */
  readonly origin: number
  readonly #mask: number
  readonly #wheel: WheelNode[]
  /** Due nodes being fired; a separate list so a callback may cancel a node that is due too. */
  readonly #firing: WheelNode = sentinel()
  #tick = 0
  #size = 0
  #interval: ReturnType<typeof setInterval> | null = null
  /** The clock as read by the last `advance()`. */
  #last: number

  constructor(options: TimerWheelOptions = {}) {
    const tickMs = options.tickMs ?? 100
    const slots = options.slots ?? 4096
    const now = options.now ?? Date.now
    if (typeof tickMs !== 'number' || !Number.isFinite(tickMs) || tickMs <= 0) {
      throw new FSM_OPTION_OUT_OF_RANGE(`tickMs must be a finite number > 0, got ${String(tickMs)}`)
    }
    if (!Number.isInteger(slots) || slots < 1 || slots > 2 ** 24 || (slots & (slots - 1)) !== 0) {
      throw new FSM_OPTION_OUT_OF_RANGE(`slots must be a power of two in [1, 2^24], got ${String(slots)}`)
    }
    if (typeof now !== 'function') throw new FSM_INVALID_OPTION(`now must be a function, got ${typeof now}`)
    this.tickMs = tickMs
    this.slots = slots
    this.now = now
    this.origin = now()
    this.#last = this.origin
    this.#mask = slots - 1
    this.#wheel = new Array(slots)
    for (let i = 0; i < slots; i++) this.#wheel[i] = sentinel()
  }

  /** Number of armed timers. */
  get size(): number {
    return this.#size
  }

  /** `true` between `start()` and `stop()`. */
  get running(): boolean {
    return this.#interval !== null
  }

  /** Calls `fn` once, `ms` milliseconds from now (never earlier, at most one tick later). */
  schedule(ms: number, fn: () => void): TimerHandle {
    if (typeof fn !== 'function') throw new FSM_INVALID_OPTION(`fn must be a function, got ${typeof fn}`)
    const handle = new TimerHandle(this, fn)
    this._armAt(handle, this.now() + checkDelay(ms))
    return handle
  }

  /**
   * Fires every timer due at or before `toMs` (default: the clock's now), in deadline order by
   * tick. Returns the number of timers fired. Used by the interval and by tests with a fake clock.
   */
  advance(toMs: number = this.now()): number {
    this.#last = toMs
    const target = Math.floor((toMs - this.origin) / this.tickMs)
    // Leftovers of a callback that threw on a previous advance fire first.
    let fired = this.#drain()
    while (this.#tick < target) {
      if (this.#size === 0) {
        this.#tick = target
        break
      }
      const tick = ++this.#tick
      const head = this.#wheel[tick & this.#mask] as WheelNode
      let node = head._next as WheelNode
      while (node !== head) {
        const next = node._next as WheelNode
        // Nodes of later rounds share the slot and are skipped until their turn.
        if (node._tick <= tick) {
          unlink(node)
          if (node._due <= tick) {
            // Tick 0 is never a slot tick: it marks "in the firing list" for `_armAt`.
            node._tick = 0
            linkBefore(this.#firing, node)
          } else {
            // Re-armed later since it was linked here: move it to its real slot now.
            node._tick = node._due
            linkBefore(this.#wheel[node._due & this.#mask] as WheelNode, node)
          }
        }
        node = next
      }
      fired += this.#drain()
    }
    return fired
  }

  #drain(): number {
    const firing = this.#firing
    let fired = 0
    while (firing._next !== firing) {
      const node = firing._next as WheelNode
      unlink(node)
      this.#size--
      fired++
      node._fire()
    }
    return fired
  }

  /** Starts the single unref'd interval that advances the wheel every tick. Idempotent. */
  start(): this {
    if (this.#interval === null) {
      this.#interval = setInterval(() => this.advance(), this.tickMs)
      this.#interval.unref()
    }
    return this
  }

  /** Stops the interval. Armed timers stay armed (and fire on a later `advance()` or `start()`). */
  stop(): this {
    if (this.#interval !== null) {
      clearInterval(this.#interval)
      this.#interval = null
    }
    return this
  }

  /** Disarms every timer. */
  clear(): void {
    for (const head of [...this.#wheel, this.#firing]) {
      while (head._next !== head) unlink(head._next as WheelNode)
    }
    this.#size = 0
  }

  /**
   * @internal A cheap clock: while the interval runs, the time of the last tick (at most one tick
   * old) — `Date.now()` costs ~50 ns, more than a whole `send()`; otherwise the real clock.
   */
  _coarseNow(): number {
    return this.#interval === null ? this.now() : this.#last
  }

  /** @internal Arms (or re-arms) `node` to fire at epoch ms `at`, rounded up to a tick. O(1). */
  _armAt(node: WheelNode, at: number): void {
    let tick = Math.ceil((at - this.origin) / this.tickMs)
    // A tick already processed cannot fire any more: the next one is the earliest possible.
    if (tick <= this.#tick) tick = this.#tick + 1
    if (node._next !== null) {
      // Later than (or at) the slot it waits in: the common re-arm (a new user message) is one write.
      if (tick >= node._tick && node._tick !== 0) {
        node._due = tick
        return
      }
      unlink(node)
    } else {
      this.#size++
    }
    node._tick = tick
    node._due = tick
    linkBefore(this.#wheel[tick & this.#mask] as WheelNode, node)
  }

  /** @internal Disarms `node`; `false` if it was not armed. O(1). */
  _disarm(node: WheelNode): boolean {
    if (node._next === null) return false
    unlink(node)
    this.#size--
    return true
  }

  /** @internal Epoch ms of the tick `node` is armed for. */
  _timeOf(node: WheelNode): number {
    return this.origin + node._due * this.tickMs
  }
}

let shared: TimerWheel | undefined

/**
 * The process-wide wheel used by machine instances created without a `wheel` option: 100 ms
 * ticks, started (unref'd) on first use.
 */
export function defaultWheel(): TimerWheel {
  if (shared === undefined) shared = new TimerWheel().start()
  return shared
}
