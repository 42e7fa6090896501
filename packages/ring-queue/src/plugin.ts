import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import {
  InvalidOptionTypeError,
  type QueueOverloaded,
  QueueOverloadedError,
  show,
  UnknownQueueError
} from './errors.ts'
import { checkNumber, checkObject } from './options.ts'
import { WorkQueue, type WorkQueueOptions } from './work-queue.ts'

/** Configuration of one named queue: {@link WorkQueueOptions} without `name`. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds queues of any item/result types.
export type QueueConfig<I = any, O = any> = Omit<WorkQueueOptions<I, O>, 'name'>

/**
 * The queues on `fastify.queues`, by name. Augment it to type your queues:
 * `declare module '@chatbot-pro/ring-queue/fastify' { interface FastifyQueues { llm: WorkQueue<Turn, Reply> } }`.
 */
export interface FastifyQueues {
  // biome-ignore lint/suspicious/noExplicitAny: default for queues the user did not declare.
  [name: string]: WorkQueue<any, any>
}

/** Options of the plugin. */
export interface RingQueuePluginOptions {
  /** Named queues to create. Default `{}`. */
  queues?: Record<string, QueueConfig>
  /**
   * On `fastify.close()`, how long to let each queue drain, ms. What is still queued afterwards is
   * rejected with `RING_CLOSED`; work already in flight is not awaited further. Default `10000`.
   */
  closeTimeoutMs?: number
}

/** Defaults of {@link RingQueuePluginOptions}. */
export const PLUGIN_DEFAULTS = Object.freeze({ closeTimeoutMs: 10_000 })

declare module 'fastify' {
  interface FastifyInstance {
    /** Work queues created by `@chatbot-pro/ring-queue/fastify`, by name. */
    queues: FastifyQueues
  }
  interface FastifyContextConfig {
    /**
     * Name of a queue in `fastify.queues` that admits this route: while that queue is overloaded
     * (`WorkQueue.overloaded`: ring full, CoDel dropping, or `'request'` admission refusing) the
     * route answers 503 with `Retry-After` before its handler runs.
     */
    queue?: string
  }
}

function normalize(options: RingQueuePluginOptions) {
  const o = checkObject('options', options)
  const queues = checkObject('queues', o.queues)
  const closeTimeoutMs = checkNumber('closeTimeoutMs', o.closeTimeoutMs ?? PLUGIN_DEFAULTS.closeTimeoutMs, 0)
  return Object.freeze({ queues: { ...queues } as Record<string, QueueConfig>, closeTimeoutMs })
}

function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)))
}

function isOverloaded(err: unknown): err is QueueOverloaded {
  return err instanceof QueueOverloadedError && typeof (err as QueueOverloaded).retryAfterMs === 'number'
}

function admission(queue: WorkQueue<unknown, unknown>) {
  return function admit(_request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    if (!queue.overloaded) {
      done()
      return
    }
    const retryAfterMs = queue.retryAfterMs()
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    const err = new QueueOverloadedError(queue.name, retryAfterMs) as QueueOverloaded
    Error.stackTraceLimit = limit
    err.retryAfterMs = retryAfterMs
    reply.header('retry-after', retryAfterSeconds(retryAfterMs))
    done(err)
  }
}

async function closeQueue(app: FastifyInstance, queue: WorkQueue<unknown, unknown>, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, false)
  })
  const drained = await Promise.race([queue.close({ drain: true }).then(() => true), deadline])
  clearTimeout(timer)
  if (!drained) {
    app.log.warn(
      { queue: queue.name, depth: queue.depth, inFlight: queue.inFlight },
      'ring-queue: drain deadline passed, rejecting queued work'
    )
    // Rejects what is still queued; the promise waits for in-flight work, which we do not.
    void queue.close({ drain: false })
  }
}

const plugin: FastifyPluginAsync<RingQueuePluginOptions> = async (fastify, options) => {
  const opts = normalize(options)
  if (fastify.hasDecorator('queues')) {
    throw new InvalidOptionTypeError('queues', 'registered once per instance', 'a second registration')
  }
  // Filled just below from the options; the cast lets users declare their queues in FastifyQueues.
  const queues = {} as FastifyQueues
  for (const [name, config] of Object.entries(opts.queues)) {
    queues[name] = new WorkQueue({ ...checkObject(`queues.${name}`, config), name } as WorkQueueOptions<
      unknown,
      unknown
    >)
  }
  fastify.decorate('queues', queues)

  fastify.addHook('onRoute', (route: RouteOptions) => {
    const name = (route.config as { queue?: unknown } | undefined)?.queue
    if (name === undefined) return
    if (typeof name !== 'string' || !Object.hasOwn(queues, name)) throw new UnknownQueueError(show(name))
    const admit = admission(queues[name]!)
    const existing = route.preHandler
    // Admission runs first: a shed request should cost as little as possible.
    route.preHandler =
      existing === undefined ? [admit] : [admit, ...(Array.isArray(existing) ? existing : [existing])]
  })

  // A handler that lets a `submit()` rejection propagate gets the same Retry-After header as a
  // request shed by admission. Headers set here are kept: onError runs before the error reply is
  // serialised.
  fastify.addHook('onError', (_request, reply, error, done) => {
    if (isOverloaded(error) && !reply.hasHeader('retry-after')) {
      reply.header('retry-after', retryAfterSeconds(error.retryAfterMs))
    }
    done()
  })

  fastify.addHook('onClose', async (instance) => {
    await Promise.all(Object.values(queues).map((q) => closeQueue(instance, q, opts.closeTimeoutMs)))
  })
}

/** The Fastify plugin: named work queues on `fastify.queues`, route admission, drain on close. */
export const ringQueuePlugin = fp(plugin, { fastify: '5.x', name: '@chatbot-pro/ring-queue' })
export default ringQueuePlugin

export type { QueueOverloaded } from './errors.ts'
export type { WorkQueue, WorkQueueOptions, WorkQueueStats } from './work-queue.ts'
