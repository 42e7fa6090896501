import t, { type Test } from 'tap'
import WebSocket from 'ws'
import { ChatClient, type ChatClientError, type ChatClientOptions, type StatusChange } from '../src/index.ts'
import { FakeTimers, startServer, until } from './fixtures/server.ts'

function memoryStore(initial?: string) {
  const log: string[] = []
  let token: string | undefined = initial
  return {
    log,
    get: () => token,
    set: (v: string) => {
      token = v
      log.push('set')
    },
    delete: () => {
      token = undefined
      log.push('delete')
    }
  }
}

function client(t: Test, opts: Omit<ChatClientOptions, 'webSocket'> & { webSocket?: unknown }): ChatClient {
  const c = new ChatClient({ webSocket: WebSocket, ...opts } as ChatClientOptions)
  t.teardown(() => c.close())
  return c
}

async function collect(reply: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = []
  for await (const d of reply) out.push(d)
  return out
}

t.test('connect, a streamed reply, state events, the token stored', async (t) => {
  const s = await startServer(t, { LLM_TOKENS_PER_S: '200', LLM_REPLY_TOKENS: '12' })
  const store = memoryStore()
  const c = client(t, { url: s.url, tokenStore: store })
  const statuses: string[] = []
  const states: unknown[] = []
  const sessions: unknown[] = []
  c.on('status', (e) => statuses.push(e.status))
  c.on('state', (e) => states.push(e))
  c.on('session', (e) => sessions.push(e.uid))
  t.equal(c.state, null)
  t.equal(c.session, null)
  const session = await c.connect()
  t.equal(await c.connect(), session, 'connect() when open is the open session')
  t.equal(session.resumed, false)
  t.equal(session.state, 'HELLO')
  t.equal(c.state, 'HELLO')
  t.equal(c.token, session.token)
  t.equal(store.get(), session.token, 'the token is kept in the store')
  t.same(sessions, [session.uid])

  const reply = c.send('my parcel is late, where is it?')
  t.match(reply.id, /^m/)
  t.equal(reply.text, 'my parcel is late, where is it?')
  const deltas = await collect(reply)
  const result = await reply.result
  t.ok(reply.settled)
  t.ok(deltas.length > 1, `the reply streamed (${deltas.length} deltas)`)
  t.equal(deltas.join(''), result.text, 'the deltas add up to the reply')
  t.same(await collect(reply), deltas, 'a second iteration sees the same deltas')
  t.equal(result.state, 'CHATTING')
  t.equal(result.echo, false)
  t.equal(result.id, reply.id)
  t.same(states, [{ state: 'CHATTING', from: 'HELLO', reason: 'text' }])
  t.same(statuses, ['connecting', 'open'])

  // Messages sent together go one after another, in order, each answered.
  const replies = [c.send('one'), c.send('two'), c.send('three')]
  const results = await Promise.all(replies.map((r) => r.result))
  t.same(
    results.map((r) => r.id),
    replies.map((r) => r.id)
  )
  t.ok(results.every((r) => r.text.length > 0))
  t.throws(() => c.send('   '), TypeError)
  t.throws(() => c.send(42 as unknown as string), TypeError)
})

t.test('noStream: no delta frames, the reply arrives as one delta', async (t) => {
  const s = await startServer(t)
  const c = client(t, { url: `${s.url.replace('http', 'ws')}/v1/chat`, noStream: true })
  await c.connect()
  const reply = c.send('hello there')
  const deltas = await collect(reply)
  const result = await reply.result
  t.same(deltas, [result.text])
})

t.test('resume after the server drops the connection, with backoff and jitter', async (t) => {
  const s = await startServer(t, { LLM_LATENCY_MS: '400' })
  const timers = new FakeTimers()
  const c = client(t, { url: s.url, timers, random: () => 0.5, reconnectBaseMs: 100 })
  const statuses: StatusChange[] = []
  c.on('status', (e) => statuses.push(e))
  const first = await c.connect()
  const done = await c.send('first message').result
  t.equal(done.state, 'CHATTING')

  // A reply in flight when the connection drops fails; the next message waits for the resume.
  const lost = c.send('this one is lost')
  await until(() => s.app.chat.connections(first.uid) === 1 && lost.settled === false)
  await new Promise((r) => setTimeout(r, 50))
  const queued = c.send('sent after the resume')
  s.dropConnections()
  await t.rejects(lost.result, { code: 'CONNECTION_LOST' })
  t.equal(c.status, 'reconnecting')
  const resumed = new Promise((resolve) => c.on('session', resolve))
  // The first reconnect attempt is immediate; the session is then resumed with the token.
  const session = (await resumed) as typeof first
  t.equal(session.resumed, true)
  t.equal(session.uid, first.uid)
  // The server keeps the user message of the cancelled turn, without an answer.
  t.same(
    session.context.map((turn) => turn.role),
    ['user', 'assistant', 'user'],
    'the kept turns come back'
  )
  const after = await queued.result
  t.equal(after.state, 'CHATTING')
  t.same(
    statuses.map((e) => e.status),
    ['connecting', 'open', 'reconnecting', 'open']
  )
  t.equal(timers.waits.length, 0, 'a drop is retried at once, before any backoff')
})

