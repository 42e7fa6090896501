import t from 'tap'
import { client, startApp } from './fixtures/harness.ts'

t.test('hello, a turn streamed as deltas, the reply and the state change', async (t) => {
  const h = await startApp(t)
  const c = client(t, h.wsUrl)
  const session = await c.hello()
  t.match(session, { v: 1, type: 'session', state: 'HELLO', resumed: false, context: [] })
  t.match(session.uid, /^[0-9a-f-]{36}$/)
  t.match(session.token, /^v1\./)

  c.send({ v: 1, type: 'text', id: 'm1', text: 'my order has not arrived yet, can you check it' })
  const state = await c.next('state')
  t.match(state, { type: 'state', state: 'CHATTING', from: 'HELLO', reason: 'text' })
  const reply = await c.next('reply')
  const deltas = c.frames.filter((f) => f.type === 'delta')
  t.ok(deltas.length >= 1, 'streamed')
  t.ok(deltas.every((d) => d.id === 'm1'))
  t.equal(deltas.map((d) => d.text).join(''), reply.text, 'deltas add up to the reply')
  t.match(reply, { v: 1, type: 'reply', id: 'm1', state: 'CHATTING' })
  t.notOk(reply.text.includes('my order has not arrived'), 'no echo')

  const conv = h.app.conversations.get(session.uid)!
  t.same(
    conv.context.turns().map((x) => x.role),
    ['user', 'assistant'],
    'both turns in the context'
  )
  t.equal(h.app.sessionCache.has(session.uid), true, 'session in the cache')
})

t.test('a text while a turn runs is refused with BUSY; bye cancels and ends', async (t) => {
  const h = await startApp(t, { LLM_LATENCY_MS: '300' })
  const c = client(t, h.wsUrl)
  await c.hello()
  c.send({ v: 1, type: 'text', id: 'a', text: 'first message' })
  c.send({ v: 1, type: 'text', id: 'b', text: 'second message' })
  const busy = await c.next('error')
  t.match(busy, { code: 'BUSY', id: 'b' })
  c.send({ v: 1, type: 'bye' })
  const end = await c.next('state')
  t.match(end, { state: 'END', from: 'CHATTING', reason: 'bye' })
  t.match(await c.waitClose(), { code: 1000 })
  t.notOk(
    c.frames.some((f) => f.type === 'reply' || f.type === 'delta'),
    'the cancelled turn sent nothing'
  )
  t.equal(h.app.conversations.get(end.uid ?? ''), undefined)
})

t.test('protocol errors get error frames with stable codes', async (t) => {
  const h = await startApp(t, { MAX_MESSAGE_CHARS: '20' })
  const c = client(t, h.wsUrl)
  await c.opened()
  c.send({ v: 1, type: 'text', id: 'x', text: 'hi' })
  t.match(await c.next('error'), { code: 'BAD_MESSAGE', id: 'x', message: /hello frame first/ })
  c.send('{not json')
  t.match(await c.next('error'), { code: 'BAD_MESSAGE', message: /not valid JSON/ })
  c.send('5')
  t.match(await c.next('error'), { code: 'BAD_MESSAGE', message: /JSON object/ })
  c.send('[1]')
  t.match(await c.next('error'), { code: 'BAD_MESSAGE', message: /JSON object/ })
  c.send({ type: 'hello' })
  t.match(await c.next('error'), { code: 'BAD_MESSAGE', message: /"v": 1/ })
  c.send({ v: 1, type: 'dance' })
  t.match(await c.next('error'), { code: 'BAD_MESSAGE', message: /Unknown frame type "dance"/ })
  c.send({ v: 1, type: 'hello', resume: 42 })
  t.match(await c.next('error'), { code: 'BAD_MESSAGE', message: /resume/ })
  c.ws.send(Buffer.from([1, 2, 3]), { binary: true })
  t.match(await c.next('error'), { code: 'BAD_MESSAGE', message: /Binary/ })

  await c.hello()
  c.send({ v: 1, type: 'hello' })
  t.match(await c.next('error'), { code: 'BAD_MESSAGE', message: /already has a session/ })
  c.send({ v: 1, type: 'text', text: 'no id' })
  t.match(await c.next('error'), { code: 'BAD_MESSAGE', message: /"id"/ })
  c.send({ v: 1, type: 'text', id: 'e', text: '   ' })
  t.match(await c.next('error'), { code: 'BAD_MESSAGE', id: 'e', message: /"text"/ })
  c.send({ v: 1, type: 'text', id: 'long', text: 'x'.repeat(21) })
  t.match(await c.next('error'), {
    code: 'MESSAGE_TOO_LONG',
    id: 'long',
    message: /21 characters.*20 allowed/
  })
})

t.test('a frame over the max payload closes with 1009', async (t) => {
  const h = await startApp(t, { WS_MAX_PAYLOAD_BYTES: '256' })
  const c = client(t, h.wsUrl)
  await c.hello()
  c.send({ v: 1, type: 'text', id: 'big', text: 'x'.repeat(1000) })
  t.match(await c.waitClose(), { code: 1009 })
})

