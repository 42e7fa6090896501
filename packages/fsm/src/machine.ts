import { FSM_INVALID_DEFINITION, FSM_INVALID_OPTION, FSM_INVALID_SNAPSHOT } from './errors.ts'
import { defaultWheel, TimerWheel, WheelNode } from './timer-wheel.ts'

/** Any event: an object discriminated by its `type` (never by message text). */
export interface EventObject {
  readonly type: string
}

/** The event passed to actions and reported in results when a delayed (`after`) transition fires. */
export interface AfterEvent {
  readonly type: 'fsm.after'
  /** The delay of the `after` entry that fired. */
  readonly ms: number
  /** Its target state. */
  readonly target: string
}

/** The events of `E` whose `type` is `K`. */
export type EventOfType<E extends EventObject, K extends E['type']> = Extract<E, { type: K }>

/** A side effect run on a transition; it may mutate the context. */
export type Action<C, Ev> = (context: C, event: Ev) => void

/** A guard: the transition is taken only if it returns `true`. Keep it pure. */
export type Guard<C, Ev> = (context: C, event: Ev) => boolean

/** One candidate transition for an event. Without `target` it is internal: actions only, no exit/entry, timers untouched. */
export interface TransitionObject<S extends string, C, Ev> {
  /** Target state. Omit for an internal transition. A target equal to the current state re-enters it (exit, entry, timers re-armed). */
  target?: S
  /** Taken only if this returns `true`; otherwise the next candidate of the array is tried. */
  guard?: Guard<C, Ev>
  /** Run in order after the source state's `exit` and before the target's `entry`. */
  actions?: Action<C, Ev> | ReadonlyArray<Action<C, Ev>>
}

/** A transition: a target state name, one candidate, or candidates tried in order. */
export type TransitionConfig<S extends string, C, Ev> =
  | S
  | TransitionObject<S, C, Ev>
  | ReadonlyArray<TransitionObject<S, C, Ev>>

/** A delayed transition, taken `ms` after the state was entered if the state has not been left. */
export interface AfterConfig<S extends string, C> {
  /** Delay in ms, > 0. */
  ms: number
  /** Target state. */
  target: S
  /** If it returns `false` when due, the next (longer) `after` entry of the state is armed instead. */
  guard?: (context: C) => boolean
  /** Run like transition actions. */
  actions?: Action<C, AfterEvent> | ReadonlyArray<Action<C, AfterEvent>>
}

/** One state of a definition. */
export interface StateConfig<S extends string, E extends EventObject, C> {
  /** Transitions by event `type`. */
  on?: { [K in E['type']]?: TransitionConfig<S, C, EventOfType<E, K>> }
  /** Delayed transitions; the shortest is armed on entry. */
  after?: AfterConfig<S, C> | ReadonlyArray<AfterConfig<S, C>>
  /** Run when the state is entered. */
  entry?: Action<C, E | AfterEvent>
  /** Run when the state is left. */
  exit?: Action<C, E | AfterEvent>
  /** A final state accepts no event and has no `after`; instances in it are `done`. */
  final?: boolean
}

/** A machine definition, checked by {@link defineMachine}. */
export interface MachineDefinition<S extends string, E extends EventObject, C> {
  /** Type carrier only (`{} as { context: C; events: E }`); never read at run time. */
  types?: { context?: C; events?: E }
  /** Initial state. */
  initial: NoInfer<S>
  /** Creates the context of `machine.create()` when none is given. */
  context?: () => NoInfer<C>
  /** The states. */
  states: { [K in S]: StateConfig<NoInfer<S>, E, C> }
  /** Turns the context into plain JSON for `snapshot()`. Default: the context itself. */
  serializeContext?: (context: C) => unknown
  /** Rebuilds the context from the JSON of a snapshot. Default: the JSON itself. */
  reviveContext?: (json: unknown) => C
}

/**
 * The result of `send()`. **Reused**: the same object (one per machine) is returned by every
 * `send()` of every instance of the machine and overwritten by the next one; read it at once or
 * copy it.
 */
