import t, { type Test } from 'tap'
import WebSocket from 'ws'
import { ChatClient, type ChatClientError, type ChatClientOptions } from '../src/index.ts'
import { FakeTimers, startServer, until } from './fixtures/server.ts'

function client(t: Test, opts: Omit<ChatClientOptions, 'transport'>): ChatClient {
  const c = new ChatClient({ transport: 'http', ...opts })
  t.teardown(() => c.close())
  return c
}

async function collect(reply: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = []
  for await (const d of reply) out.push(d)
  return out
}

/** A fetch that answers every request with `respond()` (a proxy's answer, a truncated stream). */
const fetchOf = (respond: () => Response): typeof fetch => (async () => respond()) as typeof fetch

t.test('HTTP + SSE: a session, streamed replies, the state learnt from replies, resume', async (t) => {
  const s = await startServer(t, { LLM_TOKENS_PER_S: '200', LLM_REPLY_TOKENS: '12' })
  const c = client(t, { url: `${s.url}/` })
  const states: unknown[] = []
  c.on('state', (e) => states.push(e))
  const session = await c.connect()
  t.equal(session.resumed, false)
  t.equal(session.state, 'HELLO')
  const reply = c.send('我的订单什么时候到？')
  const deltas = await collect(reply)
  const result = await reply.result
  t.ok(deltas.length > 1, `the reply streamed over SSE (${deltas.length} deltas)`)
  t.equal(deltas.join(''), result.text)
  t.equal(result.state, 'CHATTING')
  t.equal(result.echo, false)
  t.same(states, [{ state: 'CHATTING', from: 'HELLO', reason: 'reply' }])
  await c.send('and my refund?').result
  t.equal(states.length, 1, 'no state event when the state did not change')

  const again = client(t, { url: s.url, token: session.token })
  const resumed = await again.connect()
  t.equal(resumed.resumed, true)
  t.equal(resumed.uid, session.uid)
  t.equal(resumed.state, 'CHATTING')
  t.equal(resumed.context.length, 4)
  t.equal((await again.send('thanks').result).state, 'CHATTING')

  await t.rejects(c.bye(), { code: 'UNSUPPORTED' })
  const noStream = client(t, { url: s.url, token: session.token, noStream: true })
  await noStream.connect()
  const whole = noStream.send('one more')
  t.same(await collect(whole), [(await whole.result).text], 'noStream: one delta, the whole reply')
})

t.test('HTTP resume: a forged token or an ended conversation gives a new session', async (t) => {
  const s = await startServer(t)
  const forged = client(t, { url: s.url, token: 'v1.someone.1.forged' })
  const a = await forged.connect()
  t.equal(a.resumed, false)
  t.not(a.uid, 'someone')

  // End a conversation over WebSocket; its token then finds no session over HTTP (404).
  const ws = new ChatClient({ url: s.url, webSocket: WebSocket })
  t.teardown(() => ws.close())
  const ended = await ws.connect()
  await ws.bye()
  const after = client(t, { url: s.url, token: ended.token })
  const b = await after.connect()
  t.equal(b.resumed, false)
  t.not(b.uid, ended.uid)

  // A token that is not of the v1 shape is not sent at all.
  const odd = client(t, { url: s.url, token: 'not-a-token' })
  t.equal((await odd.connect()).resumed, false)
})

t.test('HTTP: BUSY (409) is retried, RATE_LIMITED (429) surfaced with retryAfterMs', async (t) => {
  const s = await startServer(t, { LLM_LATENCY_MS: '300', USER_RATE_PER_MIN: '2' })
  const a = client(t, { url: s.url })
  const session = await a.connect()
  const timers = new FakeTimers()
  const b = client(t, { url: s.url, token: session.token, timers, random: () => 0, busyRetryMs: 100 })
  await b.connect()
  const retries: string[] = []
  b.on('retry', (e) => retries.push(`${e.code}:${e.delayMs}`))
  const slow = a.send('slow one')
  await new Promise((r) => setTimeout(r, 100))
  const busy = b.send('refused while the other is answered')
  await until(() => retries.length === 1)
  t.same(retries, ['BUSY:100'])
  await slow.result
  timers.fire()
  t.equal((await busy.result).state, 'CHATTING')

  const limited = b.send('over the limit')
  await until(() => timers.pending === 1)
  for (let i = 0; i < 3; i++) {
    await until(() => timers.pending === 1)
    timers.fire()
  }
  const err = (await limited.result.catch((e: unknown) => e)) as ChatClientError
  t.equal(err.code, 'RATE_LIMITED')
  t.equal(err.statusCode, 429)
  t.ok(err.retryAfterMs! > 0)
})

