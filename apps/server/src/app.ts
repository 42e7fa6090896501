import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import affinityPlugin from '@chatbot-pro/affinity/fastify'
import dedupPlugin from '@chatbot-pro/dedup/fastify'
import { loadTokenCounter } from '@chatbot-pro/fsm'
import fsmPlugin from '@chatbot-pro/fsm/fastify'
import logSamplerPlugin from '@chatbot-pro/log-sampler/fastify'
import type { WorkQueue } from '@chatbot-pro/ring-queue'
import ringQueuePlugin from '@chatbot-pro/ring-queue/fastify'
import { RedisStore } from '@chatbot-pro/tiered-cache'
import tieredCachePlugin from '@chatbot-pro/tiered-cache/fastify'
import fastifyCors from '@fastify/cors'
import fastifyHelmet from '@fastify/helmet'
import fastifyStatic from '@fastify/static'
import websocket from '@fastify/websocket'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { affinityOptions, type HandoverResult, handover, ServerAffinity } from './affinity.ts'
import { TokenSigner } from './auth.ts'
import { ChatService, type TurnJob } from './chat.ts'
import { FlushScheduler } from './coalesce.ts'
import type { Config } from './config.ts'
import { NotReadyError } from './errors.ts'
import { httpRoutes } from './http.ts'
import { OpenAiLlm } from './llm/openai.ts'
import { SimulatedLlm } from './llm/simulated.ts'
import type { LlmProvider } from './llm/types.ts'
import { Metrics } from './metrics.ts'
import { CloseCode, type Connection, chatRoute } from './ws.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The turn pipeline shared by the WebSocket and HTTP transports. */
    chat: ChatService
    /** Prometheus metrics of the server. */
    metrics: Metrics
    /** This app's open WebSocket connections. */
    chatConnections: Set<Connection>
    /**
     * Affinity on (AFFINITY_SELF): the pre-stop handover, also run by `close()`: stop accepting,
     * finish the turns in flight, flush, leave the ring, redirect every client to its new owner.
     */
    handover?: () => Promise<HandoverResult>
  }
}

/** Options of {@link buildApp} beyond the configuration (tests and embedding). */
export interface BuildOptions {
  /** Fastify logger option. Default: pino at `LOG_LEVEL`. */
  logger?: FastifyServerOptions['logger']
  /** Replace the LLM provider the configuration selects. */
  llm?: LlmProvider
  /** Clock for tokens (tests). */
  now?: () => number
}

/** Picks the LLM provider the configuration names. */
export function createLlm(config: Config): LlmProvider {
  if (config.LLM_PROVIDER === 'openai') {
    return new OpenAiLlm({
      baseUrl: config.LLM_BASE_URL as string,
      apiKey: config.LLM_API_KEY,
      model: config.LLM_MODEL,
      timeoutMs: config.LLM_TIMEOUT_MS,
      retries: config.LLM_RETRIES
    })
  }
  return new SimulatedLlm({
    latencyMs: config.LLM_LATENCY_MS,
    tokensPerS: config.LLM_TOKENS_PER_S,
    replyTokens: config.LLM_REPLY_TOKENS,
    echoRate: config.LLM_ECHO_RATE
  })
}

/**
 * Builds the reference server: every @chatbot-pro plugin composed into the pipeline of
 * DESIGN.md §3, the WebSocket and HTTP transports, the web page, metrics and health checks.
 * Close order (Fastify closes plugins last-registered first): WebSocket clients are told and
 * closed, turns in flight finish or are cancelled, the queue drains, then the cache flushes.
 */
