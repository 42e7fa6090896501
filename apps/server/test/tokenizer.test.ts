import { encode } from 'gpt-tokenizer/encoding/o200k_base'
import t from 'tap'
import { loadConfig } from '../src/config.ts'
import { client, startApp } from './fixtures/harness.ts'

t.test(
  'TOKENIZER=o200k_base: the context fits MAX_CONTEXT_TOKENS as the real tokenizer counts',
  async (t) => {
    const h = await startApp(t, { TOKENIZER: 'o200k_base', MAX_CONTEXT_TOKENS: '60', MAX_TURNS: '10' })
    const c = client(t, h.wsUrl)
    const session = await c.hello()
    const texts = [
      'Hi, my order #1234 has not arrived yet, can you check where it is?',
      'It was supposed to come last Tuesday and the tracking page has not changed since.',
      'If it is lost, can I get a refund to my credit card instead of a replacement?'
    ]
    for (const [i, text] of texts.entries()) {
      c.send({ v: 1, type: 'text', id: `m${i}`, text })
      await c.next('reply')
    }
    const conv = h.app.conversations.get(session.uid)
    t.ok(conv, 'the conversation is live')
    const kept = conv?.context.turns() ?? []
    const tokens = kept.reduce((n, turn) => n + encode(turn.content, { allowedSpecial: 'all' }).length, 0)
    t.ok(tokens <= 60, `${tokens} o200k tokens kept`)
    t.equal(conv?.context.tokens, tokens, 'the context counts with o200k_base, not the estimate')
    t.ok(kept.length < texts.length * 2, `trimmed to ${kept.length} turns`)
  }
)

t.test('TOKENIZER accepts only the encodings it can load', async (t) => {
  t.throws(() => loadConfig({ TOKENIZER: 'p50k_base' }), /TOKENIZER/)
  t.equal(loadConfig({ TOKENIZER: 'cl100k_base' }).TOKENIZER, 'cl100k_base')
})
