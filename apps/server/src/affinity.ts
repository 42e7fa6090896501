import { type Affinity, type RedisMembership, StaticMembership } from '@chatbot-pro/affinity'
import type { AffinityPluginOptions } from '@chatbot-pro/affinity/fastify'
import type { WorkQueue } from '@chatbot-pro/ring-queue'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Counter, type Registry } from 'prom-client'
import type { ChatService } from './chat.ts'
import { type Config, parseNodes } from './config.ts'

/** WebSocket close code after a `redirect` frame: reconnect to the frame's `url`. */
export const REDIRECT_CLOSE = 4307

/** The affinity plugin's options for this configuration; `null` when affinity is off. */
export function affinityOptions(config: Config): AffinityPluginOptions | null {
  const self = config.AFFINITY_SELF
  if (self === undefined) return null
  if (config.AFFINITY_REDIS) {
    const ttlMs = config.AFFINITY_TTL_MS
    return {
      self,
      redis: config.REDIS_URL as string,
      ttlMs,
      heartbeatMs: Math.max(1, Math.floor(ttlMs / 5))
    }
  }
  return { self, members: parseNodes(config.AFFINITY_NODES as string) }
}

/** Where a client of `uid` reconnects: the owner's chat URL, with the uid for the balancer's hash. */
export function redirectUrl(owner: string, uid: string, from?: string): string {
  const base = `ws://${owner}/v1/chat?uid=${encodeURIComponent(uid)}`
  return from === undefined ? base : `${base}&from=${encodeURIComponent(from)}`
}

/** The `redirect` frame, serialised. */
export function redirectJson(owner: string, url: string): string {
  return `{"v":1,"type":"redirect","owner":${JSON.stringify(owner)},"url":${JSON.stringify(url)}}`
}

/** The `from` query argument of a chat upgrade (a handover redirect names the node that left). */
export function handoverFrom(url: string | undefined): string | null {
  if (url === undefined) return null
  const q = url.indexOf('?')
  if (q < 0) return null
  const from = new URLSearchParams(url.slice(q + 1)).get('from')
  return from !== null && /^[^\s=,/]+:\d{1,5}$/.test(from) ? from : null
}

/** How long a probe of a node's `/readyz` may take. */
const PROBE_TIMEOUT_MS = 1000
/** How often a node marked down (static membership) is probed until it is ready again. */
const REPROBE_MS = 2000

/**
 * The server's side of user affinity: which uids this node serves, where a misrouted user goes,
 * and the handover when this node leaves. Wraps `fastify.affinity` (@chatbot-pro/affinity).
 *
 * A handover redirect names the leaving node (`from`). With Redis membership the receiving node
 * re-reads the member list before it decides (the leave is published before the redirects, but
 * the announcement may not have arrived yet). With a static list the receiving node probes the
 * named node's `/readyz`: not ready (draining, or gone) -> it is marked `down` in this node's
 * ring, exactly the clockwise walk nginx does past a failed server; it is probed every 2 s and
 * comes back up once it answers ready again.
 */
export class ServerAffinity {
  readonly affinity: Affinity
  readonly #log: FastifyBaseLogger
  readonly #routed: boolean
  readonly #redirects: Counter<'transport' | 'reason'>
  readonly #down = new Set<string>()
  readonly #probing = new Map<string, Promise<boolean>>()
  #reprobe: NodeJS.Timeout | null = null
  #closed = false

