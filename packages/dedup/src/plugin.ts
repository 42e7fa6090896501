import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { Dedup } from './dedup.ts'
import type { DedupOptions } from './options.ts'

export type { CheckResult, DedupStats } from './dedup.ts'
export { Dedup } from './dedup.ts'
export type { DedupMode, DedupOptions } from './options.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Echo and loop filter for LLM replies, configured by `@chatbot-pro/dedup/fastify`. */
    dedup: Dedup
  }
}

/** Options of the Fastify plugin: the package options (`n`, `threshold`, `mode`, ...). */
export type DedupPluginOptions = DedupOptions

const plugin: FastifyPluginAsync<DedupPluginOptions> = async (fastify, options) => {
  // Options are checked here, at registration, so a bad value fails `ready()` with its code.
  const { n, threshold, maxChars, maxPrevious, loopN, maxRepeats, mode, locale } = options
  fastify.decorate(
    'dedup',
    new Dedup({ n, threshold, maxChars, maxPrevious, loopN, maxRepeats, mode, locale })
  )
}

/**
 * Decorates `fastify.dedup` with a configured {@link Dedup}: `check`, `score`, `isEcho`, `strip`,
 * `selfRepetition`, `guard`, `promptGuard`, and the counters `stats` / `echoRate` for metrics.
 */
export const dedupPlugin = fp(plugin, { fastify: '5.x', name: '@chatbot-pro/dedup' })
export default dedupPlugin
