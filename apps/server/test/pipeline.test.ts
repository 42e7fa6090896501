import t from 'tap'
import { TokenSigner } from '../src/auth.ts'
import { fakeOpenAi } from './fixtures/fake-openai.ts'
import { client, SECRET, startApp } from './fixtures/harness.ts'

t.test(
  'an OpenAI-compatible LLM: streamed deltas, errors as error frames, prompt with the guard',
  async (t) => {
    const llm = await fakeOpenAi([
      { kind: 'stream', chunks: ['Your parcel ', 'left the depot ', 'this morning.'] }
    ])
    t.teardown(() => llm.close())
    const h = await startApp(t, { LLM_BASE_URL: llm.url, LLM_MODEL: 'test-model', LLM_RETRIES: '0' })
    const c = client(t, h.wsUrl)
    await c.hello()
    c.send({ v: 1, type: 'text', id: '1', text: 'where is my parcel right now?' })
    const reply = await c.next('reply')
    t.equal(reply.text, 'Your parcel left the depot this morning.')
    const sent = llm.requests[0]!.body
    t.equal(sent.model, 'test-model')
    t.equal(sent.stream, true)
    t.equal(sent.messages.at(-1).content, 'where is my parcel right now?', 'the user turn last')
    t.match(
      sent.messages[0],
      { role: 'system', content: /where is my parcel right now/ },
      'DO_NOT_REPEAT guard quotes it'
    )

    llm.script = [{ kind: 'status', status: 500 }]
    c.send({ v: 1, type: 'text', id: '2', text: 'and now?' })
    t.match(await c.next('error'), { id: '2', code: 'LLM_UPSTREAM', message: /language model failed/ })

    llm.script = [{ kind: 'cut', chunks: ['Half a '] }]
    c.send({ v: 1, type: 'text', id: '3', text: 'and later?' })
    t.match(await c.next('error'), { id: '3', code: 'LLM_STREAM_CUT' })
    t.ok(
      c.frames.some((f) => f.type === 'delta' && f.id === '3'),
      'the text before the cut was streamed'
    )

    // Over SSE: a failure before the first token is a plain 502; after it, an error event.
    const s = (await h.app.inject({ method: 'POST', url: '/v1/sessions' })).json()
    const post = (text: string) =>
      fetch(`${h.url}/v1/sessions/${s.uid}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text })
      })
    llm.script = [{ kind: 'status', status: 503 }]
    const refused = await post('hello')
    t.equal(refused.status, 502)
    t.match(await refused.json(), { code: 'LLM_UPSTREAM' })
    llm.script = [{ kind: 'cut', chunks: ['Partial '] }]
    const cut = await post('hello again')
    t.equal(cut.status, 200)
    t.match(await cut.text(), /event: delta[\s\S]*event: error\ndata: .*LLM_STREAM_CUT/)
  }
)

t.test('an echoing LLM is cut off on the stream', async (t) => {
  const user = 'I think the new phone with the big screen is great'
  const llm = await fakeOpenAi([
    {
      kind: 'stream',
      chunks: [
        'Sure! ',
        'You said ',
        'I think the new phone ',
        'with the big screen ',
        'is great ',
        'and more.'
      ]
    }
  ])
  t.teardown(() => llm.close())
  const h = await startApp(t, { LLM_BASE_URL: llm.url, DEDUP_MODE: 'cut' })
  const c = client(t, h.wsUrl)
  await c.hello()
  c.send({ v: 1, type: 'text', id: '1', text: user })
  const reply = await c.next('reply')
  t.equal(reply.echo, true)
  t.notOk(reply.text.includes('with the big screen is great'), `echo cut: ${JSON.stringify(reply.text)}`)
  const m = await h.app.inject('/metrics')
  t.match(m.body, /chatbot_echo_found_total 1/)
})

t.test('client disconnects cancel the turn (WebSocket and SSE)', async (t) => {
  const llm = await fakeOpenAi([{ kind: 'hang' }])
  t.teardown(() => llm.close())
  const h = await startApp(t, { LLM_BASE_URL: llm.url })
  const c = client(t, h.wsUrl)
  await c.hello()
  c.send({ v: 1, type: 'text', id: '1', text: 'are you there' })
  while (h.app.queues.turns.inFlight === 0) await new Promise((r) => setTimeout(r, 10))
  c.terminate()
  while (h.app.queues.turns.inFlight > 0) await new Promise((r) => setTimeout(r, 10))
  t.pass('the LLM call was cancelled when the socket closed')

  llm.script = [{ kind: 'stream', chunks: ['one ', 'two ', 'three ', 'four'], delayMs: 300 }]
  const s = (await h.app.inject({ method: 'POST', url: '/v1/sessions' })).json()
  const ac = new AbortController()
  const res = await fetch(`${h.url}/v1/sessions/${s.uid}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'stream to me' }),
    signal: ac.signal
  })
  const reader = res.body!.getReader()
  await reader.read()
  ac.abort()
  while (h.app.queues.turns.inFlight > 0) await new Promise((r) => setTimeout(r, 10))
  t.pass('the SSE turn was cancelled when the client went away')
  t.match((await h.app.inject('/metrics')).body, /chatbot_turns_total\{outcome="cancelled"\} 2/)
})

t.test('a snapshot that cannot be restored starts a new conversation', async (t) => {
  const h = await startApp(t)
  const signer = new TokenSigner(SECRET, 60)
  h.app.sessionCache.set('broken-user', { v: 99, state: 'NOWHERE' })
  const c = client(t, h.wsUrl)
  const s = await c.hello(signer.sign('broken-user'))
  t.match(s, { type: 'session', uid: 'broken-user', resumed: false, state: 'HELLO' })
})

t.test('sampled turns are counted; shutdown refuses new sessions and turns', async (t) => {
  const h = await startApp(t, { LOG_SAMPLE_RATE: '1' })
  const c = client(t, h.wsUrl)
  await c.hello()
  c.send({ v: 1, type: 'text', id: '1', text: 'log me in full' })
  await c.next('reply')
  t.ok(h.app.chat.sampledBytes > 0)

  h.app.chat.close()
  c.send({ v: 1, type: 'text', id: '2', text: 'too late' })
  t.match(await c.next('error'), { code: 'SHUTTING_DOWN', id: '2' })
  const late = client(t, h.wsUrl)
  await late.opened()
  late.send({ v: 1, type: 'hello' })
  t.match(await late.next('error'), { code: 'SHUTTING_DOWN' })
  t.match(await late.waitClose(), { code: 1001 })
  const res = await h.app.inject({ method: 'POST', url: '/v1/sessions' })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { code: 'SHUTTING_DOWN' })
})
