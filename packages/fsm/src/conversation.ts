import { type ContextJSON, type ContextLimits, ConversationContext } from './context.ts'
import { defineMachine, type Machine } from './machine.ts'
import { type ConversationOptions, normalizeConversationOptions } from './options.ts'

/** States of the conversation preset. */
export type ConversationState = 'HELLO' | 'CHATTING' | 'PAUSE' | 'END'

/** Events of the conversation preset, discriminated by `type` (never by message text). */
export type ConversationEvent =
  /** A user message: HELLO/PAUSE -> CHATTING, CHATTING -> CHATTING (re-arms the pause timer). */
  | { type: 'text'; text: string }
  /** An assistant reply: recorded in the context, no state change, timers untouched. */
  | { type: 'reply'; text: string }
  /** The user says goodbye: any state -> END. */
  | { type: 'bye' }
  /** The system closes the conversation (socket closed, admin...): any state -> END. */
  | { type: 'close'; reason?: string }
  /** An external expiry (e.g. a session store TTL): any state -> END. */
  | { type: 'expired' }

/** The machine type of the preset. */
export type ConversationMachine = Machine<ConversationState, ConversationEvent, ConversationContext>

const addUser = (ctx: ConversationContext, e: { text: string }): void => ctx.addUser(e.text)
const addAssistant = (ctx: ConversationContext, e: { text: string }): void => ctx.addAssistant(e.text)
// Events come off the wire: a `text`/`reply` without a string is refused (changed: false), not thrown.
const hasText = (_ctx: ConversationContext, e: { text: string }): boolean => typeof e.text === 'string'

/**
 * The conversation preset:
 * - HELLO (waiting for the first message) -> CHATTING on the first `text`; -> END after
 *   `endAfterMs` if the user never speaks (so silent connections do not stay forever);
 * - CHATTING stays on `text` (re-arming the pause timer); -> PAUSE after `pauseAfterMs` without one;
 * - PAUSE -> CHATTING on `text`; -> END after `endAfterMs`;
 * - any state -> END on `bye`, `close` or `expired`; END is final;
 * - `reply` records an assistant turn in HELLO, CHATTING and PAUSE without a state change.
 * The context is a {@link ConversationContext} bounded by `maxTurns` rounds and `maxTokens`.
 */
export function conversationMachine(options: ConversationOptions = {}): ConversationMachine {
  const o = normalizeConversationOptions(options)
  const limits: ContextLimits = Object.freeze({
    maxTurns: o.maxTurns,
    maxTokens: o.maxTokens,
    countTokens: o.countTokens
  })
  const toEnd = { bye: 'END', close: 'END', expired: 'END' } as const
  const reply = { guard: hasText, actions: addAssistant }
  const text = { target: 'CHATTING', guard: hasText, actions: addUser } as const
  return defineMachine({
    types: {} as { context: ConversationContext; events: ConversationEvent },
    initial: 'HELLO',
    context: () => new ConversationContext(limits, o.systemPrompt),
    serializeContext: (ctx) => ctx.toJSON(),
    reviveContext: (json) => ConversationContext.fromJSON(json as ContextJSON, limits),
    states: {
      HELLO: { on: { text, reply, ...toEnd }, after: { ms: o.endAfterMs, target: 'END' } },
      CHATTING: { on: { text, reply, ...toEnd }, after: { ms: o.pauseAfterMs, target: 'PAUSE' } },
      PAUSE: { on: { text, reply, ...toEnd }, after: { ms: o.endAfterMs, target: 'END' } },
      END: { final: true }
    }
  })
}
