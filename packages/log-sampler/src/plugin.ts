import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { SamplerOptions } from './options.ts'
import { createSampler, type Sampler, type TurnFields } from './sampler.ts'

/** Options of the Fastify plugin: the sampler's options (see `SamplerOptions`). */
export interface LogSamplerPluginOptions extends SamplerOptions {}

declare module 'fastify' {
  interface FastifyInstance {
    /** The sampler shared by the whole app (use it with any logger: `app.logSampler.turn(log, ...)`). */
    logSampler: Sampler
  }
  interface FastifyRequest {
    /**
     * Logs one conversation turn through this request's logger (so `reqId` and any child bindings
     * stay): full context for sampled keys, `always` levels and entries with `err`; a context hash
     * otherwise. Call it as a method: `request.logTurn(fields, msg)`.
     */
    logTurn(fields: TurnFields, msg?: string): void
  }
}

const plugin: FastifyPluginAsync<LogSamplerPluginOptions> = async (fastify, opts) => {
  // Burst summaries go to the app's root logger rather than to whichever request dropped first.
  const sampler = createSampler({ ...opts, summaryLogger: opts.summaryLogger ?? fastify.log })
  fastify.decorate('logSampler', sampler)
  // A method reading `this.log`, not a closure made per request in an onRequest hook: nothing is
  // allocated for requests that never log a turn. A function is not a reference-type default, so
  // Fastify 5 accepts it on the prototype.
  fastify.decorateRequest(
    'logTurn',
    function logTurn(this: FastifyRequest, fields: TurnFields, msg?: string) {
      sampler.turn(this.log, fields, msg)
    }
  )
  // Write the last burst summary and clear its timer; the logger itself belongs to Fastify.
  fastify.addHook('onClose', async () => {
    sampler.close()
  })
}

/** The Fastify 5 plugin: decorates `fastify.logSampler` and `request.logTurn()`. */
export const logSamplerPlugin = fp(plugin, { fastify: '5.x', name: '@chatbot-pro/log-sampler' })
export default logSamplerPlugin
export type { Sampler, TurnFields }