  constructor(
    affinity: Affinity,
    opts: { log: FastifyBaseLogger; routedByBalancer: boolean; registry: Registry }
  ) {
    this.affinity = affinity
    this.#log = opts.log
    this.#routed = opts.routedByBalancer
    this.#redirects = new Counter({
      name: 'chatbot_affinity_redirects_total',
      help: 'Clients redirected to the node that owns their uid (misroute: resume on the wrong node; handover: this node left).',
      labelNames: ['transport', 'reason'],
      registers: [opts.registry]
    })
  }

  /** A uid for a new session: one this node owns. */
  newUid(): string {
    return this.affinity.mintUid()
  }

  /**
   * The node `uid` must be served by, when it is not this one; `null` when this node serves it.
   * Called once per hello/resume or HTTP request, never per turn. `from` is the node a handover
   * redirect came from (see the class comment).
   */
  async ownerElsewhere(uid: string, from: string | null, transport: 'ws' | 'http'): Promise<string | null> {
    const aff = this.affinity
    if (aff.owns(uid)) return null
    if (from !== null && from !== aff.self.server && aff.ownerOf(uid) === from) {
      await this.#learnLeave(from)
      if (aff.owns(uid)) return null
    }
    const owner = aff.ownerOf(uid)
    this.#redirects.inc({ transport, reason: 'misroute' })
    // Behind a balancer that hashes the uid, a misroute means the rings disagree for a moment (a
    // membership change); anything else means a client went to a node directly.
    if (this.#routed) this.#log.warn({ uid, owner }, 'affinity: misrouted user redirected to its owner')
    else this.#log.debug({ uid, owner }, 'affinity: user redirected to its owner')
    return owner
  }

  /** Counts the handover redirects of this node's clients. */
  handedOver(n: number): void {
    if (n > 0) this.#redirects.inc({ transport: 'ws', reason: 'handover' }, n)
  }

  async #learnLeave(from: string): Promise<void> {
    const membership = this.affinity.membership
    if (!(membership instanceof StaticMembership)) {
      try {
        await (membership as RedisMembership).refresh()
        /* c8 ignore next 3: Redis failing between the leave and the resume; the ring is kept */
      } catch (err) {
        this.#log.warn({ err, from }, 'affinity: could not re-read the members after a handover')
      }
      return
    }
    if (this.#down.has(from)) return
    if (await this.#ready(from)) return
    this.#setDown(membership, from, true)
  }

  /** Whether `server` answers `/readyz` with 200; one probe at a time per server. */
  #ready(server: string): Promise<boolean> {
    let p = this.#probing.get(server)
    if (p === undefined) {
      p = fetch(`http://${server}/readyz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
        .then(
          (res) => {
            void res.body?.cancel()
            return res.ok
          },
          () => false
        )
        .finally(() => this.#probing.delete(server))
      this.#probing.set(server, p)
    }
    return p
  }

  #setDown(membership: StaticMembership, server: string, down: boolean): void {
    if (down) this.#down.add(server)
    else this.#down.delete(server)
    membership.set(membership.members.map((m) => (m.server === server ? { ...m, down } : m)))
    this.#log.info(
      { server, down },
      down ? 'affinity: node left (not ready), marked down' : 'affinity: node is back'
    )
    if (this.#down.size > 0 && this.#reprobe === null && !this.#closed) {
      this.#reprobe = setInterval(() => void this.#reprobeDown(membership), REPROBE_MS).unref()
    } else if (this.#down.size === 0 && this.#reprobe !== null) {
      clearInterval(this.#reprobe)
      this.#reprobe = null
    }
  }

  async #reprobeDown(membership: StaticMembership): Promise<void> {
    for (const server of [...this.#down]) {
      if ((await this.#ready(server)) && !this.#closed) this.#setDown(membership, server, false)
    }
  }

  /** Stops the re-probe timer. */
  close(): void {
    this.#closed = true
    if (this.#reprobe !== null) clearInterval(this.#reprobe)
    this.#reprobe = null
  }
}

/** A connection that can be handed over: its uid and how to redirect it. */
export interface HandoverClient {
  readonly uid: string | null
  redirect(owner: string, url: string): void
  close(code: number, reason: string): void
}

/** What {@link handover} reports. */
export interface HandoverResult {
  /** Clients sent a `redirect` to their uid's new owner. */
  redirected: number
  /** Milliseconds from the start to the last redirect. */
  ms: number
}

/** What the handover works with, as the app composes it. */
export interface HandoverDeps {
  svc: ChatService
  queue: WorkQueue<unknown, unknown>
  clients: Iterable<HandoverClient>
  affinity: ServerAffinity
  /** The whole close's deadline (SHUTDOWN_TIMEOUT_MS): the drain gets half of it. */
  timeoutMs: number
}

/**
 * The pre-stop handover of this node: stop accepting (new hellos and turns are refused), let the
 * turns in flight finish (the queue's drain, bounded by half of `timeoutMs`), flush the sessions this
 * node wrote, leave the membership, then send each client a `redirect` to its uid's new owner
 * (the ring without this node) and close it with 4307. The new owner loads the session lazily
 * from the cold tier. Idempotent: a second call returns the first one's result.
 */
export function handover(app: FastifyInstance, deps: HandoverDeps): Promise<HandoverResult> {
  const running = started.get(app)
  if (running !== undefined) return running
  const p = runHandover(app, deps)
  started.set(app, p)
  return p
}

const started = new WeakMap<FastifyInstance, Promise<HandoverResult>>()

async function runHandover(app: FastifyInstance, deps: HandoverDeps): Promise<HandoverResult> {
  const t0 = performance.now()
  const { svc, queue, affinity } = deps
  svc.close()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<boolean>((resolve) => {
    // Half the close's budget: the flush, the leave and the redirects still need time before
    // close-with-grace's hard deadline, or a slow drain would turn a handover into a kill.
    timer = setTimeout(resolve, deps.timeoutMs / 2, false)
  })
  const drained = await Promise.race([queue.close({ drain: true }).then(() => true), deadline])
  clearTimeout(timer)
  if (!drained)
    app.log.warn({ inFlight: queue.inFlight }, 'affinity handover: turns still running at the deadline')
  try {
    await app.sessionCache.flush()
    /* c8 ignore next 4: Redis down at shutdown; tiered-cache tests its close-time retries */
  } catch (err) {
    // Still dirty: the cache's own close retries them. The new owner may read an older turn.
    app.log.error({ err }, 'affinity handover: flushing the sessions failed')
  }
  // The ring the others use once this node is gone (computed before the leave: a static list
  // does not change on stop()).
  const next = affinity.affinity.ringWithout()
  const self = affinity.affinity.self.server
  try {
    await affinity.affinity.stop()
    /* c8 ignore next 3: Redis down at shutdown; the heartbeat TTL does the leave */
  } catch (err) {
    app.log.warn({ err }, 'affinity handover: the leave failed; the heartbeat TTL removes this node')
  }
  affinity.close()
  let redirected = 0
  for (const c of [...deps.clients]) {
    if (c.uid === null) continue
    let owner: string
    try {
      owner = next.owner(c.uid)
    } catch {
      // The last node: nobody to hand over to.
      continue
    }
    c.redirect(owner, redirectUrl(owner, c.uid, self))
    redirected++
  }
  affinity.handedOver(redirected)
  const ms = Math.round(performance.now() - t0)
  app.log.info({ redirected, ms }, 'affinity handover: clients redirected to their new owners')
  return { redirected, ms }
}

/**
 * preHandler of the HTTP session routes: a session owned by another node is answered with 307
 * and `Location` on that node (same path and query). Runs after the token check.
 */
export function ownedPreHandler(affinity: ServerAffinity) {
  return async (request: FastifyRequest<{ Params: { uid: string } }>, reply: FastifyReply): Promise<void> => {
    const owner = await affinity.ownerElsewhere(request.params.uid, null, 'http')
    if (owner === null) return
    await reply.code(307).header('location', `http://${owner}${request.url}`).send()
  }
}
