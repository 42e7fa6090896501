import fc from 'fast-check'
import t from 'tap'
import {
  type ChatMessage,
  DO_NOT_REPEAT,
  doNotRepeatInstruction,
  lastSentence,
  promptGuard
} from '../src/index.ts'

t.test('lastSentence', async (t) => {
  t.equal(lastSentence('Hello there. How long does the battery last?'), 'How long does the battery last?')
  t.equal(lastSentence('One! Two? "Three."  '), '"Three."')
  t.equal(lastSentence('第一句。第二句话怎么样？'), '第二句话怎么样？')
  t.equal(lastSentence('line one\nline two'), 'line two')
  t.equal(lastSentence(''), '')
  t.equal(lastSentence(7 as unknown as string), '')
  t.equal(lastSentence('abcdef', 3), 'abc…')
  t.equal(lastSentence('ab😀cd', 3), 'ab…', 'never splits a surrogate pair')
})

t.test('promptGuard appends the instruction to the system prompt, never mutating', async (t) => {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are helpful.' },
    { role: 'user', content: 'Hi. Is the Pixel 8 good?' }
  ]
  const frozen = JSON.stringify(messages)
  const out = promptGuard(messages, 'Hi. Is the Pixel 8 good?')
  t.equal(JSON.stringify(messages), frozen)
  t.not(out, messages)
  t.equal(out.length, 2)
  t.match(out[0]!.content, /^You are helpful\.\n\nDO_NOT_REPEAT: .*"Is the Pixel 8 good\?"$/s)
  t.equal(out[1], messages[1])

  const again = promptGuard(out, 'And the camera?')
  t.equal((again[0]!.content as string).split(DO_NOT_REPEAT).length - 1, 1, 'replaced, not stacked')
  t.match(again[0]!.content, /"And the camera\?"/)

  const none = promptGuard([{ role: 'user', content: 'x' }], '这个手机怎么样？')
  t.equal(none.length, 2)
  t.equal(none[0]!.role, 'system')
  t.match(none[0]!.content, /DO_NOT_REPEAT：请用自己的话回答/)

  const parts = promptGuard(
    [
      { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
      { role: 'user', content: 'q' }
    ],
    'What is up?'
  )
  t.same(parts[0]!.content, [
    { type: 'text', text: 'Be brief.' },
    { type: 'text', text: doNotRepeatInstruction('What is up?') }
  ])
  const parts2 = promptGuard(parts, 'Next one?')
  t.equal((parts2[0]!.content as unknown[]).length, 2)

  t.same(promptGuard([{ role: 'system', content: null }], 'Q?')[0]!.content, doNotRepeatInstruction('Q?'))
  t.same(promptGuard([{ role: 'system', content: '' }], 'Q?')[0]!.content, doNotRepeatInstruction('Q?'))
  t.same(promptGuard(messages, '   '), messages, 'nothing to quote: a plain copy')
  t.match(promptGuard([] as ChatMessage[], 'abcdef', { maxSentenceChars: 3 })[0]!.content, /"abc…"/)
  t.same(promptGuard(null as never, 'Q?'), [{ role: 'system', content: doNotRepeatInstruction('Q?') }])
  t.match(doNotRepeatInstruction('say "hi"'), /"say \\"hi\\""/, 'the sentence is quoted safely')
})

t.test('lastSentence = the regular-expression definition (property)', async (t) => {
  const sentenceEnd = /[.!?。！？\n]+["'”’」』)）]*\s*/g
  const reference = (text: string): string => {
    const s = text.trim()
    let start = 0
    for (const m of s.matchAll(sentenceEnd)) {
      const end = m.index + m[0].length
      if (end < s.length) start = end
    }
    return s.slice(start).trim()
  }
  const chars = [
    'a',
    'b',
    ' ',
    '.',
    '!',
    '?',
    '。',
    '！',
    '？',
    '\n',
    '"',
    "'",
    '”',
    '’',
    '」',
    '』',
    ')',
    '）',
    '\u3000',
    '\t',
    '中'
  ]
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 40 }), (a) => {
      const s = a.join('')
      return lastSentence(s, 1000) === reference(s)
    }),
    { numRuns: 3000 }
  )
  t.pass('agrees')
})
