import { getEventListeners } from 'node:events'
import type { Dedup } from '@chatbot-pro/dedup'
import {
  type ConversationContext,
  type ConversationEvent,
  type ConversationState,
  MachineInstance,
  type SendResult
} from '@chatbot-pro/fsm'
import type { Conversations } from '@chatbot-pro/fsm/fastify'
import { ContextHasher, type Sampler } from '@chatbot-pro/log-sampler'
import type { WorkQueue } from '@chatbot-pro/ring-queue'
import type { TieredCache } from '@chatbot-pro/tiered-cache'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from './config.ts'
import type { ChatMessage, LlmProvider } from './llm/types.ts'
import type { Metrics } from './metrics.ts'
import { Presence } from './presence.ts'
import type { WireTurn } from './protocol.ts'
import { UserRateLimiter } from './rate-limit.ts'

/** A live conversation. */
export type Conversation = MachineInstance<ConversationState, ConversationEvent, ConversationContext>

/** An error to send to a client: a stable code, a message that says what to do. */
export interface ClientError {
  code: string
  message: string
  statusCode: number
  retryAfterMs?: number
}

/** Where the frames of one turn go (a WebSocket connection or an SSE response). */
export interface TurnSink {
  delta(id: string, text: string): void
  reply(id: string, text: string, state: ConversationState, echo: boolean): void
  error(id: string, err: ClientError): void
}

/** Who hears about a conversation's state changes (its open WebSocket connections). */
export interface Subscriber {
  state(state: ConversationState, from: ConversationState, reason: string): void
  /** The conversation ended: say goodbye and close. */
  ended(): void
}

/** One queued turn. */
export interface TurnJob {
  uid: string
  id: string
  text: string
  messages: ChatMessage[]
  sink: TurnSink
  abort: AbortController
  conv: Conversation
  /** `performance.now()` when the user message arrived. */
  startedAt: number
}

/** What the service needs, as composed by the app. */
export interface ChatServiceDeps {
  config: Config
  llm: LlmProvider
  conversations: Conversations
  cache: TieredCache<unknown>
  queue: WorkQueue<TurnJob, void>
  dedup: Dedup
  sampler: Sampler
  log: FastifyBaseLogger
  metrics?: Metrics
}

function clientError(code: string, message: string, statusCode: number, retryAfterMs?: number): ClientError {
  return retryAfterMs === undefined
    ? { code, message, statusCode }
    : { code, message, statusCode, retryAfterMs }
}

const BUSY = clientError(
  'BUSY',
  'A reply is still being generated for this conversation: wait for it (or its error) before sending',
  409
)
const CANCELLED = clientError('CANCELLED', 'The turn was cancelled', 499)
/** Sent for anything new while the server drains (WebSocket and HTTP alike). */
export const SHUTTING_DOWN = clientError(
  'SHUTTING_DOWN',
  'The server is shutting down: reconnect in a moment',
  503
)

/**
 * The turn pipeline of DESIGN.md §3, shared by the WebSocket and HTTP transports: FSM event,
 * bounded context, WorkQueue (CoDel), LLM stream through the echo guard, context append, cache
 * write-behind, sampled log. Presence (connections, the turn in flight) and the rate window are
 * kept in their own modules.
 */
export class ChatService {
  readonly #d: ChatServiceDeps
  readonly #live = new Presence()
  readonly #opening = new Map<string, Promise<Conversation | undefined>>()
  readonly #rates: UserRateLimiter
  /** AbortControllers of finished turns that were never aborted (see LlmProvider.signalReusable). */
  readonly #controllers: AbortController[] = []
  #closing = false
  sampledBytes = 0

  constructor(deps: ChatServiceDeps) {
    this.#d = deps
    this.#rates = new UserRateLimiter(deps.config.USER_RATE_PER_MIN)
    deps.conversations.on('transition', (inst, result) => this.#onTransition(inst, result))
    deps.cache.on('expired', (uid: string) => {
      // The cold tier decides expiry (DESIGN.md §3): the conversation ends with it.
      deps.conversations.get(uid)?.send({ type: 'expired' })
    })
  }

  /** Stops taking turns (shutdown). */
  close(): void {
    this.#closing = true
    this.#rates.close()
  }

  get closing(): boolean {
    return this.#closing
  }

  /** Starts a new conversation for `uid` (replacing none: the caller checked) and persists it. */
  create(uid: string): Conversation {
    const conv = this.#d.conversations.getOrCreate(uid)
    this.#persist(uid, conv)
    return conv
  }

  /**
   * The live conversation of `uid`: from the registry, else restored from the cache (hot, then
   * cold). `undefined` when there is none or it has ended. Concurrent calls share one load.
   */
  open(uid: string): Promise<Conversation | undefined> {
    const live = this.#d.conversations.get(uid)
    if (live !== undefined) return Promise.resolve(live)
    let pending = this.#opening.get(uid)
    if (pending === undefined) {
      pending = this.#restore(uid).finally(() => this.#opening.delete(uid))
      this.#opening.set(uid, pending)
    }
    return pending
  }

  async #restore(uid: string): Promise<Conversation | undefined> {
    const snapshot = await this.#d.cache.get(uid)
    if (snapshot === undefined) return undefined
    // A hot entry is the live instance itself (see #persist); one loaded from the cold tier is
    // its JSON snapshot.
    if (snapshot instanceof MachineInstance) return snapshot.done ? undefined : (snapshot as Conversation)
    // A session created for this uid while the load was in flight wins over the stored one.
    const again = this.#d.conversations.get(uid)
    /* c8 ignore next: a race between a restore and a create for the same uid */
    if (again !== undefined) return again
    try {
      const conv = this.#d.conversations.restore(uid, snapshot)
      return conv.done ? undefined : conv
    } catch (err) {
      this.#d.log.warn({ err, uid }, 'discarding a session snapshot that cannot be restored')
      await this.#d.cache.delete(uid)
      return undefined
    }
  }

