export {
  ChatClient,
  type ChatClientEvents,
  type ConnectionStatus,
  type RetryInfo,
  type StateChange,
  type StatusChange
} from './client.ts'
export { ChatClientError, ClientErrorCode } from './errors.ts'
export {
  type ChatClientOptions,
  DEFAULTS,
  type Timers,
  type TokenStore,
  type WebSocketConstructor,
  type WebSocketLike
} from './options.ts'
export type {
  ClientFrame,
  DeltaFrame,
  ErrorFrame,
  ReplyFrame,
  ServerFrame,
  SessionFrame,
  StateFrame,
  WireTurn
} from './protocol.ts'
export { Reply, type ReplyResult } from './reply.ts'
