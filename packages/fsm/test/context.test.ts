import t from 'tap'
import { approximateTokens, type ContextLimits, ConversationContext } from '../src/index.ts'

const limits = (
  maxTurns = 5,
  maxTokens = Number.POSITIVE_INFINITY,
  countTokens = approximateTokens
): ContextLimits => ({
  maxTurns,
  maxTokens,
  countTokens
})

t.test('approximateTokens: ~4 chars per token for Latin, 1 per CJK character', async (t) => {
  t.equal(approximateTokens(''), 0)
  t.equal(approximateTokens('abcd'), 1)
  t.equal(approximateTokens('abcde'), 2)
  t.equal(approximateTokens('你好世界'), 4)
  t.equal(approximateTokens('こんにちはカタカナ'), 9)
  t.equal(approximateTokens('안녕'), 2)
  t.equal(approximateTokens('豈ＡＢ'), 3, 'compatibility ideographs and fullwidth forms')
  t.equal(approximateTokens('hi 你好'), 3)
})

t.test('an empty context holds no turns; turns and messages in order', async (t) => {
  const c = new ConversationContext(limits(), 'be nice')
  t.equal(c.size, 0)
  t.same(c.turns(), [])
  t.same(c.messages(), [{ role: 'system', content: 'be nice' }])
  t.equal(c.tokens, 2)
  c.addAssistant('hello!')
  c.addUser('hi')
  c.addAssistant('how can I help?')
  t.same(
    c.turns().map((x) => [x.role, x.content]),
    [
      ['assistant', 'hello!'],
      ['user', 'hi'],
      ['assistant', 'how can I help?']
    ]
  )
  t.same(c.messages()[1], { role: 'assistant', content: 'hello!' })
  t.equal(c.tokens, 2 + 2 + 1 + 4)
  c.clear()
  t.equal(c.size, 0)
  t.equal(c.system, 'be nice')
  const bare = new ConversationContext(limits())
  bare.addUser('x')
  t.same(bare.messages(), [{ role: 'user', content: 'x' }])
  t.equal(bare.tokens, 1)
})

t.test('maxTurns keeps whole rounds, oldest first; the ring grows for assistant-heavy rounds', async (t) => {
  const c = new ConversationContext(limits(2))
  for (let i = 1; i <= 5; i++) {
    c.addUser(`u${i}`)
    c.addAssistant(`a${i}`)
    if (i === 3) c.addAssistant('a3b')
  }
  t.same(
    c.turns().map((x) => x.content),
    ['u4', 'a4', 'u5', 'a5']
  )
  const d = new ConversationContext(limits(2))
  d.addUser('u1')
  for (let i = 0; i < 9; i++) d.addAssistant(`a${i}`)
  t.equal(d.size, 10, 'one round can hold many replies')
  d.addUser('u2')
  d.addUser('u3')
  t.same(
    d.turns().map((x) => x.content),
    ['u2', 'u3'],
    'round 1 and all its replies went together'
  )
  const e = new ConversationContext(limits(1))
  e.addAssistant('greeting')
  e.addUser('u1')
  e.addUser('u2')
  t.same(
    e.turns().map((x) => x.content),
    ['u2'],
    'a leading greeting goes with the first round'
  )
})

t.test('maxTokens trims oldest turns, never the system prompt, keeps the newest turn', async (t) => {
  const count = (s: string) => s.length
  const c = new ConversationContext(limits(100, 10, count), 'sys')
  c.addUser('aaaa')
  c.addAssistant('bbb')
  t.equal(c.tokens, 10)
  c.addUser('c')
  t.same(
    c.turns().map((x) => x.content),
    ['bbb', 'c']
  )
  t.equal(c.tokens, 7)
  c.addUser('x'.repeat(50))
  t.same(c.turns().length, 1, 'an oversized newest turn stays alone')
  t.equal(c.system, 'sys')
  const noSys = new ConversationContext(limits(100, 3, count))
  noSys.addUser('ab')
  noSys.addUser('cd')
  t.same(
    noSys.turns().map((x) => x.content),
    ['cd']
  )
})

t.test('toJSON / fromJSON round trip, with validation', async (t) => {
  const c = new ConversationContext(limits(3), 'sys')
  c.addUser('hi')
  c.addAssistant('hello')
  const json = JSON.parse(JSON.stringify(c))
  t.same(json, {
    system: 'sys',
    turns: [
      ['user', 'hi'],
      ['assistant', 'hello']
    ]
  })
  const back = ConversationContext.fromJSON(json, limits(3))
  t.same(back.toJSON(), json)
  t.equal(back.tokens, c.tokens)
  t.same(ConversationContext.fromJSON({ system: null, turns: [] }, limits()).toJSON(), {
    system: null,
    turns: []
  })
  t.throws(() => ConversationContext.fromJSON(null, limits()), TypeError)
  t.throws(() => ConversationContext.fromJSON({ system: 1, turns: [] }, limits()), /system/)
  t.throws(
    () => ConversationContext.fromJSON({ system: null, turns: {} }, limits()),
    /turns must be an array/
  )
  t.throws(() => ConversationContext.fromJSON({ system: null, turns: [['bot', 'x']] }, limits()), /pairs/)
  t.throws(() => ConversationContext.fromJSON({ system: null, turns: [['user', 1]] }, limits()), /pairs/)
  t.throws(() => ConversationContext.fromJSON({ system: null, turns: ['x'] }, limits()), /pairs/)
})

t.test('at(): the kept turns by index without a copy; messages() shares the kept turns', async (t) => {
  const c = new ConversationContext(limits(1), 'sys')
  t.equal(c.at(0), undefined, 'empty')
  c.addUser('u1')
  c.addAssistant('a1')
  const first = c.at(0)
  t.equal(first?.content, 'u1')
  t.equal(c.at(1)?.role, 'assistant')
  t.equal(c.at(2), undefined)
  t.equal(c.at(-1), undefined)
  t.equal(c.at(Number.NaN), undefined)
  const m = c.messages()
  t.equal(m[1], first, 'the kept turn itself, not a copy')
  t.equal(
    JSON.stringify(m),
    '[{"role":"system","content":"sys"},{"role":"user","content":"u1"},{"role":"assistant","content":"a1"}]'
  )
  t.same(Object.keys(m[1]!), ['role', 'content'], 'tokens is not an own property')
  t.same({ ...m[1] }, { role: 'user', content: 'u1' })
  t.equal(first?.tokens, 1)
  t.equal(c.messages()[0], m[0], 'one system message object per prompt text')
  t.ok(Object.isFrozen(m[0]), 'shared, so frozen')
  c.addUser('u2')
  t.equal(c.at(0)?.content, 'u2', 'trimmed: the ring moved on')
  t.not(c.at(0), first)
  c.system = 'other'
  t.equal(c.messages()[0]?.content, 'other')
  t.equal(c.tokens, 2 + 1, "the new prompt's count, not the cached one")
  c.system = null
  t.same(c.messages(), [{ role: 'user', content: 'u2' }])
})
