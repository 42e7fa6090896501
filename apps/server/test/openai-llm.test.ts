import t from 'tap'
import { OpenAiLlm } from '../src/llm/openai.ts'
import { fakeOpenAi } from './fixtures/fake-openai.ts'

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = []
  for await (const d of it) out.push(d)
  return out
}

const messages = [{ role: 'user' as const, content: 'hello' }]

t.test('streams chunks, sends model, key and stream:true', async (t) => {
  const server = await fakeOpenAi([{ kind: 'stream', chunks: ['Hel', 'lo ', 'there'], delayMs: 5 }])
  t.teardown(() => server.close())
  const llm = new OpenAiLlm({
    baseUrl: `${server.url}/`,
    apiKey: 'sk-test',
    model: 'm1',
    timeoutMs: 5000,
    retries: 0
  })
  const out = await collect(llm.stream(messages, new AbortController().signal))
  t.equal(out.join(''), 'Hello there')
  t.ok(out.length >= 2, 'arrives as several deltas')
  const req = server.requests[0]
  t.equal(req?.headers.authorization, 'Bearer sk-test')
  t.same(req?.body, { model: 'm1', messages, stream: true })
})

t.test('a 429 then a 500 are retried before the first token', async (t) => {
  const server = await fakeOpenAi([
    { kind: 'status', status: 429, retryAfter: '0' },
    { kind: 'status', status: 500 },
    { kind: 'stream', chunks: ['ok'] }
  ])
  t.teardown(() => server.close())
  const llm = new OpenAiLlm({ baseUrl: server.url, model: 'm', timeoutMs: 5000, retries: 2, backoffMs: 1 })
  t.same(await collect(llm.stream(messages, new AbortController().signal)), ['ok'])
  t.equal(server.requests.length, 3)
  server.script = [
    { kind: 'status', status: 502 },
    { kind: 'stream', chunks: ['default backoff'] }
  ]
  const dflt = new OpenAiLlm({ baseUrl: server.url, model: 'm', timeoutMs: 5000, retries: 1 })
  t.same(await collect(dflt.stream(messages, new AbortController().signal)), ['default backoff'])
  t.notOk(server.requests[0]?.headers.authorization, 'no key, no header')
})

t.test('errors map to codes once retries are spent', async (t) => {
  const server = await fakeOpenAi([{ kind: 'status', status: 429, retryAfter: '0' }])
  t.teardown(() => server.close())
  const llm = new OpenAiLlm({ baseUrl: server.url, model: 'm', timeoutMs: 5000, retries: 1, backoffMs: 1 })
  await t.rejects(collect(llm.stream(messages, new AbortController().signal)), {
    code: 'LLM_RATE_LIMITED',
    status: 429,
    retryAfterMs: 0
  })
  t.equal(server.requests.length, 2)

  server.script = [{ kind: 'status', status: 503 }]
  await t.rejects(collect(llm.stream(messages, new AbortController().signal)), {
    code: 'LLM_UPSTREAM',
    status: 503
  })

  server.script = [{ kind: 'status', status: 400 }]
  await t.rejects(collect(llm.stream(messages, new AbortController().signal)), {
    code: 'LLM_BAD_RESPONSE',
    status: 400
  })
  t.equal(server.requests.length, 5, 'a 400 is not retried')

  server.script = [{ kind: 'status', status: 429, retryAfter: new Date(Date.now() + 1000).toUTCString() }]
  const noRetry = new OpenAiLlm({ baseUrl: server.url, model: 'm', timeoutMs: 5000, retries: 0 })
  const err = await collect(noRetry.stream(messages, new AbortController().signal)).catch((e) => e)
  t.ok(err.retryAfterMs >= 0 && err.retryAfterMs <= 1000, 'HTTP-date Retry-After')

  server.script = [{ kind: 'status', status: 429, retryAfter: 'soon' }]
  const err2 = await collect(noRetry.stream(messages, new AbortController().signal)).catch((e) => e)
  t.equal(err2.retryAfterMs, undefined, 'unparseable Retry-After')

  server.script = [{ kind: 'garbage' }]
  await t.rejects(collect(llm.stream(messages, new AbortController().signal)), { code: 'LLM_BAD_RESPONSE' })

  server.script = [{ kind: 'stream', chunks: ['half'], finish: false }]
  await t.rejects(collect(llm.stream(messages, new AbortController().signal)), { code: 'LLM_STREAM_CUT' })
})

t.test('a connection cut mid-stream is LLM_STREAM_CUT, after the text already sent', async (t) => {
  const server = await fakeOpenAi([{ kind: 'cut', chunks: ['partial'] }])
  t.teardown(() => server.close())
  const llm = new OpenAiLlm({ baseUrl: server.url, model: 'm', timeoutMs: 5000, retries: 2, backoffMs: 1 })
  const got: string[] = []
  const err = await (async () => {
    for await (const d of llm.stream(messages, new AbortController().signal)) got.push(d)
  })().catch((e) => e)
  t.same(got, ['partial'])
  t.equal(err.code, 'LLM_STREAM_CUT')
  t.equal(server.requests.length, 1, 'no retry after the first token')
})

t.test('unreachable server, timeout and cancellation', async (t) => {
  const dead = new OpenAiLlm({
    baseUrl: 'http://127.0.0.1:9/v1',
    model: 'm',
    timeoutMs: 5000,
    retries: 1,
    backoffMs: 1
  })
  await t.rejects(collect(dead.stream(messages, new AbortController().signal)), { code: 'LLM_UNREACHABLE' })

  const server = await fakeOpenAi([{ kind: 'hang' }])
  t.teardown(() => server.close())
  const slow = new OpenAiLlm({ baseUrl: server.url, model: 'm', timeoutMs: 100, retries: 0 })
  await t.rejects(collect(slow.stream(messages, new AbortController().signal)), { code: 'LLM_TIMEOUT' })

  const patient = new OpenAiLlm({ baseUrl: server.url, model: 'm', timeoutMs: 5000, retries: 0 })
  const ac = new AbortController()
  setTimeout(() => ac.abort(new Error('user left')), 50)
  await t.rejects(collect(patient.stream(messages, ac.signal)), /user left/)

  server.script = [{ kind: 'status', status: 500 }]
  const backoff = new OpenAiLlm({
    baseUrl: server.url,
    model: 'm',
    timeoutMs: 5000,
    retries: 3,
    backoffMs: 2000
  })
  const ac2 = new AbortController()
  setTimeout(() => ac2.abort(new Error('superseded')), 50)
  await t.rejects(collect(backoff.stream(messages, ac2.signal)), /superseded/, 'cancelled during backoff')

  const refused = new OpenAiLlm({ baseUrl: 'http://127.0.0.1:9/v1', model: 'm', timeoutMs: 5000, retries: 0 })
  const ac3 = new AbortController()
  ac3.abort(new Error('gone'))
  await t.rejects(collect(refused.stream(messages, ac3.signal)), /gone/)
})