export interface SendResult<S extends string = string, E extends EventObject = EventObject> {
  /** `true` if the event was accepted (a transition was taken, possibly back to the same state). */
  changed: boolean
  /** State before the event. */
  from: S
  /** State after the event (equal to `from` when not changed or internal). */
  to: S
  /** The event. */
  event: E | AfterEvent
}

/** A pending delayed transition in a snapshot. */
export interface SnapshotTimer {
  /** Index of the entry in the state's `after` list (sorted by `ms`). */
  index: number
  /** Its target state. */
  target: string
  /** Absolute deadline, epoch ms. */
  at: number
}

/** Plain-JSON, versioned state of an instance. */
export interface Snapshot<S extends string = string> {
  /** Snapshot format version: `1`. */
  v: 1
  state: S
  /** The context as produced by `serializeContext`. */
  context: unknown
  /** Epoch ms of the last transition (or creation). */
  updatedAt: number
  /** Number of transitions taken since creation. */
  version: number
  /** Pending delayed transitions with absolute deadlines (empty when none). */
  timers: SnapshotTimer[]
}

/** Called after every transition an instance takes (sent or delayed). */
export type TransitionHook<S extends string, E extends EventObject, C> = (
  instance: MachineInstance<S, E, C>,
  result: SendResult<S, E>
) => void

/** Options of `machine.create()` and `machine.restore()`. */
export interface InstanceOptions<
  S extends string = string,
  E extends EventObject = EventObject,
  C = unknown
> {
  /** Wheel for delayed transitions; its clock is the instance's clock. Default: a shared, started 100 ms wheel. */
  wheel?: TimerWheel
  /** An id stored on the instance (the registry uses the user id). */
  id?: string
  /** Called after every transition. Pass the same function for many instances: it is shared, not stored per instance. */
  onTransition?: TransitionHook<S, E, C>
}

const noop = (): void => {}

/** Exact deadline of the entry `_step` left pending (NaN if none); read right after the call. */
let pendingAt = Number.NaN

type AnyAction = (context: unknown, event: unknown) => void
type AnyGuard = ((context: unknown, event: unknown) => boolean) | null

/** A compiled candidate transition; `next` chains guarded alternatives. */
class Transition {
  constructor(
    readonly target: number,
    readonly guard: AnyGuard,
    readonly action: AnyAction,
    readonly next: Transition | null
  ) {}
}

/** A compiled `after` entry with its preallocated event. */
class AfterEntry {
  readonly event: AfterEvent
  constructor(
    readonly ms: number,
    readonly target: number,
    readonly guard: ((context: unknown) => boolean) | null,
    readonly action: AnyAction,
    targetName: string
  ) {
    this.event = Object.freeze({ type: 'fsm.after', ms, target: targetName })
  }
}

/** Everything `send` needs, built once by `defineMachine`. */
class Compiled {
  names: string[] = []
  eventIndex = new Map<string, number>()
  nEvents = 0
  /** `table[state * nEvents + event]`: the first candidate, or `null`. */
  table: Array<Transition | null> = []
  final: boolean[] = []
  entry: AnyAction[] = []
  exit: AnyAction[] = []
  after: Array<AfterEntry[] | null> = []
  result: SendResult = { changed: false, from: '', to: '', event: { type: '' } }
  serialize: (context: unknown) => unknown = (c) => c
  revive: (json: unknown) => unknown = (j) => j
  createContext: (() => unknown) | null = null
}

/** Per-(machine, wheel, hook) data shared by instances, so each instance holds one pointer. */
class Host {
  readonly now: () => number
  readonly origin: number
  constructor(
    readonly c: Compiled,
    readonly wheel: TimerWheel,
    readonly hook: TransitionHook<string, EventObject, unknown> | null
  ) {
    this.now = wheel.now
    this.origin = wheel.origin
  }
}

