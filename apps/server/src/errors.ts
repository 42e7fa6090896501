import createError from '@fastify/error'

// HTTP errors of the server's own routes. Stable codes: clients switch on them. Errors of a turn
// (BUSY, OVERLOADED, LLM_*...) are built in chat.ts and share the same codes over WebSocket and SSE.

export const UnauthorizedError = createError<'UNAUTHORIZED', 401, [string]>('UNAUTHORIZED', '%s', 401)
export const ForbiddenError = createError('FORBIDDEN', 'This session belongs to another user', 403)
export const SessionNotFoundError = createError<'SESSION_NOT_FOUND', 404, [string]>(
  'SESSION_NOT_FOUND',
  'No live session %s: create one with POST /v1/sessions',
  404
)
export const NotReadyError = createError<'NOT_READY', 503, [string]>('NOT_READY', 'Not ready: %s', 503)
