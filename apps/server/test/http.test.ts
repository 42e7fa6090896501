import t from 'tap'
import { TokenSigner } from '../src/auth.ts'
import { SECRET, startApp } from './fixtures/harness.ts'

function parseSse(body: string): Array<{ event: string; data: any }> {
  return body
    .split('\n\n')
    .filter((b) => b.trim())
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message'
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null')
      return { event, data }
    })
}

t.test('create a session, send a message with an SSE reply, read the state', async (t) => {
  const h = await startApp(t)
  const created = await h.app.inject({ method: 'POST', url: '/v1/sessions' })
  t.equal(created.statusCode, 201)
  const { uid, token, state } = created.json()
  t.equal(state, 'HELLO')
  const auth = { authorization: `Bearer ${token}` }

  const res = await fetch(`${h.url}/v1/sessions/${uid}/messages`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'how do I reset my password', id: 'h1' })
  })
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /text\/event-stream/)
  const events = parseSse(await res.text())
  const reply = events.at(-1)!
  t.equal(reply.event, 'reply')
  t.match(reply.data, { type: 'reply', id: 'h1', state: 'CHATTING' })
  const deltas = events.filter((e) => e.event === 'delta')
  t.ok(deltas.length >= 1)
  t.equal(deltas.map((d) => d.data.text).join(''), reply.data.text)

  const read = await h.app.inject({ method: 'GET', url: `/v1/sessions/${uid}`, headers: auth })
  t.equal(read.statusCode, 200)
  t.same(read.json(), {
    uid,
    state: 'CHATTING',
    context: [
      { role: 'user', content: 'how do I reset my password' },
      { role: 'assistant', content: reply.data.text }
    ]
  })

  const noId = await h.app.inject({
    method: 'POST',
    url: `/v1/sessions/${uid}/messages`,
    headers: auth,
    payload: { text: 'again' }
  })
  t.equal(noId.statusCode, 200)
  t.match(noId.body, /event: reply/)
})

t.test('auth: missing, forged, expired and foreign tokens', async (t) => {
  const h = await startApp(t)
  const a = (await h.app.inject({ method: 'POST', url: '/v1/sessions' })).json()
  const b = (await h.app.inject({ method: 'POST', url: '/v1/sessions' })).json()
  const get = (uid: string, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'GET', url: `/v1/sessions/${uid}`, headers })

  const none = await get(a.uid)
  t.equal(none.statusCode, 401)
  t.match(none.json(), { code: 'UNAUTHORIZED', message: /Authorization: Bearer/ })
  t.equal((await get(a.uid, { authorization: `Basic ${a.token}` })).statusCode, 401)

  const forged = new TokenSigner('another-secret-that-is-long-enough-xxxxx', 60).sign(a.uid)
  const f = await get(a.uid, { authorization: `Bearer ${forged}` })
  t.equal(f.statusCode, 401)
  t.match(f.json(), { code: 'UNAUTHORIZED', message: /not valid/ })

  const expired = new TokenSigner(SECRET, 60, () => Date.now() - 3_600_000).sign(a.uid)
  const e = await get(a.uid, { authorization: `Bearer ${expired}` })
  t.equal(e.statusCode, 401)
  t.match(e.json(), { message: /expired/ })

  const foreign = await get(b.uid, { authorization: `Bearer ${a.token}` })
  t.equal(foreign.statusCode, 403)
  t.match(foreign.json(), { code: 'FORBIDDEN' })
  const post = await h.app.inject({
    method: 'POST',
    url: `/v1/sessions/${b.uid}/messages`,
    headers: { authorization: `Bearer ${a.token}` },
    payload: { text: 'let me in' }
  })
  t.equal(post.statusCode, 403, 'nobody writes a session that is not theirs')
  t.equal(h.app.conversations.get(b.uid)?.context.size, 0)
})

t.test('validation: bad input gets a 400 with a clear message', async (t) => {
  const h = await startApp(t, { MAX_MESSAGE_CHARS: '10' })
  const { uid, token } = (await h.app.inject({ method: 'POST', url: '/v1/sessions' })).json()
  const auth = { authorization: `Bearer ${token}` }
  const post = (payload: unknown) =>
    h.app.inject({
      method: 'POST',
      url: `/v1/sessions/${uid}/messages`,
      headers: auth,
      payload: payload as object
    })
  const empty = await post({ text: '' })
  t.equal(empty.statusCode, 400)
  t.match(empty.json(), { code: 'FST_ERR_VALIDATION', message: /text/ })
  t.equal((await post({ text: 'x'.repeat(11) })).statusCode, 400)
  t.equal((await post({ nope: 1 })).statusCode, 400)
  t.equal((await post({ text: 'ok', id: 'bad id!' })).statusCode, 400)
  const badUid = await h.app.inject({ method: 'GET', url: '/v1/sessions/not%20a%20uid', headers: auth })
  t.equal(badUid.statusCode, 400)
})

