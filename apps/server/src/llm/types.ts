/** One chat message in the OpenAI-compatible format. */
// A type alias, not an interface, so it fits helpers typed with an index signature (dedup's promptGuard).
export type ChatMessage = {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** A streaming language model. */
export interface LlmProvider {
  readonly name: string
  /**
   * Streams the reply to `messages` as text deltas. Aborting `signal` stops the stream (the
   * iterator throws an error named `AbortError`). Errors carry a `code` from {@link LlmFailure}.
   */
  stream(messages: readonly ChatMessage[], signal: AbortSignal): AsyncIterable<string>
  /**
   * `true` when a stream that ended leaves nothing attached to its signal (no listener, no
   * `AbortSignal.any` dependant), so the server may hand a signal that was never aborted to the
   * next turn instead of creating an AbortController per turn.
   */
  readonly signalReusable?: boolean
}

/** Why an LLM call failed. */
export type LlmFailure =
  | 'LLM_TIMEOUT'
  | 'LLM_RATE_LIMITED'
  | 'LLM_UPSTREAM'
  | 'LLM_BAD_RESPONSE'
  | 'LLM_STREAM_CUT'
  | 'LLM_UNREACHABLE'

/** An LLM call that failed; `retryAfterMs` when the upstream said when to retry. */
export class LlmCallError extends Error {
  readonly code: LlmFailure
  readonly status: number | undefined
  readonly retryAfterMs: number | undefined

  constructor(
    code: LlmFailure,
    message: string,
    opts: { status?: number; retryAfterMs?: number; cause?: unknown } = {}
  ) {
    super(message, { cause: opts.cause })
    this.name = 'LlmCallError'
    this.code = code
    this.status = opts.status
    this.retryAfterMs = opts.retryAfterMs
  }
}