t.test('a restart: exponential backoff while the server is down, then resume (Redis)', async (t) => {
  const { redisForTest } = await import('@chatbot-pro/test-utils')
  const redis = await redisForTest(t)
  const env = { REDIS_URL: redis.url }
  const a = await startServer(t, env)
  const timers = new FakeTimers()
  const c = client(t, { url: a.url, timers, random: () => 0, reconnectBaseMs: 100, reconnectMaxMs: 300 })
  const statuses: StatusChange[] = []
  c.on('status', (e) => statuses.push(e))
  const first = await c.connect()
  await c.send('my order 1234 has not arrived').result
  const states: string[] = []
  c.on('state', (e) => states.push(e.reason))
  await a.stop()
  t.same(states, ['shutdown'], 'the server said it was shutting down')
  // Attempts while the server is down wait 50, 100, 150, 150 ms (equal jitter, random 0, capped).
  for (let i = 0; i < 4; i++) {
    await until(() => timers.pending === 1, 5000, `backoff ${i}`)
    timers.fire()
  }
  await until(() => timers.pending === 1)
  t.same(timers.waits, [50, 100, 150, 150, 150])
  const reconnecting = statuses.filter((e) => e.status === 'reconnecting')
  t.same(
    reconnecting.map((e) => e.attempt),
    [0, 1, 2, 3, 4, 5]
  )
  t.match(reconnecting[1]!.error!.code, /^(CONNECTION_LOST|SHUTTING_DOWN)$/)
  await startServer(t, env, a.port)
  const resumed = new Promise<typeof first>((resolve) => c.on('session', resolve))
  timers.fire()
  const session = await resumed
  t.equal(session.uid, first.uid)
  t.equal(session.resumed, true, 'the conversation survived the restart')
  t.equal(session.context.length, 2)
  t.equal((await c.send('any news?').result).state, 'CHATTING')
})

t.test('an unreachable server: RECONNECT_FAILED after maxReconnects', async (t) => {
  const s = await startServer(t)
  await s.stop()
  const timers = new FakeTimers()
  const c = client(t, { url: s.url, timers, maxReconnects: 2 })
  const errors: ChatClientError[] = []
  c.on('error', (e) => errors.push(e))
  const connecting = c.connect()
  const pending = c.send('queued while connecting')
  t.equal(c.connect(), connecting, 'one connection attempt at a time')
  for (let i = 0; i < 2; i++) {
    await until(() => timers.pending === 1)
    timers.fire()
  }
  await t.rejects(connecting, { code: 'RECONNECT_FAILED', message: /after 3 attempts/ })
  await t.rejects(pending.result, { code: 'RECONNECT_FAILED' })
  t.equal(c.status, 'idle')
  t.same(
    errors.map((e) => e.code),
    ['RECONNECT_FAILED']
  )
  await t.rejects(c.send('not connected').result, { code: 'NOT_CONNECTED', message: /connect\(\) first/ })
  await t.rejects(c.bye(), { code: 'NOT_CONNECTED' })
})

t.test('close() during a reconnect wait stops it', async (t) => {
  const s = await startServer(t)
  await s.stop()
  const timers = new FakeTimers()
  const c = client(t, { url: s.url, timers })
  const connecting = c.connect()
  await until(() => timers.pending === 1)
  c.close()
  await t.rejects(connecting, { code: 'CLIENT_CLOSED' })
  t.equal(timers.pending, 0, 'the wait was cleared')
})

t.test('BUSY (another connection of the user is answering) is retried after busyRetryMs', async (t) => {
  const s = await startServer(t, { LLM_LATENCY_MS: '300' })
  const a = client(t, { url: s.url })
  const session = await a.connect()
  const timers = new FakeTimers()
  const b = client(t, { url: s.url, token: session.token, timers, random: () => 0, busyRetryMs: 200 })
  t.equal((await b.connect()).uid, session.uid)
  const retries: unknown[] = []
  b.on('retry', (e) => retries.push(e))
  const slow = a.send('first, slow')
  await until(() => s.app.chat.connections(session.uid) === 2)
  await new Promise((r) => setTimeout(r, 50))
  const second = b.send('second, refused then retried')
  await until(() => retries.length === 1)
  t.same(retries, [{ id: second.id, code: 'BUSY', attempt: 1, delayMs: 200 }])
  t.equal(second.settled, false, 'a refused message waits for its retry')
  await slow.result
  timers.fire()
  const result = await second.result
  t.equal(result.state, 'CHATTING')
})