function compose(actions: unknown, where: string): AnyAction {
  if (actions === undefined) return noop
  if (typeof actions === 'function') return actions as AnyAction
  if (Array.isArray(actions)) {
    for (const a of actions) {
      if (typeof a !== 'function') throw new FSM_INVALID_DEFINITION(`${where}: actions must be functions`)
    }
    const list = actions.slice() as AnyAction[]
    if (list.length === 0) return noop
    if (list.length === 1) return list[0] as AnyAction
    return (context, event) => {
      for (let i = 0; i < list.length; i++) (list[i] as AnyAction)(context, event)
    }
  }
  throw new FSM_INVALID_DEFINITION(`${where}: actions must be a function or an array of functions`)
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function compile(def: MachineDefinition<string, EventObject, unknown>): Compiled {
  if (!isObject(def)) throw new FSM_INVALID_DEFINITION('the definition must be an object')
  if (!isObject(def.states)) throw new FSM_INVALID_DEFINITION('`states` must be an object')
  const c = new Compiled()
  const names = Object.keys(def.states)
  if (names.length === 0) throw new FSM_INVALID_DEFINITION('`states` is empty')
  c.names = names
  const index = new Map(names.map((n, i) => [n, i]))
  const initial = index.get(def.initial)
  if (initial === undefined) {
    throw new FSM_INVALID_DEFINITION(`initial state "${String(def.initial)}" is not a state`)
  }
  const targetOf = (state: string, what: string, target: unknown): number => {
    const i = typeof target === 'string' ? index.get(target) : undefined
    if (i === undefined) {
      throw new FSM_INVALID_DEFINITION(`state "${state}": ${what} targets unknown state "${String(target)}"`)
    }
    return i
  }

  // Pass 1: event types.
  for (const name of names) {
    const s = def.states[name]
    if (!isObject(s)) throw new FSM_INVALID_DEFINITION(`state "${name}" must be an object`)
    if (s.on !== undefined && !isObject(s.on))
      throw new FSM_INVALID_DEFINITION(`state "${name}": \`on\` must be an object`)
    for (const type of Object.keys(s.on ?? {}))
      if (!c.eventIndex.has(type)) c.eventIndex.set(type, c.eventIndex.size)
  }
  c.nEvents = c.eventIndex.size
  c.table = new Array(names.length * c.nEvents).fill(null)

  // Pass 2: transitions, after, entry/exit; edges for reachability.
  const edges: number[][] = names.map(() => [])
  names.forEach((name, si) => {
    const s = def.states[name] as StateConfig<string, EventObject, unknown>
    const on = (s.on ?? {}) as Record<string, unknown>
    const after = s.after === undefined ? [] : Array.isArray(s.after) ? s.after : [s.after]
    c.final[si] = s.final === true
    if (s.final === true && (Object.keys(on).length > 0 || after.length > 0)) {
      throw new FSM_INVALID_DEFINITION(`final state "${name}" has outgoing transitions`)
    }
    for (const key of ['entry', 'exit'] as const) {
      if (s[key] !== undefined && typeof s[key] !== 'function') {
        throw new FSM_INVALID_DEFINITION(`state "${name}": \`${key}\` must be a function`)
      }
    }
    c.entry[si] = (s.entry as AnyAction | undefined) ?? noop
    c.exit[si] = (s.exit as AnyAction | undefined) ?? noop
    for (const [type, config] of Object.entries(on)) {
      const where = `state "${name}" on "${type}"`
      const list =
        typeof config === 'string' ? [{ target: config }] : Array.isArray(config) ? config : [config]
      if (list.length === 0) throw new FSM_INVALID_DEFINITION(`${where}: empty list of transitions`)
      let chain: Transition | null = null
      for (let k = list.length - 1; k >= 0; k--) {
        const t = list[k] as unknown
        if (!isObject(t))
          throw new FSM_INVALID_DEFINITION(`${where}: a transition must be a state name or an object`)
        const target = t.target === undefined ? -1 : targetOf(name, `"${type}"`, t.target)
        if (target >= 0) edges[si]?.push(target)
        if (t.guard !== undefined && typeof t.guard !== 'function') {
          throw new FSM_INVALID_DEFINITION(`${where}: guard must be a function`)
        }
        chain = new Transition(target, (t.guard as AnyGuard) ?? null, compose(t.actions, where), chain)
      }
      c.table[si * c.nEvents + (c.eventIndex.get(type) as number)] = chain
    }
    const entries = after.map((a: unknown, k: number) => {
      const where = `state "${name}" after[${k}]`
      if (!isObject(a)) throw new FSM_INVALID_DEFINITION(`${where} must be an object`)
      if (typeof a.ms !== 'number' || !Number.isFinite(a.ms) || a.ms <= 0) {
        throw new FSM_INVALID_DEFINITION(`${where}: ms must be a finite number > 0`)
      }
      const target = targetOf(name, `after ${a.ms} ms`, a.target)
      edges[si]?.push(target)
      if (a.guard !== undefined && typeof a.guard !== 'function') {
        throw new FSM_INVALID_DEFINITION(`${where}: guard must be a function`)
      }
      return new AfterEntry(
        a.ms,
        target,
        (a.guard as AfterEntry['guard']) ?? null,
        compose(a.actions, where),
        names[target] as string
      )
    })
    // Stable sort: the shortest delay is armed first, longer ones only if its guard refuses.
    entries.sort((x, y) => x.ms - y.ms)
    c.after[si] = entries.length ? entries : null
  })

  const seen = new Array<boolean>(names.length).fill(false)
  const stack = [initial]
  seen[initial] = true
  while (stack.length) {
    for (const t of edges[stack.pop() as number] as number[]) {
      if (!seen[t]) {
        seen[t] = true
        stack.push(t)
      }
    }
  }
  const unreachable = names.find((_, i) => !seen[i])
  if (unreachable !== undefined) {
    throw new FSM_INVALID_DEFINITION(`state "${unreachable}" is unreachable from "${def.initial}"`)
  }
  for (const key of ['serializeContext', 'reviveContext', 'context'] as const) {
    if (def[key] !== undefined && typeof def[key] !== 'function') {
      throw new FSM_INVALID_DEFINITION(`\`${key}\` must be a function`)
    }
  }
  if (def.serializeContext) c.serialize = def.serializeContext
  if (def.reviveContext) c.revive = def.reviveContext
  c.createContext = def.context ?? null
  return c
}

/**
 * A running instance of a machine. It is also its own timer node in the wheel (no separate timer
 * object), which keeps an idle instance with an armed delayed transition small.
 */
export class MachineInstance<
  S extends string = string,
  E extends EventObject = EventObject,
  C = unknown
> extends WheelNode {
  /** @internal */
  _h: Host
  /** @internal Current state index. */
  _s: number
  /** @internal Index of the armed `after` entry of the current state, or -1. */
  _ai = -1
  /** The context, mutated by actions. */
  context: C
  /**
   * @internal Last transition time in ms since the wheel's origin: a small integer is stored inline
   * (a Smi), where an epoch-ms double would cost a separate 16-byte HeapNumber per instance.
   */
  _u: number
  /** Number of transitions taken. */
  version = 0
  /** The id given at creation (the registry's user id), or `undefined`. */
  id: string | undefined

  /** @internal Use `machine.create()` or `machine.restore()`. */
  constructor(host: Host, state: number, context: C, updatedAt: number, id: string | undefined) {
    super()
    this._h = host
    this._s = state
    this.context = context
    this._u = updatedAt - host.origin
    this.id = id
  }

  /** Epoch ms of the last transition (or of creation). */
  get updatedAt(): number {
    return this._h.origin + this._u
  }

  /** The current state. */
  get state(): S {
    return this._h.c.names[this._s] as S
  }

  /** `true` once the instance is in a final state. */
  get done(): boolean {
    return this._h.c.final[this._s] as boolean
  }

  /** Epoch ms at which the pending delayed transition fires (rounded up to a tick), or `undefined`. */
  get deadline(): number | undefined {
    return this._next === null ? undefined : this._h.wheel._timeOf(this)
  }

  /** `true` if the current state has a transition for events of this type (guards not evaluated). */
  accepts(type: E['type']): boolean {
    const c = this._h.c
    const ei = c.eventIndex.get(type)
    return ei !== undefined && c.table[this._s * c.nEvents + ei] !== null
  }

  /**
   * Sends an event. Returns the machine's **reused** result object (see {@link SendResult}); an
   * event the current state does not accept (or whose guards all refuse) gives `changed: false`
   * and never throws. Errors thrown by user actions or guards propagate.
   */
  send(event: E): SendResult<S, E> {
    const c = this._h.c
    const s = this._s
    const ei = c.eventIndex.get(event.type)
    if (ei !== undefined) {
      let t = c.table[s * c.nEvents + ei] as Transition | null
      while (t !== null) {
        if (t.guard === null || t.guard(this.context, event)) {
          const r = c.result
          if (t.target < 0) {
            t.action(this.context, event)
            this.version++
            this._u = this._h.wheel._coarseNow() - this._h.origin
          } else {
            // The exact clock only when a delay is armed: its deadline must never be early.
            const now = c.after[t.target] === null ? this._h.wheel._coarseNow() : this._h.now()
            this.#enter(t.target, event, t.action, now)
            this.#arm(now)
          }
          r.changed = true
          r.from = c.names[s] as string
          r.to = c.names[this._s] as string
          r.event = event
          if (this._h.hook !== null) this._h.hook(this as never, r)
          return r as SendResult<S, E>
        }
        t = t.next
      }
    }
    const r = c.result
    r.changed = false
    r.from = r.to = c.names[s] as string
    r.event = event
    return r as SendResult<S, E>
  }

  /** Takes an external transition at logical time `at`; sets `_ai` for the target's first delay. */
  #enter(target: number, event: unknown, action: AnyAction, at: number): void {
    const c = this._h.c
    c.exit[this._s](this.context, event)
    action(this.context, event)
    this._s = target
    this.version++
    this._u = at - this._h.origin
    c.entry[target](this.context, event)
    // An entry action may have sent an event that moved on (and armed its own delay).
    if (this._s === target) this._ai = c.after[target] == null ? -1 : 0
  }

  /** Arms the pending `after` entry of a state entered at `enteredAt`, or disarms if none. */
  #arm(enteredAt: number): void {
    if (this._ai < 0) {
      if (this._next !== null) this._h.wheel._disarm(this)
    } else {
      this._h.wheel._armAt(
        this,
        enteredAt + ((this._h.c.after[this._s] as AfterEntry[])[this._ai] as AfterEntry).ms
      )
    }
  }

  /** @internal Called by the wheel when the armed `after` entry is due. */
  override _fire(): void {
    this._step(this._h.wheel._timeOf(this), true)
  }

  /**
   * @internal Runs the pending `after` entry as due at logical time `at` (its deadline, so chained
   * delays do not drift by the firing lag). Leaves the exact deadline of the next pending entry in
   * `pendingAt` (NaN if none) and arms it if `arm`.
   */
  _step(at: number, arm: boolean): void {
    const h = this._h
    const c = h.c
    const list = c.after[this._s] as AfterEntry[]
    const k = this._ai
    const a = list[k] as AfterEntry
    if (a.guard !== null && !a.guard(this.context)) {
      const enteredAt = at - a.ms
      this._ai = k + 1 < list.length ? k + 1 : -1
      pendingAt = this._ai < 0 ? Number.NaN : enteredAt + (list[this._ai] as AfterEntry).ms
      if (arm) this.#arm(enteredAt)
      return
    }
    const from = this._s
    this.#enter(a.target, a.event, a.action, at)
    pendingAt =
      this._ai < 0 ? Number.NaN : at + ((c.after[this._s] as AfterEntry[])[this._ai] as AfterEntry).ms
    if (arm) this.#arm(at)
    const r = c.result
    r.changed = true
    r.from = c.names[from] as string
    r.to = c.names[this._s] as string
    r.event = a.event
    if (h.hook !== null) h.hook(this as never, r)
  }

  /** Disarms the pending delayed transition, if any (the registry does this on delete). */
  stop(): void {
    this._h.wheel._disarm(this)
  }

  /** Plain-JSON snapshot: state, serialised context, and pending delays as absolute deadlines. */
  snapshot(): Snapshot<S> {
    const c = this._h.c
    const timers: SnapshotTimer[] = []
    if (this._next !== null) {
      const list = c.after[this._s] as AfterEntry[]
      const at = this._h.wheel._timeOf(this)
      const enteredAt = at - (list[this._ai] as AfterEntry).ms
      for (let k = this._ai; k < list.length; k++) {
        const a = list[k] as AfterEntry
        timers.push({
          index: k,
          target: c.names[a.target] as string,
          at: k === this._ai ? at : enteredAt + a.ms
        })
      }
    }
    return {
      v: 1,
      state: this.state,
      context: c.serialize(this.context),
      updatedAt: this.updatedAt,
      version: this.version,
      timers
    }
  }

  /** Same as `snapshot()`, so `JSON.stringify(instance)` works. */
  toJSON(): Snapshot<S> {
    return this.snapshot()
  }
}

