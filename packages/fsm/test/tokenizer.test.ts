import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base'
import * as o200k from 'gpt-tokenizer/encoding/o200k_base'
import t from 'tap'
import {
  approximateTokens,
  ConversationContext,
  conversationMachine,
  FSM_TOKENIZER_MISSING,
  FSM_UNKNOWN_TOKENIZER,
  loadTokenCounter,
  TimerWheel,
  TOKENIZERS,
  type TokenizerName
} from '../src/index.ts'

const texts = [
  '',
  'Hello, world!',
  'Hi, my order #1234 has not arrived yet, can you check?',
  '你好，我的订单 #1234 还没有到，可以帮我查一下吗？',
  'naïve café — emoji 😀👍🏽 and tabs\tand\nnewlines',
  'const x = await fetch(`https://example.com/api?q=" + encodeURIComponent(q)`)',
  'a'.repeat(5000)
]

t.test('counts exactly as gpt-tokenizer encodes, for both encodings', async (t) => {
  t.same(TOKENIZERS, ['o200k_base', 'cl100k_base'])
  for (const [name, mod] of [
    ['o200k_base', o200k],
    ['cl100k_base', cl100k]
  ] as const) {
    const count = await loadTokenCounter(name)
    for (const text of texts) t.equal(count(text), mod.encode(text).length, `${name}: ${text.slice(0, 20)}`)
  }
  // Known values, so a change in the library is noticed rather than followed.
  const o = await loadTokenCounter('o200k_base')
  const c = await loadTokenCounter('cl100k_base')
  t.equal(o('Hello, world!'), 4)
  t.equal(c('Hello, world!'), 4)
  t.not(
    o('你好，我的订单 #1234 还没有到，可以帮我查一下吗？'),
    c('你好，我的订单 #1234 还没有到，可以帮我查一下吗？')
  )
})

t.test('a special-token spelling in user text is counted as text, not thrown', async (t) => {
  const count = await loadTokenCounter('o200k_base')
  const text = 'ignore this <|endoftext|> and <|im_start|>'
  t.throws(() => o200k.countTokens(text), 'the library default throws on it')
  t.equal(count(text), o200k.encode(text, { disallowedSpecial: new Set() }).length)
  t.ok(count(text) > 2, 'spelled out as several ordinary tokens')
})

t.test('unknown names and a missing package fail with stable codes', async (t) => {
  await t.rejects(loadTokenCounter('p50k_base' as TokenizerName), {
    code: 'FSM_UNKNOWN_TOKENIZER',
    message: /Unknown tokenizer "p50k_base": use "o200k_base"/
  })
  const err = await loadTokenCounter(undefined as unknown as TokenizerName).catch((e: unknown) => e)
  t.ok(err instanceof FSM_UNKNOWN_TOKENIZER)
  t.ok(err instanceof RangeError)
  // A real failed import of a package that is not installed.
  const missing = await loadTokenCounter('o200k_base', {
    importer: (s) => import(`${s.replace('gpt-tokenizer', 'gpt-tokenizer-not-installed')}.js`)
  }).catch((e: unknown) => e)
  t.ok(missing instanceof FSM_TOKENIZER_MISSING)
  t.match(missing, {
    code: 'FSM_TOKENIZER_MISSING',
    message: /o200k_base tokenizer needs the optional dependency gpt-tokenizer .*npm install gpt-tokenizer/,
    cause: { message: /Cannot find package 'gpt-tokenizer-not-installed'/ }
  })
  const cjs = Object.assign(new Error('Cannot find module'), { code: 'MODULE_NOT_FOUND' })
  await t.rejects(loadTokenCounter('cl100k_base', { importer: () => Promise.reject(cjs) }), {
    code: 'FSM_TOKENIZER_MISSING'
  })
  await t.rejects(loadTokenCounter('cl100k_base', { importer: async () => ({}) }), {
    code: 'FSM_TOKENIZER_MISSING',
    message: /has no countTokens/
  })
  await t.rejects(loadTokenCounter('cl100k_base', { importer: async () => undefined }), {
    code: 'FSM_TOKENIZER_MISSING'
  })
  const esm = Object.assign(new Error('x'), { code: 'ERR_MODULE_NOT_FOUND' })
  await t.rejects(loadTokenCounter('cl100k_base', { importer: () => Promise.reject(esm) }), {
    code: 'FSM_TOKENIZER_MISSING'
  })
  const thrown = await loadTokenCounter('cl100k_base', { importer: () => Promise.reject('boom') }).catch(
    (e: unknown) => e
  )
  t.equal(thrown, 'boom', 'a non-error rejection passes through')
  const other = new SyntaxError('broken module')
  await t.rejects(loadTokenCounter('cl100k_base', { importer: () => Promise.reject(other) }), other)
})

t.test('maxTokens trims by the real count, not the estimate', async (t) => {
  const count = await loadTokenCounter('o200k_base')
  // Digits: o200k_base makes one token of up to three digits; the estimate assumes four chars each.
  const turn = '123456789012 345678901234 567890123456'
  const real = count(turn)
  const estimate = approximateTokens(turn)
  t.not(real, estimate, 'the two counters disagree on this text')
  const budget = real * 3
  const exact = new ConversationContext({ maxTurns: 100, maxTokens: budget, countTokens: count })
  const rough = new ConversationContext({ maxTurns: 100, maxTokens: budget, countTokens: approximateTokens })
  for (let i = 0; i < 6; i++) {
    exact.addUser(turn)
    rough.addUser(turn)
  }
  t.equal(exact.size, 3, 'three turns fit the budget by real count')
  t.equal(exact.tokens, 3 * real)
  t.equal(exact.at(0)?.tokens, real)
  t.not(rough.size, exact.size, 'the estimate would have kept a different window')

  const system = 'You are a helpful support agent for an online shop.'
  const m = conversationMachine({
    maxTokens: count(system) + 2 * real,
    countTokens: count,
    systemPrompt: system
  })
  const wheel = new TimerWheel()
  t.teardown(() => wheel.clear())
  const c = m.create(undefined, { wheel })
  for (let i = 0; i < 4; i++) {
    c.send({ type: 'text', text: turn })
    c.send({ type: 'reply', text: turn })
  }
  t.equal(c.context.size, 2, 'system prompt counted by the same tokenizer')
  t.equal(c.context.tokens, count(system) + 2 * real)
})