export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? { level: config.LOG_LEVEL },
    // The turn queue already bounds work; these bound what a client can hold open.
    connectionTimeout: 0,
    keepAliveTimeout: 10_000,
    bodyLimit: config.WS_MAX_PAYLOAD_BYTES,
    forceCloseConnections: true
  })
  const signer = new TokenSigner(config.CHATBOT_SECRET, config.TOKEN_TTL_S, opts.now)
  const llm = opts.llm ?? createLlm(config)

  // Registered first so it closes last: every dirty session is flushed after the queue drained.
  await app.register(tieredCachePlugin, {
    ...(config.REDIS_URL ? { redis: config.REDIS_URL } : {}),
    prefix: config.CACHE_PREFIX,
    ttlMs: config.SESSION_TTL_MS,
    hot: { maxSize: config.HOT_MAX_SESSIONS },
    closeTimeoutMs: config.SHUTDOWN_TIMEOUT_MS
  })
  const affinityOpts = affinityOptions(config)
  if (affinityOpts !== null) await app.register(affinityPlugin, affinityOpts)
  // Loaded once at start (0.3-0.5 s per encoding), never on a turn.
  const countTokens = config.TOKENIZER ? await loadTokenCounter(config.TOKENIZER) : undefined
  await app.register(fsmPlugin, {
    pauseAfterMs: config.PAUSE_AFTER_MS,
    endAfterMs: config.END_AFTER_MS,
    maxTurns: config.MAX_TURNS,
    maxTokens: config.MAX_CONTEXT_TOKENS,
    ...(countTokens ? { countTokens } : {}),
    tickMs: Math.min(100, Math.max(5, Math.floor(config.PAUSE_AFTER_MS / 10)))
  })
  await app.register(dedupPlugin, { mode: config.DEDUP_MODE })
  await app.register(logSamplerPlugin, { rate: config.LOG_SAMPLE_RATE })
  let svc: ChatService | undefined
  await app.register(ringQueuePlugin, {
    queues: {
      turns: {
        capacity: config.QUEUE_CAPACITY,
        concurrency: config.QUEUE_CONCURRENCY,
        codel: {
          mode: config.CODEL_MODE,
          targetMs: config.CODEL_TARGET_MS,
          intervalMs: config.CODEL_INTERVAL_MS,
          ...(config.QUEUE_ADAPTIVE_LIFO ? { adaptiveLifo: true } : {})
        },
        worker: (job: TurnJob) => (svc as ChatService).runTurn(job)
      }
    },
    closeTimeoutMs: config.SHUTDOWN_TIMEOUT_MS
  })
  const queue = app.queues.turns as WorkQueue<TurnJob, void>

  const connections = new Set<Connection>()
  const flush = new FlushScheduler(config.STREAM_FLUSH_MS)
  const metrics = new Metrics({
    queueDepth: () => queue.depth,
    queueInFlight: () => queue.inFlight,
    queueSojournP99Ms: () => queue.stats().sojournP99Ms,
    queueDropped: () => queue.stats().dropped,
    openConnections: () => connections.size,
    conversationsByState: () => {
      const counts: Record<string, number> = { HELLO: 0, CHATTING: 0, PAUSE: 0 }
      for (const conv of app.conversations.values()) counts[conv.state] = (counts[conv.state] ?? 0) + 1
      return counts
    },
    cacheStats: () => {
      const s = app.sessionCache.stats()
      return { hits: s.hits, misses: s.misses, dirty: s.dirty, flushLagMs: s.lastFlushLagMs }
    },
    echo: () => {
      const s = app.dedup.stats
      return { checked: s.repliesChecked, echoes: s.echoesFound }
    },
    sampledLogBytes: () => (svc as ChatService).sampledBytes
  })
  svc = new ChatService({
    config,
    llm,
    conversations: app.conversations,
    cache: app.sessionCache as never,
    queue,
    dedup: app.dedup,
    sampler: app.logSampler,
    log: app.log,
    metrics
  })
  app.decorate('chat', svc)
  app.decorate('metrics', metrics)
  app.decorate('chatConnections', connections)
  const nodeAffinity =
    affinityOpts === null
      ? undefined
      : new ServerAffinity(app.affinity, {
          log: app.log,
          routedByBalancer: config.AFFINITY_ROUTED_BY_BALANCER,
          registry: metrics.registry
        })
  if (nodeAffinity !== undefined) {
    const deps = {
      svc,
      queue: queue as WorkQueue<unknown, unknown>,
      clients: connections,
      affinity: nodeAffinity,
      timeoutMs: config.SHUTDOWN_TIMEOUT_MS
    }
    app.decorate('handover', () => handover(app, deps))
  }

  await app.register(websocket, {
    options: { maxPayload: config.WS_MAX_PAYLOAD_BYTES },
    preClose(done) {
      // Affinity: hand the users over to their new owners first (their clients get `redirect`).
      if (app.handover !== undefined) {
        const finish = (): void => closeClients(done)
        void app.handover().then(finish, finish)
      } else closeClients(done)
    }
  })
  function closeClients(done: () => void): void {
    // Shutdown: no new turns; every client gets a state frame and close code 1001, then the
    // WebSocket server itself closes (a custom preClose must do both).
    ;(svc as ChatService).close()
    flush.close()
    for (const conn of connections) {
      if (conn.socket.readyState !== conn.socket.OPEN) continue
      const conv = conn.uid === null ? undefined : app.conversations.get(conn.uid)
      if (conv !== undefined) conn.state(conv.state, conv.state, 'shutdown')
      conn.close(CloseCode.GOING_AWAY, 'server shutting down')
    }
    // The WebSocket server's close waits for every client's closing handshake, and ws gives a
    // peer 30 s to answer a close frame: a peer that never answers (gone behind a proxy, a socket
    // still closing, an upgrade that completed meanwhile) held the whole shutdown past its
    // deadline. Whatever is still open after a short grace is terminated.
    const grace = setTimeout(
      () => {
        for (const ws of app.websocketServer.clients) ws.terminate()
      },
      Math.min(5000, config.SHUTDOWN_TIMEOUT_MS / 4)
    )
    app.websocketServer.close(() => {
      clearTimeout(grace)
      done()
    })
  }
  chatRoute(app, { svc, signer, config, log: app.log, open: connections, flush, affinity: nodeAffinity })
  httpRoutes(app, svc, signer, config, flush, nodeAffinity)

  // The security headers a browser client needs (CSP, nosniff, frame and referrer policies, HSTS),
  // on the page and the API alike; CORS only for the origins configured.
  await app.register(fastifyHelmet)
  if (config.CORS_ORIGINS !== undefined) {
    await app.register(fastifyCors, {
      origin: config.CORS_ORIGINS.split(','),
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type'],
      maxAge: 600
    })
  }
  await app.register(fastifyStatic, { root: join(import.meta.dirname, '..', 'public'), prefix: '/' })
  // The page's client library: @chatbot-pro/client's own ES modules, served as built (no bundler).
  await app.register(fastifyStatic, {
    root: dirname(fileURLToPath(import.meta.resolve('@chatbot-pro/client'))),
    prefix: '/client/',
    decorateReply: false
  })

  // Unknown routes answer in the same shape as every other refusal, with a documented code.
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      statusCode: 404,
      code: 'NOT_FOUND',
      error: 'Not Found',
      message: `No route ${request.method} ${request.url.split('?')[0]}: see the server README for the API`
    })
  })
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async () => {
    if ((svc as ChatService).closing) throw new NotReadyError('shutting down')
    const store = app.sessionCache.options.store
    if (store instanceof RedisStore) {
      const ping = store.client.ping()
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('timeout')), 1000).unref()
      )
      try {
        await Promise.race([ping, timeout])
      } catch {
        throw new NotReadyError('Redis is unreachable')
      }
    }
    return { status: 'ready' }
  })
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })
  return app
}