/** A compiled machine: create or restore instances of it. */
export class Machine<S extends string, E extends EventObject, C> {
  /** The initial state. */
  readonly initial: S
  /** Every state, in definition order. */
  readonly states: readonly S[]
  /** Every event type some state accepts. */
  readonly events: ReadonlyArray<E['type']>
  readonly #c: Compiled
  readonly #initial: number
  /** Hosts per (wheel, hook); few in practice (one per registry). */
  readonly #hosts: Host[] = []

  /** @internal Use {@link defineMachine}. */
  constructor(def: MachineDefinition<S, E, C>) {
    const c = compile(def as unknown as MachineDefinition<string, EventObject, unknown>)
    this.#c = c
    this.#initial = c.names.indexOf(def.initial)
    this.initial = def.initial
    this.states = Object.freeze(c.names.slice()) as readonly S[]
    this.events = Object.freeze([...c.eventIndex.keys()]) as ReadonlyArray<E['type']>
  }

  /** `true` if `state` is final. */
  isFinal(state: S): boolean {
    return this.#c.final[this.#c.names.indexOf(state)] === true
  }

  #hostFor(opts: InstanceOptions<S, E, C>): Host {
    if (!isObject(opts)) throw new FSM_INVALID_OPTION('instance options must be an object')
    const wheel = opts.wheel ?? defaultWheel()
    const hook = (opts.onTransition ?? null) as Host['hook']
    if (!(wheel instanceof TimerWheel)) throw new FSM_INVALID_OPTION('wheel must be a TimerWheel')
    if (hook !== null && typeof hook !== 'function')
      throw new FSM_INVALID_OPTION('onTransition must be a function')
    // Instances created with the same wheel and hook share one Host: one pointer per instance.
    for (const h of this.#hosts) if (h.wheel === wheel && h.hook === hook) return h
    const h = new Host(this.#c, wheel, hook)
    this.#hosts.push(h)
    return h
  }

  /**
   * Creates an instance in the initial state with `context` (default: the definition's `context()`),
   * running the initial state's `entry` (with event `{ type: 'fsm.init' }`) and arming its first delay.
   */
  create(context?: C, opts: InstanceOptions<S, E, C> = {}): MachineInstance<S, E, C> {
    const h = this.#hostFor(opts)
    const ctx = (context === undefined && h.c.createContext !== null ? h.c.createContext() : context) as C
    const now = h.now()
    const inst = new MachineInstance<S, E, C>(h, this.#initial, ctx, now, opts.id)
    h.c.entry[this.#initial](ctx, INIT)
    const after = h.c.after[this.#initial]
    if (after != null && inst._s === this.#initial) {
      inst._ai = 0
      h.wheel._armAt(inst, now + (after[0] as AfterEntry).ms)
    }
    return inst
  }

  /**
   * Rebuilds an instance from a snapshot without running entry actions. Pending delays are re-armed
   * at their absolute deadlines; one already past fires at once, before `restore` returns (and a
   * chain of past deadlines is followed to its end, each step at its own deadline).
   * Throws `FSM_INVALID_SNAPSHOT` on an unknown `v`, an unknown state or malformed fields.
   */
  restore(snapshot: unknown, opts: InstanceOptions<S, E, C> = {}): MachineInstance<S, E, C> {
    const c = this.#c
    if (!isObject(snapshot)) throw new FSM_INVALID_SNAPSHOT('not an object')
    if (snapshot.v !== 1) throw new FSM_INVALID_SNAPSHOT(`unknown version v=${JSON.stringify(snapshot.v)}`)
    const state = typeof snapshot.state === 'string' ? c.names.indexOf(snapshot.state) : -1
    if (state < 0) throw new FSM_INVALID_SNAPSHOT(`unknown state ${JSON.stringify(snapshot.state)}`)
    const { updatedAt, version, timers } = snapshot
    if (typeof updatedAt !== 'number' || !Number.isFinite(updatedAt)) {
      throw new FSM_INVALID_SNAPSHOT('updatedAt must be a finite number')
    }
    if (!Number.isSafeInteger(version) || (version as number) < 0) {
      throw new FSM_INVALID_SNAPSHOT('version must be an integer >= 0')
    }
    if (!Array.isArray(timers)) throw new FSM_INVALID_SNAPSHOT('timers must be an array')
    const after = c.after[state]
    for (const t of timers as unknown[]) {
      const entry = isObject(t) && Number.isInteger(t.index) ? after?.[t.index as number] : undefined
      if (
        !isObject(t) ||
        entry === undefined ||
        typeof t.at !== 'number' ||
        !Number.isFinite(t.at) ||
        t.target !== c.names[entry.target]
      ) {
        throw new FSM_INVALID_SNAPSHOT(
          `timer ${JSON.stringify(t)} does not match an \`after\` of state "${c.names[state]}"`
        )
      }
    }
    const h = this.#hostFor(opts)
    let context: C
    try {
      context = c.revive(snapshot.context) as C
    } catch (err) {
      const e = new FSM_INVALID_SNAPSHOT(`context: ${(err as Error).message}`)
      e.cause = err
      throw e
    }
    const inst = new MachineInstance<S, E, C>(h, state, context, updatedAt, opts.id)
    inst.version = version as number
    const first = timers[0] as SnapshotTimer | undefined
    if (first !== undefined) {
      // Follow past deadlines now, each at its own exact deadline, so a long-dead snapshot lands
      // where the conversation would be had it stayed alive. `after.ms > 0` bounds this loop.
      const now = h.now()
      inst._ai = first.index
      let at = first.at
      while (at <= now) {
        inst._step(at, false)
        at = pendingAt
      }
      if (inst._ai >= 0) h.wheel._armAt(inst, at)
    }
    return inst
  }
}

const INIT = Object.freeze({ type: 'fsm.init' })

/**
 * Defines and validates a machine, compiling it into a `state x event` lookup table. Pass the
 * context and event types through `types` (`{} as { context: C; events: E }`): event types in `on`,
 * targets, `initial` and `send()` are then checked at compile time.
 * Throws `FSM_INVALID_DEFINITION` naming the state on an unknown target or initial state, a final
 * state with outgoing transitions, or an unreachable state.
 */
export function defineMachine<S extends string, E extends EventObject = EventObject, C = undefined>(
  def: MachineDefinition<S, E, C>
): Machine<S, E, C> {
  return new Machine(def)
}
