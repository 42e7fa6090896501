import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { ConversationContext } from './context.ts'
import { type ConversationEvent, type ConversationState, conversationMachine } from './conversation.ts'
import { type FsmPluginOptions, normalizeOptions } from './options.ts'
import { ConversationRegistry } from './registry.ts'
import { TimerWheel } from './timer-wheel.ts'

/** The registry type the plugin decorates `fastify.conversations` with. */
export type Conversations = ConversationRegistry<ConversationState, ConversationEvent, ConversationContext>

declare module 'fastify' {
  interface FastifyInstance {
    /** Live conversations keyed by user id (`@chatbot-pro/fsm`). */
    conversations: Conversations
  }
}

/**
 * Decorates `fastify.conversations` with a {@link ConversationRegistry} of the conversation preset,
 * driven by its own {@link TimerWheel}: started when the app is ready, stopped (and every
 * conversation's timer disarmed) on close. Options are validated at register time.
 */
const plugin: FastifyPluginAsync<FsmPluginOptions> = async (fastify, options) => {
  const { tickMs, slots, now } = normalizeOptions(options)
  const wheel = new TimerWheel({ tickMs, slots, now })
  const conversations: Conversations = new ConversationRegistry(conversationMachine(options), { wheel })
  fastify.decorate('conversations', conversations)
  fastify.addHook('onReady', async () => {
    wheel.start()
  })
  fastify.addHook('onClose', async () => {
    wheel.stop()
    conversations.clear()
  })
}

export type { FsmPluginOptions } from './options.ts'
/** The Fastify 5 plugin (wrapped with fastify-plugin, so `fastify.conversations` is visible to the app). */
export const fsmPlugin = fp(plugin, { fastify: '5.x', name: '@chatbot-pro/fsm' })
export default fsmPlugin