t.test('HTTP: the server dropping a reply stream fails that reply; the next one works', async (t) => {
  const s = await startServer(t, { LLM_TOKENS_PER_S: '20', LLM_REPLY_TOKENS: '40' })
  const c = client(t, { url: s.url })
  await c.connect()
  const reply = c.send('a long answer please')
  const first = reply[Symbol.asyncIterator]()
  await first.next()
  s.app.server.closeAllConnections()
  await t.rejects(reply.result, { code: 'CONNECTION_LOST' })
  const next = await c.send('again').result
  t.ok(next.text.length > 0)
})

t.test('HTTP: an unreachable server is retried with backoff, then RECONNECT_FAILED', async (t) => {
  const s = await startServer(t)
  await s.stop()
  const timers = new FakeTimers()
  const c = client(t, { url: s.url, timers, maxReconnects: 1, random: () => 1 })
  const connecting = c.connect()
  await until(() => timers.pending === 1)
  t.same(timers.waits, [250], 'random 1: the whole first window')
  timers.fire()
  await t.rejects(connecting, { code: 'RECONNECT_FAILED' })
})

t.test('HTTP: answers that are not the server’s (a proxy, a cut stream, junk)', async (t) => {
  const proxy = client(t, {
    url: 'http://127.0.0.1:9',
    maxReconnects: 0,
    fetch: fetchOf(() => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
  })
  const err = (await proxy.connect().catch((e: unknown) => e)) as ChatClientError
  t.equal(err.code, 'HTTP_502')
  t.equal(err.message, 'HTTP 502 Bad Gateway')
  t.equal(err.statusCode, 502)

  const garbled = client(t, {
    url: 'http://127.0.0.1:9',
    token: 'v1.u1.9999999999.mac',
    fetch: fetchOf(() => new Response('{"state":', { status: 200 }))
  })
  await t.rejects(garbled.connect(), { code: 'BAD_FRAME', message: /session answer is not valid/ })

  const session = () =>
    Response.json({ uid: 'u1', token: 'v1.u1.9999999999.mac', state: 'HELLO' }, { status: 201 })
  let answer = session
  const fake = client(t, { url: 'http://127.0.0.1:9', fetch: fetchOf(() => answer()) })
  const errors: string[] = []
  fake.on('error', (e) => errors.push(e.code))
  await fake.connect()
  const sse = (body: string) => () =>
    new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } })
  answer = sse('event: delta\ndata: {"v":1,"type":"delta","id":"m1","text":"par')
  await t.rejects(fake.send('cut').result, { code: 'CONNECTION_LOST', message: /ended before the reply/ })
  answer = sse(
    'event: delta\ndata: not json\n\nevent: reply\ndata: {"v":1,"type":"reply","id":"m2","text":"ok","state":"CHATTING","echo":true}\n\n'
  )
  const echoed = await fake.send('junk then a reply').result
  t.same(echoed, { id: 'm2', text: 'ok', state: 'CHATTING', echo: true })
  t.same(errors, ['BAD_FRAME'])
  answer = () => new Response(null, { status: 200 })
  await t.rejects(fake.send('no body').result, { code: 'HTTP_200' })
  answer = () => Response.json({ code: 'OVERLOADED', message: 'shed', retryAfterMs: 5 }, { status: 503 })
  await t.rejects(
    client(t, { url: 'http://x', fetch: fetchOf(answer), maxReconnects: 0 }).connect(),
    { code: 'RECONNECT_FAILED' },
    'a 503 when opening is retried as transient'
  )
})

t.test('HTTP: close() aborts the request in flight', async (t) => {
  const s = await startServer(t, { LLM_LATENCY_MS: '500' })
  const c = new ChatClient({ transport: 'http', url: s.url })
  await c.connect()
  const reply = c.send('never answered')
  await new Promise((r) => setTimeout(r, 50))
  c.close()
  await t.rejects(reply.result, { code: 'CLIENT_CLOSED' })
  const d = new ChatClient({ transport: 'http', url: s.url })
  const opening = d.connect()
  d.close()
  await t.rejects(opening, { code: 'CLIENT_CLOSED' })
})
