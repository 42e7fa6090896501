import { FSM_INVALID_OPTION } from './errors.ts'
import type { EventObject, Machine, MachineInstance, SendResult } from './machine.ts'
import { defaultWheel, TimerWheel } from './timer-wheel.ts'

/** Listener of registry events: the instance (its `id` is the key) and the reused send result. */
export type RegistryListener<S extends string, E extends EventObject, C> = (
  instance: MachineInstance<S, E, C>,
  result: SendResult<S, E>
) => void

/** Options of {@link ConversationRegistry}. */
export interface RegistryOptions<C> {
  /** Wheel driving every conversation's delays. Default: the shared, started 100 ms wheel. */
  wheel?: TimerWheel
  /** Context of a new conversation for `getOrCreate(id)`. Default: the machine's `context()`. */
  createContext?: (id: string) => C
}

/**
 * Live conversations keyed by user id. Every instance shares one wheel and one transition hook,
 * so an entry costs the instance, its context and the `Map` slot. A conversation that reaches a
 * final state (END) leaves the registry (its timer is already disarmed) after the `transition`
 * and `end` listeners ran.
 */
export class ConversationRegistry<S extends string, E extends EventObject, C>
  implements Iterable<[string, MachineInstance<S, E, C>]>
{
  /** The machine of every conversation. */
  readonly machine: Machine<S, E, C>
  /** The wheel of every conversation. */
  readonly wheel: TimerWheel
  readonly #map = new Map<string, MachineInstance<S, E, C>>()
  readonly #createContext: ((id: string) => C) | null
  #onTransition: Array<RegistryListener<S, E, C>> = []
  #onEnd: Array<RegistryListener<S, E, C>> = []
  readonly #opts: {
    wheel: TimerWheel
    onTransition: (i: MachineInstance<S, E, C>, r: SendResult<S, E>) => void
  }

  constructor(machine: Machine<S, E, C>, options: RegistryOptions<C> = {}) {
    if (typeof machine !== 'object' || machine === null || typeof machine.create !== 'function') {
      throw new FSM_INVALID_OPTION('machine must be a Machine from defineMachine()')
    }
    const wheel = options.wheel ?? defaultWheel()
    if (!(wheel instanceof TimerWheel)) throw new FSM_INVALID_OPTION('wheel must be a TimerWheel')
    if (options.createContext !== undefined && typeof options.createContext !== 'function') {
      throw new FSM_INVALID_OPTION('createContext must be a function')
    }
    this.machine = machine
    this.wheel = wheel
    this.#createContext = options.createContext ?? null
    // One hook object for every instance: the machine shares it in one Host.
    this.#opts = { wheel, onTransition: (instance, result) => this.#transition(instance, result) }
  }

  #transition(instance: MachineInstance<S, E, C>, result: SendResult<S, E>): void {
    for (const fn of this.#onTransition) fn(instance, result)
    if (instance.done) {
      const id = instance.id as string
      if (this.#map.get(id) === instance) this.#map.delete(id)
      for (const fn of this.#onEnd) fn(instance, result)
    }
  }

  /** Number of live conversations. */
  get size(): number {
    return this.#map.size
  }

  /** The conversation of `id`, or `undefined`. */
  get(id: string): MachineInstance<S, E, C> | undefined {
    return this.#map.get(id)
  }

  /** `true` if `id` has a live conversation. */
  has(id: string): boolean {
    return this.#map.has(id)
  }

  /** The conversation of `id`, created in the initial state (with `context` or a new one) if missing. */
  getOrCreate(id: string, context?: C): MachineInstance<S, E, C> {
    let instance = this.#map.get(id)
    if (instance === undefined) {
      const ctx = context ?? (this.#createContext === null ? undefined : this.#createContext(id))
      instance = this.machine.create(ctx, { ...this.#opts, id })
      this.#map.set(id, instance)
    }
    return instance
  }

  /**
   * Restores the conversation of `id` from a snapshot, replacing (and stopping) any live one.
   * Past deadlines fire at once (listeners see those transitions); if that ends the conversation,
   * it is returned but not kept. Throws `FSM_INVALID_SNAPSHOT` like `machine.restore()`.
   */
  restore(id: string, snapshot: unknown): MachineInstance<S, E, C> {
    const instance = this.machine.restore(snapshot, { ...this.#opts, id })
    this.#map.get(id)?.stop()
    if (instance.done) this.#map.delete(id)
    else this.#map.set(id, instance)
    return instance
  }

  /** Removes the conversation of `id` and disarms its timer (no `end` event). */
  delete(id: string): boolean {
    const instance = this.#map.get(id)
    if (instance === undefined) return false
    instance.stop()
    return this.#map.delete(id)
  }

  /** Removes every conversation and disarms their timers. */
  clear(): void {
    for (const instance of this.#map.values()) instance.stop()
    this.#map.clear()
  }

  /**
   * Adds a listener: `transition` after every transition of any conversation, `end` when one
   * reaches a final state (after `transition`, once it has left the registry). The result object
   * is reused: read it synchronously.
   */
  on(event: 'transition' | 'end', listener: RegistryListener<S, E, C>): this {
    if (typeof listener !== 'function') throw new FSM_INVALID_OPTION('listener must be a function')
    if (event === 'transition') this.#onTransition = [...this.#onTransition, listener]
    else if (event === 'end') this.#onEnd = [...this.#onEnd, listener]
    else throw new FSM_INVALID_OPTION(`unknown registry event ${JSON.stringify(event)}`)
    return this
  }

  /** Removes a listener added with `on`. */
  off(event: 'transition' | 'end', listener: RegistryListener<S, E, C>): this {
    // Copy-on-write, so removing a listener while emitting does not skip another.
    if (event === 'transition') this.#onTransition = this.#onTransition.filter((f) => f !== listener)
    else this.#onEnd = this.#onEnd.filter((f) => f !== listener)
    return this
  }

  /** Ids. */
  keys(): IterableIterator<string> {
    return this.#map.keys()
  }

  /** Conversations. */
  values(): IterableIterator<MachineInstance<S, E, C>> {
    return this.#map.values()
  }

  /** `[id, conversation]` pairs. */
  entries(): IterableIterator<[string, MachineInstance<S, E, C>]> {
    return this.#map.entries()
  }

  [Symbol.iterator](): IterableIterator<[string, MachineInstance<S, E, C>]> {
    return this.#map.entries()
  }
}
