import t from 'tap'
import { SimulatedLlm } from '../src/llm/simulated.ts'

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = []
  for await (const d of it) out.push(d)
  return out
}

t.test('deterministic, never the user text, in the user script', async (t) => {
  const llm = new SimulatedLlm({ latencyMs: 0, tokensPerS: 0, replyTokens: 12 })
  const user = 'my phone battery drains overnight, what should I do'
  const a = await collect(llm.stream([{ role: 'user', content: user }], new AbortController().signal))
  const b = await collect(llm.stream([{ role: 'user', content: user }], new AbortController().signal))
  t.same(a, b, 'same text, same reply')
  t.equal(a.length, 1, 'tokensPerS 0: one delta')
  t.notOk((a[0] as string).includes(user))
  t.match(a[0], /^[a-zA-Z ]+\.$/)
  const zh = await collect(
    llm.stream([{ role: 'user', content: '我也觉得这个手机很好' }], new AbortController().signal)
  )
  t.match(zh.join(''), /^[\u4e00-\u9fff]+。$/u)
  const other = await collect(
    llm.stream([{ role: 'user', content: 'something else entirely' }], new AbortController().signal)
  )
  t.not(other[0], a[0], 'another text, another reply')
})

t.test('the last user message drives the reply; latency and token rate are honoured', async (t) => {
  const llm = new SimulatedLlm({ latencyMs: 30, tokensPerS: 500, replyTokens: 10 })
  const messages = [
    { role: 'system' as const, content: 'be nice' },
    { role: 'user' as const, content: 'first question' },
    { role: 'assistant' as const, content: 'first answer' },
    { role: 'user' as const, content: 'second question' }
  ]
  const t0 = performance.now()
  const deltas = await collect(llm.stream(messages, new AbortController().signal))
  const ms = performance.now() - t0
  t.ok(deltas.length > 1, `streamed in ${deltas.length} deltas`)
  t.equal(deltas.join(''), llm.replyTokens('second question').join(''))
  t.ok(ms >= 30, 'not before the first-token latency')
})

t.test('abort stops the stream', async (t) => {
  const llm = new SimulatedLlm({ latencyMs: 1000, tokensPerS: 10, replyTokens: 10 })
  const ac = new AbortController()
  setTimeout(() => ac.abort(), 10)
  await t.rejects(collect(llm.stream([{ role: 'user', content: 'hi' }], ac.signal)), { name: 'AbortError' })
  const fast = new SimulatedLlm({ latencyMs: 0, tokensPerS: 0, replyTokens: 3 })
  const aborted = new AbortController()
  aborted.abort()
  await t.rejects(collect(fast.stream([{ role: 'user', content: 'hi' }], aborted.signal)))
  const none = await collect(fast.stream([], new AbortController().signal))
  t.equal(none.length, 1, 'no user message still answers')
})