t.test('refusals before streaming are plain HTTP errors: busy, ended, not found, overloaded', async (t) => {
  const h = await startApp(t, { LLM_LATENCY_MS: '300', QUEUE_CAPACITY: '1', QUEUE_CONCURRENCY: '1' })
  const s = (await h.app.inject({ method: 'POST', url: '/v1/sessions' })).json()
  const auth = { authorization: `Bearer ${s.token}` }
  const first = h.app.inject({
    method: 'POST',
    url: `/v1/sessions/${s.uid}/messages`,
    headers: auth,
    payload: { text: 'one' }
  })
  await new Promise((r) => setTimeout(r, 50))
  const busy = await h.app.inject({
    method: 'POST',
    url: `/v1/sessions/${s.uid}/messages`,
    headers: auth,
    payload: { text: 'two' }
  })
  t.equal(busy.statusCode, 409)
  t.match(busy.json(), { code: 'BUSY' })
  t.equal((await first).statusCode, 200)

  // Fill the queue with other users' turns: the next one is shed with 503 + Retry-After.
  const others = await Promise.all(
    [1, 2, 3].map(async () => (await h.app.inject({ method: 'POST', url: '/v1/sessions' })).json())
  )
  const results = await Promise.all(
    others.map((o) =>
      h.app.inject({
        method: 'POST',
        url: `/v1/sessions/${o.uid}/messages`,
        headers: { authorization: `Bearer ${o.token}` },
        payload: { text: 'load' }
      })
    )
  )
  const shed = results.filter((r) => r.statusCode === 503)
  t.ok(shed.length >= 1, 'at least one shed')
  for (const r of shed) {
    t.match(r.json(), { code: 'OVERLOADED', retryAfterMs: Number })
    t.ok(Number(r.headers['retry-after']) >= 1)
  }

  h.app.chat.bye(s.uid)
  const ended = await h.app.inject({
    method: 'POST',
    url: `/v1/sessions/${s.uid}/messages`,
    headers: auth,
    payload: { text: 'hi' }
  })
  t.equal(ended.statusCode, 409)
  t.match(ended.json(), { code: 'SESSION_ENDED' })
  const gone = await h.app.inject({ method: 'GET', url: `/v1/sessions/${s.uid}`, headers: auth })
  t.equal(gone.statusCode, 404)
  t.match(gone.json(), { code: 'SESSION_NOT_FOUND' })
})

t.test('health, readiness, metrics and the web page', async (t) => {
  const h = await startApp(t)
  t.same((await h.app.inject('/healthz')).json(), { status: 'ok' })
  t.same((await h.app.inject('/readyz')).json(), { status: 'ready' })
  const s = (await h.app.inject({ method: 'POST', url: '/v1/sessions' })).json()
  await h.app.inject({
    method: 'POST',
    url: `/v1/sessions/${s.uid}/messages`,
    headers: { authorization: `Bearer ${s.token}` },
    payload: { text: 'count me' }
  })
  const m = await h.app.inject('/metrics')
  t.equal(m.statusCode, 200)
  t.match(m.headers['content-type'], /text\/plain/)
  for (const name of [
    'chatbot_turns_total{outcome="ok"} 1',
    'chatbot_turn_duration_seconds_bucket',
    'chatbot_llm_first_token_seconds_bucket',
    'chatbot_llm_duration_seconds_bucket',
    'chatbot_queue_depth 0',
    'chatbot_queue_sojourn_p99_seconds',
    'chatbot_queue_dropped_total 0',
    'chatbot_open_connections 0',
    'chatbot_conversations{state="CHATTING"} 1',
    'chatbot_cache_hits_total',
    'chatbot_cache_dirty_entries',
    'chatbot_cache_flush_lag_seconds',
    'chatbot_echo_checked_total 1',
    'chatbot_echo_found_total 0',
    'chatbot_sampled_log_bytes_total',
    'process_resident_memory_bytes'
  ]) {
    t.ok(m.body.includes(name), name)
  }
  const page = await h.app.inject('/')
  t.equal(page.statusCode, 200)
  t.match(page.body, /<title>Chatbot Pro<\/title>/)
  t.equal((await h.app.inject('/app.js')).statusCode, 200)

  await h.app.close()
  t.equal(h.app.chat.closing, true)
})