t.test('resume continues the conversation; a bad token is refused', async (t) => {
  const h = await startApp(t)
  const a = client(t, h.wsUrl)
  const first = await a.hello()
  a.send({ v: 1, type: 'text', id: '1', text: 'remember the product id 4711 please' })
  await a.next('reply')
  a.terminate()
  await a.waitClose()

  const b = client(t, h.wsUrl)
  const again = await b.hello(first.token)
  t.match(again, { type: 'session', uid: first.uid, resumed: true, state: 'CHATTING' })
  t.same(
    again.context.map((x: { role: string }) => x.role),
    ['user', 'assistant']
  )
  t.equal(again.context[0].content, 'remember the product id 4711 please')

  const bad = client(t, h.wsUrl)
  await bad.opened()
  bad.send({ v: 1, type: 'hello', resume: `${first.token.slice(0, -2)}xx` })
  t.match(await bad.next('error'), { code: 'UNAUTHORIZED', message: /not valid/ })
  t.match(await bad.waitClose(), { code: 4401 })
})

t.test('too many connections per user', async (t) => {
  const h = await startApp(t, { MAX_CONNECTIONS_PER_USER: '2' })
  const a = client(t, h.wsUrl)
  const s = await a.hello()
  const b = client(t, h.wsUrl)
  t.match(await b.hello(s.token), { type: 'session', uid: s.uid })
  const c = client(t, h.wsUrl)
  t.match(await c.hello(s.token), { type: 'error', code: 'TOO_MANY_CONNECTIONS' })
  t.match(await c.waitClose(), { code: 1008 })
})

t.test('per-user rate limit', async (t) => {
  const h = await startApp(t, { USER_RATE_PER_MIN: '2' })
  const c = client(t, h.wsUrl)
  await c.hello()
  for (const id of ['1', '2']) {
    c.send({ v: 1, type: 'text', id, text: `message number ${id}` })
    await c.next('reply')
  }
  c.send({ v: 1, type: 'text', id: '3', text: 'one too many' })
  const err = await c.next('error')
  t.match(err, { code: 'RATE_LIMITED', id: '3' })
  t.ok(err.retryAfterMs > 0 && err.retryAfterMs <= 60_000)
})

t.test('PAUSE and END from timers arrive as state frames', async (t) => {
  const h = await startApp(t, { PAUSE_AFTER_MS: '300', END_AFTER_MS: '300' })
  const c = client(t, h.wsUrl)
  await c.hello()
  c.send({ v: 1, type: 'text', id: '1', text: 'hello there' })
  await c.next('reply')
  t.match(await c.next('state'), { state: 'PAUSE', from: 'CHATTING' })
  t.match(await c.next('state'), { state: 'END', from: 'PAUSE' })
  t.match(await c.waitClose(), { code: 1000 })
})

t.test('overload sheds with OVERLOADED and retryAfterMs', async (t) => {
  const h = await startApp(t, {
    LLM_LATENCY_MS: '200',
    QUEUE_CAPACITY: '1',
    QUEUE_CONCURRENCY: '1'
  })
  const clients = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const c = client(t, h.wsUrl)
      await c.hello()
      return c
    })
  )
  for (const [i, c] of clients.entries())
    c.send({ v: 1, type: 'text', id: `q${i}`, text: `question number ${i}` })
  const outcomes = await Promise.all(
    clients.map(async (c) => {
      for (;;) {
        const f = await c.next()
        if (f.type === 'reply' || f.type === 'error') return f
      }
    })
  )
  const shed = outcomes.filter((f) => f.type === 'error')
  t.ok(shed.length >= 2, `${shed.length} of 4 shed`)
  for (const f of shed) t.match(f, { code: 'OVERLOADED', retryAfterMs: Number })
  t.ok(
    outcomes.some((f) => f.type === 'reply'),
    'admitted turns complete'
  )
})

t.test('a slow reader is cut off', async (t) => {
  // Each reply is ~1.5 MB, sent as one delta and again as the reply: more than loopback buffers hold.
  const h = await startApp(t, {
    WS_MAX_BUFFERED_BYTES: '65536',
    LLM_REPLY_TOKENS: '250000',
    LLM_TOKENS_PER_S: '0',
    LLM_LATENCY_MS: '0'
  })
  const c = client(t, h.wsUrl)
  await c.hello()
  // Stop reading: the server's unsent data grows once the socket buffers are full.
  ;(c.ws as any)._socket.pause()
  const conns = h.app.chatConnections
  const deadline = Date.now() + 8000
  for (let i = 0; conns.size > 0 && Date.now() < deadline; i++) {
    c.send({ v: 1, type: 'text', id: `s${i}`, text: `message ${i}` })
    await new Promise((r) => setTimeout(r, 100))
  }
  t.equal(conns.size, 0, 'server dropped the connection')
})

t.test('hello with stream:false gets only the reply frame', async (t) => {
  const h = await startApp(t)
  const c = client(t, h.wsUrl)
  await c.opened()
  c.send({ v: 1, type: 'hello', stream: 'no' })
  t.match(await c.next('error'), { code: 'BAD_MESSAGE', message: /"stream"/ })
  c.send({ v: 1, type: 'hello', stream: false })
  t.match(await c.next('session'), { type: 'session', state: 'HELLO' })
  c.send({ v: 1, type: 'text', id: '1', text: 'just the answer please' })
  const reply = await c.next('reply')
  t.ok(reply.text.length > 0)
  t.notOk(
    c.frames.some((f) => f.type === 'delta'),
    'no delta frames'
  )
})
