import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import type { ColdStore } from './cold-store.ts'
import type { TieredCacheOptions } from './options.ts'
import { RedisStore } from './redis-store.ts'
import { TieredCache } from './tiered-cache.ts'

/** Options of the Fastify plugin: the cache's options plus where its cold tier lives. */
export interface TieredCachePluginOptions extends TieredCacheOptions {
  /**
   * Redis for the cold tier: a `redis://` URL (the plugin's store creates the connection and quits
   * it on close) or an ioredis `Redis` / `Cluster` client (left open on close). Without it (and
   * without `store`), an in-process `MemoryStore` is used.
   */
  redis?: string | Redis | Cluster
  /** Redis key prefix. Default `'cbp:'`. */
  prefix?: string
  /** See `RedisStoreOptions.keyspaceEvents`. Default `'configure'`. */
  keyspaceEvents?: 'configure' | 'assume' | 'off'
  /** See `RedisStoreOptions.returnBuffers`. Default `false`. */
  returnBuffers?: boolean
  /** ioredis options of the dedicated subscriber connection. */
  subscriber?: Partial<RedisOptions>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The session cache of `@chatbot-pro/tiered-cache`. */
    sessionCache: TieredCache
  }
}

const plugin: FastifyPluginAsync<TieredCachePluginOptions> = async (fastify, opts) => {
  const { redis, prefix, keyspaceEvents, returnBuffers, subscriber, store: given, ...cacheOpts } = opts
  let store: ColdStore | undefined = given
  if (store === undefined && redis !== undefined) {
    store = new RedisStore({ client: redis, prefix, keyspaceEvents, returnBuffers, subscriber })
  }
  const cache = new TieredCache({ ...cacheOpts, store })
  cache.on('warning', (message: string) => fastify.log.warn({ plugin: '@chatbot-pro/tiered-cache' }, message))
  cache.on('flushError', (err: Error) => fastify.log.warn({ err }, 'session cache flush failed; will retry'))
  cache.on('backpressure', (info: unknown) =>
    fastify.log.warn(info, 'session cache backpressure: the cold store is not keeping up')
  )
  try {
    await cache.ready()
  } catch (err) {
    await cache.close({ timeoutMs: 0 })
    throw err
  }
  fastify.decorate('sessionCache', cache)
  fastify.addHook('onClose', async () => {
    const report = await cache.close()
    if (report.unflushed.length > 0) {
      fastify.log.error(
        { unflushed: report.unflushed.length, keys: report.unflushed.slice(0, 20) },
        'session cache closed with unflushed writes'
      )
    }
  })
}

/**
 * Decorates `fastify.sessionCache` with a {@link TieredCache}; on close flushes every dirty entry,
 * unsubscribes and quits the connections it created (a client passed in stays open).
 */
export const tieredCachePlugin = fp(plugin, { fastify: '5.x', name: '@chatbot-pro/tiered-cache' })
export default tieredCachePlugin
export { TieredCache } from './tiered-cache.ts'