  /** The context turns of a conversation, for clients. */
  turns(conv: Conversation): WireTurn[] {
    return conv.context.turns().map((t) => ({ role: t.role, content: t.content }))
  }

  /** Registers a connection of `uid`; pins its session in the hot tier while any is open. */
  subscribe(uid: string, sub: Subscriber): number {
    const live = this.#live.of(uid)
    if (live.subscribers.size === 0) this.#d.cache.pin(uid)
    live.subscribers.add(sub)
    return live.subscribers.size
  }

  /** Number of open connections of `uid`. */
  connections(uid: string): number {
    return this.#live.get(uid)?.subscribers.size ?? 0
  }

  /** Unregisters a connection; the last one leaving cancels the turn in flight and unpins. */
  unsubscribe(uid: string, sub: Subscriber): void {
    const live = this.#live.get(uid)
    if (live === undefined || !live.subscribers.delete(sub)) return
    if (live.subscribers.size === 0) {
      this.#d.cache.unpin(uid)
      live.turn?.abort.abort(new Error('the user disconnected'))
      this.#live.release(uid, live)
    }
  }

  /** Ends the conversation at the user's request; a turn in flight is cancelled. */
  bye(uid: string): void {
    const live = this.#live.get(uid)
    live?.turn?.abort.abort(new Error('the user said bye'))
    this.#d.conversations.get(uid)?.send({ type: 'bye' })
  }

