import type { ContextHasher } from '@chatbot-pro/log-sampler'
import type { Subscriber, TurnJob } from './chat.ts'

/** Per-user runtime state that does not belong in the snapshot; dropped when idle. */
export class Live {
  readonly subscribers = new Set<Subscriber>()
  /** The turn in flight, if any: one at a time per conversation. */
  turn: TurnJob | null = null
  /**
   * The hash of the context window, kept in step with it turn by turn (only new turns are
   * hashed), so a sampled-out turn log never rehashes the prompt. Created on the first turn and
   * dropped when the conversation pauses (~0.7 KB): an idle connection does not carry one.
   */
  hasher: ContextHasher | null = null
}

/**
 * Who is here: the per-user runtime state of the users with an open connection or a turn in
 * flight. An entry is created on demand and dropped as soon as neither holds, so idle users cost
 * nothing here.
 */
export class Presence {
  readonly #users = new Map<string, Live>()

  /** The state of `uid`, if it has any. */
  get(uid: string): Live | undefined {
    return this.#users.get(uid)
  }

  /** The state of `uid`, created if needed. */
  of(uid: string): Live {
    let live = this.#users.get(uid)
    if (live === undefined) {
      live = new Live()
      this.#users.set(uid, live)
    }
    return live
  }

  /** Drops the state of `uid` when it has no connection and no turn in flight. */
  release(uid: string, live: Live): void {
    if (live.subscribers.size === 0 && live.turn === null) this.#users.delete(uid)
  }
}
