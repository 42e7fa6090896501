import type { ChatClientError } from './errors.ts'
import type { ServerFrame, SessionFrame } from './protocol.ts'

/** What a transport reports to the client once a session is open. */
export interface TransportHandler {
  /** A frame of the open session (delta, reply, state, error). */
  frame(frame: ServerFrame): void
  /** A message failed without an error frame (an HTTP error answer, a lost stream). */
  failed(id: string, err: ChatClientError): void
  /** The server sent something that is not a protocol v1 frame. */
  badFrame(raw: string): void
  /** The open connection was lost (not by `close()`); `code` is the WebSocket close code. */
  dropped(code: number, reason: string): void
}

/** A way to reach the server: WebSocket, or HTTP + SSE. */
export interface Transport {
  /** Opens a session (resuming `resume` when given); rejects with a {@link ChatClientError}. */
  open(resume: string | undefined): Promise<SessionFrame>
  /** Sends a user message; its frames come back through the handler. */
  text(id: string, text: string): void
  /** Ends the conversation. */
  bye(): void
  /** Drops the connection and everything in flight, for good. */
  close(): void
}
