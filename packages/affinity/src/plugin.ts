import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { Cluster, Redis } from 'ioredis'
import { Affinity, type AffinityChange } from './affinity.ts'
import type { AffinityOptions } from './options.ts'

/** Options of the Fastify plugin: {@link AffinityOptions}, where `redis` may also be a URL. */
export interface AffinityPluginOptions extends Omit<AffinityOptions, 'redis'> {
  /**
   * Redis membership: an ioredis client (left open on close) or a `redis://` URL (the plugin
   * creates the client, with ioredis as an optional peer, and closes it on close).
   */
  redis?: Redis | Cluster | string
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This node's view of the ring: `ownerOf(uid)`, `owns(uid)`, `mintUid()`, `change` events. */
    affinity: Affinity
  }
}

const plugin: FastifyPluginAsync<AffinityPluginOptions> = async (fastify, opts) => {
  let own: Redis | null = null
  let redis: Redis | Cluster | undefined
  if (typeof opts.redis === 'string') {
    const { Redis: Client } = await import('ioredis')
    own = new Client(opts.redis, { lazyConnect: true })
    redis = own
  } else {
    redis = opts.redis
  }
  let affinity: Affinity
  try {
    affinity = new Affinity({ ...opts, redis })
  } catch (err) {
    own?.disconnect()
    throw err
  }
  affinity.on('error', (err: unknown) => {
    fastify.log.warn({ err }, 'affinity: membership refresh failed; routing by the last known members')
  })
  affinity.on('change', (change: AffinityChange) => {
    fastify.log.info(
      { joined: change.joined.map((m) => m.server), left: change.left.map((m) => m.server) },
      'affinity: ring changed'
    )
  })
  fastify.decorate('affinity', affinity)
  fastify.addHook('onReady', async () => {
    await affinity.start()
  })
  fastify.addHook('onClose', async () => {
    try {
      await affinity.stop()
    } finally {
      // Only the client this plugin created; one passed in belongs to the caller. The leave has
      // been written by now, and quit() could wait on a Redis that is down.
      own?.disconnect()
    }
  })
}

/** The Fastify 5 plugin: decorates `fastify.affinity`, joins on ready and leaves on close. */
export const affinityPlugin = fp(plugin, { fastify: '5.x', name: '@chatbot-pro/affinity' })
export default affinityPlugin
export type { Affinity, AffinityChange }