t.test('OVERLOADED is retried after its retryAfterMs', async (t) => {
  const s = await startServer(t, {
    LLM_LATENCY_MS: '300',
    QUEUE_CAPACITY: '1',
    QUEUE_CONCURRENCY: '1',
    CODEL_TARGET_MS: '10000',
    CODEL_INTERVAL_MS: '700'
  })
  const timers = new FakeTimers()
  const [a, b] = [client(t, { url: s.url }), client(t, { url: s.url })]
  const c = client(t, { url: s.url, timers, random: () => 0 })
  await Promise.all([a.connect(), b.connect(), c.connect()])
  const retries: Array<{ code: string; delayMs: number }> = []
  c.on('retry', (e) => retries.push(e))
  const queue = (s.app as unknown as { queues: { turns: { inFlight: number; depth: number } } }).queues.turns
  const ra = a.send('takes the one LLM slot')
  await until(() => queue.inFlight === 1)
  const rb = b.send('waits in the one queue place')
  await until(() => queue.depth === 1)
  const rc = c.send('shed: the queue is full')
  await until(() => retries.length === 1)
  t.equal(retries[0]!.code, 'OVERLOADED')
  t.ok(retries[0]!.delayMs >= 700, `waits the server's retryAfterMs (${retries[0]!.delayMs} ms)`)
  await Promise.all([ra.result, rb.result])
  timers.fire()
  t.equal((await rc.result).state, 'CHATTING')
})

t.test('RATE_LIMITED: retried maxRetries times, then surfaced with retryAfterMs', async (t) => {
  const s = await startServer(t, { USER_RATE_PER_MIN: '1' })
  const timers = new FakeTimers()
  const c = client(t, { url: s.url, timers, maxRetries: 2 })
  const retries: number[] = []
  c.on('retry', (e) => retries.push(e.attempt))
  await c.connect()
  await c.send('the one allowed message').result
  const limited = c.send('one too many')
  for (let i = 0; i < 2; i++) {
    await until(() => timers.pending === 1)
    timers.fire()
  }
  const err = (await limited.result.catch((e: unknown) => e)) as ChatClientError
  t.equal(err.code, 'RATE_LIMITED')
  t.ok(err.retryAfterMs! > 50_000 && err.retryAfterMs! <= 60_000, `retryAfterMs ${err.retryAfterMs}`)
  t.same(retries, [1, 2])
  t.ok(
    timers.waits.every((w) => w >= err.retryAfterMs!),
    'each retry waited the retryAfterMs'
  )

  // A wait longer than maxRetryWaitMs is surfaced at once.
  const impatient = client(t, { url: s.url, token: c.token!, maxRetryWaitMs: 1000 })
  await impatient.connect()
  await t.rejects(impatient.send('again').result, { code: 'RATE_LIMITED' })
})

t.test('a token the server does not accept: a new session at once', async (t) => {
  const s = await startServer(t)
  const store = memoryStore('v1.someone.1.forged')
  const c = client(t, { url: s.url, tokenStore: store })
  const session = await c.connect()
  t.equal(session.resumed, false)
  t.not(session.uid, 'someone')
  t.same(store.log, ['delete', 'set'])
})

t.test('TOO_MANY_CONNECTIONS is surfaced, not retried', async (t) => {
  const s = await startServer(t, { MAX_CONNECTIONS_PER_USER: '1' })
  const a = client(t, { url: s.url })
  const session = await a.connect()
  const b = client(t, { url: s.url, token: session.token })
  const errors: string[] = []
  b.on('error', (e) => errors.push(e.code))
  await t.rejects(b.connect(), { code: 'TOO_MANY_CONNECTIONS' })
  t.equal(b.status, 'idle')
  t.same(errors, ['TOO_MANY_CONNECTIONS'])
})