  /**
   * Runs one turn. Checks that can refuse it (ended, busy, rate, overload) fail before anything is
   * sent on `sink`; after that every outcome is one `reply` or one `error` on the sink. Resolves
   * when the turn is over.
   */
  async turn(uid: string, id: string, text: string, sink: TurnSink, signal?: AbortSignal): Promise<void> {
    const d = this.#d
    if (this.#closing) {
      sink.error(id, SHUTTING_DOWN)
      return
    }
    // A live conversation is found synchronously: no promise and microtask for the common case.
    const conv = d.conversations.get(uid) ?? (await this.open(uid))
    if (conv === undefined) {
      sink.error(id, clientError('SESSION_ENDED', 'The conversation has ended: start a new session', 409))
      return
    }
    const live = this.#live.of(uid)
    if (live.turn !== null) {
      sink.error(id, BUSY)
      return
    }
    const now = performance.now()
    const wait = this.#rates.hit(uid, now)
    if (wait > 0) {
      sink.error(
        id,
        clientError(
          'RATE_LIMITED',
          `Too many messages: at most ${d.config.USER_RATE_PER_MIN} per minute`,
          429,
          wait
        )
      )
      this.#live.release(uid, live)
      return
    }
    conv.send({ type: 'text', text })
    live.hasher ??= new ContextHasher()
    live.hasher.sync(conv.context)
    const messages = d.dedup.promptGuard(conv.context.messages() as ChatMessage[], text)
    const job: TurnJob = {
      uid,
      id,
      text,
      messages,
      sink,
      abort: this.#controllers.pop() ?? new AbortController(),
      conv,
      startedAt: now
    }
    live.turn = job
    // Only the HTTP transport passes a signal (the client going away): no closure otherwise.
    const onAbort = signal === undefined ? undefined : (): void => job.abort.abort(signal.reason)
    if (onAbort !== undefined) signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await d.queue.submit(job)
    } catch (err) {
      const e = err as { code?: string; retryAfterMs?: number; message?: string }
      if (e.code === 'QUEUE_OVERLOADED') {
        d.metrics?.turn('overloaded')
        sink.error(
          id,
          clientError(
            'OVERLOADED',
            `The server is overloaded: retry after ${e.retryAfterMs} ms`,
            503,
            e.retryAfterMs
          )
        )
      } else if (e.code === 'RING_CLOSED') {
        sink.error(id, SHUTTING_DOWN)
      } else {
        d.metrics?.turn('error')
        d.log.error({ err, uid }, 'turn failed')
        sink.error(id, clientError('INTERNAL', 'The turn failed on the server: try again', 500))
      }
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
      live.turn = null
      this.#live.release(uid, live)
      this.#recycle(job.abort)
    }
  }

  /** Keeps a controller that was never aborted and has nothing attached for the next turn. */
  #recycle(ac: AbortController): void {
    if (
      this.#d.llm.signalReusable === true &&
      !ac.signal.aborted &&
      this.#controllers.length < 1024 &&
      getEventListeners(ac.signal, 'abort').length === 0
    )
      this.#controllers.push(ac)
  }

  /** The WorkQueue worker: streams the LLM reply through the echo guard to the sink. */
  async runTurn(job: TurnJob): Promise<void> {
    const d = this.#d
    const { sink, id, abort } = job
    if (abort.signal.aborted) {
      d.metrics?.turn('cancelled')
      return
    }
    d.metrics?.queueWaitSeconds.observe((performance.now() - job.startedAt) / 1000)
    const guard = d.dedup.guard(job.text)
    const cut = d.config.DEDUP_MODE === 'cut'
    let out = ''
    const llmStart = performance.now()
    let first = true
    try {
      for await (const delta of d.llm.stream(job.messages, abort.signal)) {
        if (first) {
          first = false
          d.metrics?.llmFirstTokenSeconds.observe((performance.now() - llmStart) / 1000)
        }
        const safe = guard.push(delta)
        if (safe.length > 0) {
          out += safe
          sink.delta(id, safe)
        }
        // An echo is starting: stop paying for tokens that will never reach the user.
        if (cut && guard.verdict !== null) break
      }
    } catch (err) {
      guard.end()
      if (abort.signal.aborted) {
        d.metrics?.turn('cancelled')
        sink.error(id, CANCELLED)
        return
      }
      const e = err as { code?: string; message?: string; retryAfterMs?: number }
      d.metrics?.turn('llm_error')
      d.log.warn({ err, uid: job.uid }, 'LLM call failed')
      sink.error(
        id,
        clientError(
          e.code ?? 'LLM_ERROR',
          `The language model failed: ${e.message ?? 'unknown error'}`,
          502,
          e.retryAfterMs
        )
      )
      return
    }
    const rest = guard.end()
    if (rest.length > 0) {
      out += rest
      sink.delta(id, rest)
    }
    d.metrics?.llmSeconds.observe((performance.now() - llmStart) / 1000)
    const conv = job.conv
    conv.send({ type: 'reply', text: out })
    try {
      this.#persist(job.uid, conv)
      /* c8 ignore start: needs maxDirty (100k) unflushed sessions; tiered-cache tests CACHE_BACKPRESSURE itself */
    } catch (err) {
      d.metrics?.turn('storage')
      sink.error(
        id,
        clientError('STORAGE_BACKPRESSURE', 'Session storage is falling behind: retry shortly', 503, 1000)
      )
      d.log.warn({ err, uid: job.uid }, 'session write refused')
      return
    }
    /* c8 ignore stop */
    const echo = guard.verdict !== null
    const ms = performance.now() - job.startedAt
    if (d.sampler.sampled(job.uid)) {
      // Only sampled turns pay for this estimate of the full entry's size (for metrics).
      let bytes = Buffer.byteLength(out)
      for (const m of job.messages) bytes += Buffer.byteLength(m.content)
      this.sampledBytes += bytes
    }
    // Sampled out (99 in 100 by default): the window's digest, never the prompt, is logged.
    d.sampler.turn(d.log, {
      uid: job.uid,
      id,
      context: job.messages,
      digest: this.#live.get(job.uid)?.hasher ?? undefined,
      reply: out,
      ms: Math.round(ms),
      echo
    })
    d.metrics?.turn('ok')
    d.metrics?.turnSeconds.observe(ms / 1000)
    sink.reply(id, out, conv.state, echo)
  }

  #persist(uid: string, conv: Conversation): void {
    // The hot tier holds the live instance, not a copy: the cache serialises it (toJSON ->
    // snapshot) for the cold tier, so a conversation is in memory once, not twice.
    this.#d.cache.set(uid, conv)
  }

  #onTransition(inst: Conversation, result: SendResult<ConversationState, ConversationEvent>): void {
    const uid = inst.id as string
    const { from, to } = result
    const reason = result.event.type
    if (to === 'END') {
      // The ended conversation leaves the cold tier too: a resume starts a new one.
      this.#d.cache
        .delete(uid)
        .catch((err: unknown) => this.#d.log.warn({ err, uid }, 'could not delete an ended session'))
    } else if (from !== to && reason !== 'text') {
      // Timer transitions (PAUSE, END) change the snapshot without a turn: persist them.
      // `text` transitions are persisted with the turn's reply.
      try {
        this.#persist(uid, inst)
        /* c8 ignore next 3: as above, CACHE_BACKPRESSURE past maxDirty */
      } catch (err) {
        this.#d.log.warn({ err, uid }, 'session write refused')
      }
    }
    if (from === to) return
    const live = this.#live.get(uid)
    if (live === undefined) return
    if (to === 'PAUSE' || to === 'END') live.hasher = null
    for (const sub of live.subscribers) sub.state(to, from, reason)
    if (to === 'END') for (const sub of [...live.subscribers]) sub.ended()
  }
}
