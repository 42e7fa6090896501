import t from 'tap'

import { client, startApp } from './fixtures/harness.ts'

async function turn(t: { teardown(fn: () => unknown): void }, env: Record<string, string>) {
  const h = await startApp(t, {
    LLM_LATENCY_MS: '1',
    LLM_TOKENS_PER_S: '200',
    LLM_REPLY_TOKENS: '16',
    ...env
  })
  const c = client(t, h.wsUrl)
  await c.hello()
  c.send({ v: 1, type: 'text', id: 'q', text: 'how long does delivery take?' })
  const reply = await c.next('reply')
  const deltas = c.frames.filter((f) => f.type === 'delta')
  return { reply, deltas }
}

t.test('STREAM_FLUSH_MS coalesces the deltas of a reply into a few frames', async (t) => {
  const start = performance.now()
  const { reply, deltas } = await turn(t, { STREAM_FLUSH_MS: '1000' })
  const elapsed = performance.now() - start
  t.equal(deltas.map((d) => d.text).join(''), reply.text, 'the deltas add up to the reply')
  // 16 tokens at 200/s stream for ~80 ms: the first delta leaves at once, the rest wait for the
  // interval or leave with the reply.
  t.ok(deltas.length >= 1 && deltas.length <= 2 + Math.floor(elapsed / 1000), `${deltas.length} delta frames`)
})

t.test('STREAM_FLUSH_MS=0 sends a frame per LLM delta', async (t) => {
  const { reply, deltas } = await turn(t, { STREAM_FLUSH_MS: '0' })
  t.equal(deltas.map((d) => d.text).join(''), reply.text)
  t.ok(deltas.length >= 6, `${deltas.length} delta frames`)
})