t.test('bye ends the conversation; connect() again starts a new one for the same user', async (t) => {
  const s = await startServer(t, { LLM_LATENCY_MS: '300' })
  const c = client(t, { url: s.url })
  const first = await c.connect()
  const states: string[] = []
  c.on('state', (e) => states.push(`${e.state}:${e.reason}`))
  const cancelled = c.send('answered never')
  const queued = c.send('never sent')
  await until(() => states.length === 1)
  await c.bye()
  t.equal(c.status, 'ended')
  t.equal(c.state, 'END')
  t.same(states, ['CHATTING:text', 'END:bye'])
  await t.rejects(cancelled.result, { code: 'SESSION_ENDED' })
  await t.rejects(queued.result, { code: 'SESSION_ENDED' })
  await t.rejects(c.send('after the end').result, { code: 'NOT_CONNECTED', message: /ended/ })
  const second = await c.connect()
  t.equal(second.uid, first.uid)
  t.equal(second.resumed, false)
  t.equal(second.state, 'HELLO')
})

t.test('the server ending the conversation (timers) closes with 1000: status ended', async (t) => {
  const s = await startServer(t, { PAUSE_AFTER_MS: '50', END_AFTER_MS: '50' })
  const c = client(t, { url: s.url })
  const states: string[] = []
  c.on('state', (e) => states.push(`${e.state}:${e.reason}`))
  await c.connect()
  await c.send('hello').result
  await until(() => c.status === 'ended', 5000, 'the end')
  t.same(states, ['CHATTING:text', 'PAUSE:fsm.after', 'END:fsm.after'])
})

t.test('close(): pending messages fail, nothing more happens', async (t) => {
  const s = await startServer(t, { LLM_LATENCY_MS: '300' })
  const c = client(t, { url: s.url })
  await c.connect()
  const inFlight = c.send('in flight')
  const queued = c.send('queued')
  const bye = new Promise((r) => setTimeout(r, 20)).then(() => {
    const p = c.bye()
    c.close()
    return p
  })
  await bye
  await t.rejects(inFlight.result, { code: 'CLIENT_CLOSED' })
  await t.rejects(queued.result, { code: 'CLIENT_CLOSED' })
  t.equal(c.status, 'closed')
  c.close()
  await t.rejects(c.connect(), { code: 'CLIENT_CLOSED' })
  await t.rejects(c.send('late').result, { code: 'CLIENT_CLOSED' })
  // Closing while a connection is being opened rejects that open.
  const d = client(t, { url: s.url })
  const opening = d.connect()
  d.close()
  await t.rejects(opening, { code: 'CLIENT_CLOSED' })
})

t.test('the WebSocket constructor: injected, global, or NO_WEBSOCKET', async (t) => {
  const s = await startServer(t)
  const g = globalThis as { WebSocket?: unknown }
  const saved = g.WebSocket
  t.teardown(() => {
    g.WebSocket = saved
  })
  g.WebSocket = undefined
  t.throws(() => new ChatClient({ url: s.url }), { code: 'NO_WEBSOCKET' })
  g.WebSocket = WebSocket
  const c = new ChatClient({ url: s.url })
  t.teardown(() => c.close())
  t.equal((await c.connect()).state, 'HELLO', 'globalThis.WebSocket is used when present')
  const broken = client(t, {
    url: s.url,
    maxReconnects: 0,
    webSocket: class {
      constructor() {
        throw new Error('no sockets here')
      }
    }
  })
  await t.rejects(broken.connect(), { code: 'RECONNECT_FAILED', message: /after 1 attempts/ })
})

t.test('a message waiting for its retry survives a reconnect, and close() cancels the wait', async (t) => {
  const s = await startServer(t, { USER_RATE_PER_MIN: '1' })
  const timers = new FakeTimers()
  const c = client(t, { url: s.url, timers, random: () => 0 })
  await c.connect()
  await c.send('the one allowed message').result
  const waiting = c.send('rate limited, waits')
  await until(() => timers.pending === 1)
  // Dropped while the retry timer is pending: resumed at once; the timer then sends it.
  const resumed = new Promise((resolve) => c.on('session', resolve))
  s.dropConnections()
  await resumed
  t.equal(timers.pending, 1, 'the retry wait is still pending')
  timers.fire()
  await until(() => timers.pending === 1, 5000, 'the second refusal')
  // Now the server is down when the retry comes due: it is sent after the reconnect.
  await s.stop()
  await until(() => timers.pending === 2, 5000, 'a reconnect wait beside the retry wait')
  timers.fire()
  await until(() => timers.pending === 1, 5000, 'the next reconnect wait')
  const again = await startServer(t, { USER_RATE_PER_MIN: '1' }, s.port)
  timers.fire()
  // The restarted server (in-process store) has a fresh rate window: the message goes through.
  t.equal((await waiting.result).state, 'CHATTING')
  t.equal(again.app.chat.connections(c.session!.uid), 1)
  const last = c.send('limited again')
  await until(() => timers.pending === 1)
  c.close()
  t.equal(timers.pending, 0, 'close() cleared the retry wait')
  await t.rejects(last.result, { code: 'CLIENT_CLOSED' })
})
