/**
 * Target 4, the "classic" architecture the design replaces: stateless HTTP (node:http). The
 * client POSTs each message with the WHOLE history; the server stores that history in Redis,
 * answers 202 at once, produces the reply after the simulated LLM (SimulatedLlm, same timing) and
 * stores it in Redis; the client polls GET once per second until the reply is there.
 *
 *   POST /v1/poll/:cid/messages  { id, text, history: [{role, content}] }  -> 202
 *   GET  /v1/poll/:cid/replies/:id                                       -> 200 { id, text } | 204
 *
 * REDIS_URL is required. Prints `READY <port>`, then a stats line every second.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { SimulatedLlm } from '@chatbot-pro/server/llm/simulated'
import { Redis } from 'ioredis'
import { llmFromEnv, onStopSignal, printStats, READY } from '../common.ts'

const s = llmFromEnv()
const llm = new SimulatedLlm({ latencyMs: s.latencyMs, tokensPerS: s.tokensPerS, replyTokens: s.replyTokens })
const redis = new Redis(process.env.REDIS_URL as string, { enableAutoPipelining: true })
const TTL_S = 1800

function json(res: ServerResponse, status: number, body?: unknown): void {
  res.statusCode = status
  if (body === undefined) {
    res.end()
    return
  }
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(body))
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString()
}

async function generate(cid: string, id: string, text: string): Promise<void> {
  let out = ''
  for await (const delta of llm.stream([{ role: 'user', content: text }], new AbortController().signal))
    out += delta
  await redis.set(`poll:reply:${cid}:${id}`, JSON.stringify({ id, text: out }), 'EX', 300)
}

const server = createServer((req, res) => {
  const url = req.url ?? ''
  const parts = url.split('/')
  // ['', 'v1', 'poll', cid, 'messages' | 'replies', id?]
  if (parts[1] !== 'v1' || parts[2] !== 'poll' || !parts[3]) return json(res, 404, { error: 'not found' })
  const cid = parts[3]
  if (req.method === 'POST' && parts[4] === 'messages') {
    readBody(req)
      .then(async (raw) => {
        const body = JSON.parse(raw) as { id: string; text: string; history: unknown[] }
        // The classic design: the whole history travels and is stored on every turn.
        const history = [...body.history, { role: 'user', content: body.text }]
        await redis.set(`poll:hist:${cid}`, JSON.stringify(history), 'EX', TTL_S)
        json(res, 202, { id: body.id })
        generate(cid, body.id, body.text).catch((err: unknown) => console.error('generate failed', err))
      })
      .catch(() => json(res, 400, { error: 'bad request' }))
    return
  }
  if (req.method === 'GET' && parts[4] === 'replies' && parts[5]) {
    redis.get(`poll:reply:${cid}:${parts[5]}`).then(
      (v) => {
        if (v === null) return json(res, 204)
        res.statusCode = 200
        res.setHeader('content-type', 'application/json')
        res.end(v)
      },
      () => json(res, 500, { error: 'redis' })
    )
    return
  }
  json(res, 404, { error: 'not found' })
})
server.keepAliveTimeout = 10_000

server.listen(0, '127.0.0.1', () => {
  const addr = server.address()
  process.stdout.write(`${READY} ${typeof addr === 'object' && addr !== null ? addr.port : 0}\n`)
  printStats()
})
const stop = (): void => {
  server.closeAllConnections()
  server.close(() => {
    redis.quit().finally(() => process.exit(0))
  })
  setTimeout(() => process.exit(0), 2000).unref()
}
onStopSignal(stop)
