import { Writable } from 'node:stream'
import { hashContext } from '@chatbot-pro/log-sampler'
import t from 'tap'
import { client, startApp } from './fixtures/harness.ts'

t.test('a sampled-out turn logs the hash of the context window at prompt time, not the prompt', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l))
      cb()
    }
  })
  const h = await startApp(t, { LOG_SAMPLE_RATE: '0' }, { logger: { level: 'info', stream } })
  const c = client(t, h.wsUrl)
  await c.hello()
  const window: Array<{ role: string; content: string }> = []
  const expected: string[] = []
  for (const [i, text] of [
    'where is my order #77?',
    'it shipped on Monday',
    'thanks, bye for now'
  ].entries()) {
    window.push({ role: 'user', content: text })
    expected.push(hashContext(window).hash)
    c.send({ v: 1, type: 'text', id: `m${i}`, text })
    const reply = await c.next('reply')
    window.push({ role: 'assistant', content: reply.text })
  }
  const turns = lines.filter((l) => typeof l.ctxHash === 'string')
  t.same(
    turns.map((l) => l.ctxHash),
    expected,
    'one line per turn, hashed from the window'
  )
  const text = lines.map((l) => JSON.stringify(l)).join('\n')
  t.notMatch(text, /where is my order/, 'no prompt text in the log')
})
