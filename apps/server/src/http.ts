import type { ConversationState } from '@chatbot-pro/fsm'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { ownedPreHandler, type ServerAffinity } from './affinity.ts'
import type { TokenSigner } from './auth.ts'
import { type ChatService, type ClientError, SHUTTING_DOWN, type TurnSink } from './chat.ts'
import { CoalescingSink, type FlushScheduler } from './coalesce.ts'
import type { Config } from './config.ts'
import { ForbiddenError, SessionNotFoundError, UnauthorizedError } from './errors.ts'
import { errorFrame, replyFrame } from './protocol.ts'

const Uid = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })
const Params = Type.Object({ uid: Uid })
const Turn = Type.Object({
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
  content: Type.String()
})
const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.Optional(Type.String()),
  message: Type.String(),
  retryAfterMs: Type.Optional(Type.Integer())
})

/** SSE sink of one turn: headers go out with the first delta, so a refusal is still a plain HTTP error. */
class SseSink extends CoalescingSink implements TurnSink {
  refused: ClientError | null = null
  #started = false
  readonly #reply: FastifyReply

  constructor(reply: FastifyReply, flush: FlushScheduler) {
    super(flush)
    this.#reply = reply
  }

  #event(name: string, data: object): void {
    if (!this.#started) {
      this.#started = true
      this.#reply.hijack()
      this.#reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no'
      })
    }
    this.#reply.raw.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`)
  }

  protected writeDelta(id: string, text: string): void {
    this.#event('delta', { v: 1, type: 'delta', id, text })
  }

  reply(id: string, text: string, state: ConversationState, echo: boolean): void {
    this.flushDeltas()
    this.#event('reply', replyFrame(id, text, state, echo))
  }

  error(id: string, err: ClientError): void {
    this.flushDeltas()
    if (!this.#started) {
      this.refused = err
      return
    }
    this.#event('error', errorFrame(id, err))
  }

  end(): void {
    if (this.#started) this.#reply.raw.end()
  }
}

/** HTTP API for clients without WebSocket: sessions, a message with an SSE reply, session state. */
export function httpRoutes(
  app: FastifyInstance,
  svc: ChatService,
  signer: TokenSigner,
  config: Config,
  flush: FlushScheduler,
  affinity?: ServerAffinity
): void {
  const authorize = async (request: FastifyRequest<{ Params: { uid: string } }>): Promise<void> => {
    const header = request.headers.authorization
    if (header === undefined || !header.startsWith('Bearer ')) {
      throw new UnauthorizedError('Send the session token as `Authorization: Bearer <token>`')
    }
    const claims = signer.verify(header.slice(7))
    if (typeof claims === 'string') {
      throw new UnauthorizedError(
        `The token is ${claims === 'expired' ? 'expired' : 'not valid'}: create a new session`
      )
    }
    if (claims.uid !== request.params.uid) throw new ForbiddenError()
  }
  // With affinity: after the token check, a session owned by another node gets a 307 there.
  const guard = affinity === undefined ? authorize : [authorize, ownedPreHandler(affinity)]

  app.post(
    '/v1/sessions',
    {
      schema: {
        response: {
          201: Type.Object({ uid: Uid, token: Type.String(), state: Type.String() }),
          503: ErrorBody
        }
      }
    },
    async (_request, reply) => {
      if (svc.closing)
        return reply
          .code(503)
          .send({ statusCode: 503, code: SHUTTING_DOWN.code, message: SHUTTING_DOWN.message })
      const uid = affinity?.newUid() ?? signer.newUid()
      const conv = svc.create(uid)
      return reply.code(201).send({ uid, token: signer.sign(uid), state: conv.state })
    }
  )

  app.get<{ Params: { uid: string } }>(
    '/v1/sessions/:uid',
    {
      schema: {
        params: Params,
        response: {
          200: Type.Object({ uid: Uid, state: Type.String(), context: Type.Array(Turn) }),
          '4xx': ErrorBody
        }
      },
      preHandler: guard
    },
    async (request) => {
      const conv = await svc.open(request.params.uid)
      if (conv === undefined) throw new SessionNotFoundError(request.params.uid)
      return { uid: request.params.uid, state: conv.state, context: svc.turns(conv) }
    }
  )

  app.post<{ Params: { uid: string }; Body: { text: string; id?: string } }>(
    '/v1/sessions/:uid/messages',
    {
      schema: {
        params: Params,
        body: Type.Object(
          {
            text: Type.String({ minLength: 1, maxLength: config.MAX_MESSAGE_CHARS, pattern: '\\S' }),
            id: Type.Optional(Type.String({ pattern: '^[\\w.:-]{1,64}$' }))
          },
          { additionalProperties: false }
        ),
        response: { '4xx': ErrorBody, '5xx': ErrorBody }
      },
      bodyLimit: config.WS_MAX_PAYLOAD_BYTES,
      preHandler: guard
    },
    async (request, reply) => {
      const { uid } = request.params
      const id = request.body.id ?? `h${Date.now().toString(36)}`
      const sink = new SseSink(reply, flush)
      const ac = new AbortController()
      const onClose = (): void => {
        if (!reply.raw.writableFinished) ac.abort(new Error('the client went away'))
      }
      reply.raw.once('close', onClose)
      try {
        await svc.turn(uid, id, request.body.text, sink, ac.signal)
      } finally {
        reply.raw.off('close', onClose)
      }
      if (sink.refused !== null) {
        const err = sink.refused
        if (err.retryAfterMs !== undefined)
          reply.header('retry-after', Math.max(1, Math.ceil(err.retryAfterMs / 1000)))
        const body: Record<string, unknown> = {
          statusCode: err.statusCode,
          code: err.code,
          message: err.message
        }
        if (err.retryAfterMs !== undefined) body.retryAfterMs = err.retryAfterMs
        return reply.code(err.statusCode).send(body)
      }
      sink.end()
      return reply
    }
  )
}
