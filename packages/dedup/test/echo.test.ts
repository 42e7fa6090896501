import t from 'tap'
import { echoScore, isEcho, stripEcho } from '../src/index.ts'

const user = 'I think the new phone has a really great camera and battery life'

t.test('echoScore: share of the user message repeated, spans into the original reply', async (t) => {
  const reply = `You said "${user}". Yes, the camera is superb.`
  const s = echoScore(reply, user)
  t.equal(s.score, 1)
  t.equal(s.containment, 1)
  t.equal(s.index, 0)
  t.same(s.matchedSpans, [{ start: 10, end: 10 + user.length }])
  t.equal(reply.slice(s.matchedSpans[0]!.start, s.matchedSpans[0]!.end), user)

  const natural = echoScore('The camera is strong, and the battery lasts about two days.', user)
  t.equal(natural.score, 0)
  t.same(natural.matchedSpans, [])

  const edited = echoScore('I THINK the new phone has a truly great camera and battery life!', user)
  t.ok(edited.score > 0.8, 'one edited word and case changes barely move the score')
  t.same(edited.matchedSpans.length, 1, 'the edited word is bridged inside one span')
})

t.test('Chinese: character n-grams', async (t) => {
  const zu = '我也觉得这个手机的拍照效果很好，电池也很耐用'
  t.ok(isEcho(`我也觉得这个手机的拍照效果很好，电池也很耐用。确实，夜景很出色。`, zu))
  t.ok(isEcho(`你说“我也觉得这个手机拍照效果很好，电池很耐用”，没错。`, zu))
  t.notOk(isEcho('夜景样张的噪点控制比不少竞品要好，中度使用一天没问题。', zu))
  t.notOk(
    isEcho('说到拍照效果，夜景样张的噪点控制比不少竞品要好。', zu),
    'reusing a few words is not an echo'
  )
})

t.test('previous: one message or the last few; the best one counts', async (t) => {
  const older = 'How long does the battery of the Pixel 8 last on a normal day?'
  const reply = `How long does the battery of the Pixel 8 last on a normal day? About a day.`
  const s = echoScore(reply, [older, 'Thanks, and what about the camera quality?'])
  t.equal(s.index, 0)
  t.equal(s.score, 1)
  t.ok(isEcho(reply, [older, 'ok']))
  t.notOk(
    isEcho(reply, [older, 'a', 'b', 'c', 'd'], { maxPrevious: 4 }),
    'only the last maxPrevious messages'
  )
  t.notOk(isEcho(reply, []))
  t.notOk(isEcho(reply, [42, null] as unknown as string[]))
  t.notOk(isEcho(reply, 42 as unknown as string))
  t.equal(echoScore(reply, ['short', older]).index, 1)
  t.equal(echoScore(reply, ['short']).index, -1)
})

t.test('short user messages (fewer than minTokens tokens) are never echoes', async (t) => {
  t.notOk(isEcho('Thank you! Happy to help.', 'Thank you'))
  t.notOk(isEcho('Is it waterproof? Yes, rated IP68.', 'Is it waterproof?'))
  t.equal(echoScore('你好！有什么可以帮你？', '你好').score, 0)
  t.ok(
    isEcho('Is it waterproof? Yes, rated IP68.', 'Is it waterproof?', { minTokens: 3 }),
    'unless minTokens is lowered'
  )
  t.notOk(isEcho('Is it waterproof? Yes, rated IP68.', 'Is it waterproof?', { minTokens: 3, n: 4 }), 'or n')
  t.ok(isEcho('Cheap flights to Rome? Try midweek.', 'cheap flights to Rome'), 'minTokens tokens: judged')
})

t.test('a short pleasantry said back is not an echo; a longer message of the same words is', async (t) => {
  t.notOk(isEcho('Nice chatting with you too!', 'Nice chatting with you.'))
  t.notOk(isEcho('好的，谢谢！不客气。', '好的，谢谢'))
  t.equal(echoScore('Thank you so much too!', 'Thank you so much').index, -1, 'not judged')
  t.ok(isEcho('You said: no, that was all for now, thank you. Bye!', 'No, that was all for now, thank you.'))
  t.ok(
    isEcho('Nice chatting about Rome with you too!', 'Nice chatting about Rome with you'),
    'content: judged'
  )
})

t.test('threshold option', async (t) => {
  const reply = 'About the new phone has: it is good.'
  const s = echoScore(reply, user).score
  t.ok(s > 0 && s < 0.4)
  t.notOk(isEcho(reply, user))
  t.ok(isEcho(reply, user, { threshold: s }))
})

t.test('work cap: maxChars on the reply and on the user message', async (t) => {
  const pad = 'lorem ipsum '.repeat(100)
  t.ok(isEcho(`${user} ${pad}`, user, { maxChars: 200 }))
  t.notOk(isEcho(`${pad}${user}`, user, { maxChars: 200 }), 'echo beyond the cap is not seen')
  t.ok(isEcho(user, `${pad}${user}`, { maxChars: user.length }), 'the last maxChars of a user message')
  const emoji = '😀'.repeat(10)
  t.doesNotThrow(() => echoScore(emoji, emoji, { maxChars: 5 }))
  t.ok(
    isEcho(`${user}`, `${'😀'.repeat(3)}${user}`, { maxChars: user.length + 1 }),
    'cut after a surrogate pair'
  )
  const long = Array.from({ length: 700 }, (_, i) => `w${i}`).join(' ')
  t.equal(echoScore(`${long} ${user}`, user).matchedSpans.length, 1, 'long replies grow the buffers')
  const big = echoScore(`Sure: ${long}`, long)
  t.equal(big.score, 1, 'long user messages grow the buffers')
  t.equal(big.coverage, 1)
  const huge = 'word '.repeat(200_000)
  t.doesNotThrow(() => isEcho(huge, huge))
})

t.test('bad input never throws', async (t) => {
  t.equal(echoScore('', user).score, 0)
  t.equal(echoScore(undefined as unknown as string, user).score, 0)
  t.equal(echoScore('\ud800\udc00\ud800', '\udfff').score, 0)
  t.same(stripEcho(null as unknown as string, user), { text: '', removed: [], score: 0 })
})

t.test('stripEcho removes the echo and tidies the seams', async (t) => {
  const cases: Array<[string, string, string]> = [
    [`You said "${user}". Yes, the camera is superb.`, user, 'You said. Yes, the camera is superb.'],
    [`${user}? Sure. The camera is superb.`, user, 'Sure. The camera is superb.'],
    [`Yes, "${user}", and the camera is superb.`, user, 'Yes, and the camera is superb.'],
    [`I also think ${user}, and the camera is superb.`, user, 'I also think and the camera is superb.'],
    [`Sure! ${user.toLowerCase()}. the camera is superb.`, user, 'Sure! The camera is superb.'],
    [`The camera is superb: ${user}`, user, 'The camera is superb'],
    [`The camera is superb - (${user})!`, user, 'The camera is superb!'],
    [
      '你说“我也觉得这个手机的拍照效果很好”，没错，夜景很出色。',
      '我也觉得这个手机的拍照效果很好',
      '你说没错，夜景很出色。'
    ],
    ['我也觉得这个手机的拍照效果很好。夜景很出色。', '我也觉得这个手机的拍照效果很好', '夜景很出色。'],
    ['好的，我也觉得这个手机的拍照效果很好。', '我也觉得这个手机的拍照效果很好', '好的。'],
    [`${user}`, user, '']
  ]
  for (const [reply, prev, expected] of cases) {
    const r = stripEcho(reply, prev)
    t.equal(r.text, expected, reply)
    t.ok(r.removed.length > 0)
    for (const x of r.removed) t.equal(reply.slice(x.start, x.end), x.text)
  }
  const natural = 'The camera is superb and the battery lasts two days.'
  t.same(stripEcho(natural, user), { text: natural, removed: [], score: 0 })
  const twice = stripEcho(`${user}. Then again: ${user}. Done.`, user)
  t.equal(twice.removed.length, 2)
  t.equal(twice.text, 'Then again. Done.')
})

t.test('arbitrary Unicode never throws and spans never split a code point (property)', async (t) => {
  const fc = (await import('fast-check')).default
  const splits = (s: string, at: number) => {
    const a = s.charCodeAt(at - 1)
    const b = s.charCodeAt(at)
    return a >= 0xd800 && a <= 0xdbff && b >= 0xdc00 && b <= 0xdfff
  }
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc
      .array(fc.constantFrom('我也觉得', 'the new phone', '👨‍👩‍👧', 'e\u0301', '\ud800', ' ', '。', 'ไทย'), {
        maxLength: 10
      })
      .map((a) => a.join(''))
  )
  fc.assert(
    fc.property(text, text, (reply, user) => {
      const s = echoScore(reply + user, user, { n: 2 })
      for (const x of s.matchedSpans)
        if (splits(reply + user, x.start) || splits(reply + user, x.end)) return false
      const r = stripEcho(reply + user, [user], { n: 2 })
      for (const x of r.removed)
        if (splits(reply + user, x.start) || splits(reply + user, x.end)) return false
      return typeof r.text === 'string'
    }),
    { numRuns: 300 }
  )
  t.pass('no throw, no split')
})

t.test('score: one near-contiguous copy counts, phrases shared here and there do not', async (t) => {
  const u = 'What is the phone number and price per night?'
  const r = 'The phone number is +1 800-224-7835. The price per night is $216.'
  const s = echoScore(r, u)
  t.ok(s.coverage >= 0.6, `most of the message is found somewhere (${s.coverage})`)
  t.ok(s.score < 0.5, `but in two pieces far apart (${s.score})`)
  t.notOk(isEcho(r, u))
  t.same(s.copy, { start: 0, end: 16 }, 'the longest copy')
  t.equal(r.slice(s.copy!.start, s.copy!.end), 'The phone number')

  const echo = `Sure. ${u.slice(0, -1)}, you asked.`
  const e = echoScore(echo, u)
  t.equal(e.score, 1)
  t.equal(echo.slice(e.copy!.start, e.copy!.end), u.slice(0, -1))
  t.equal(echoScore('Nothing in common here at all.', u).copy, null)
})

t.test('edits inside a copy: a dropped, added or changed word, two close edits', async (t) => {
  const u = 'I think the emergency fund my bank charges for my savings is far too high'
  t.ok(echoScore('I think the emergency fund my bank charges my savings is far too high', u).score > 0.9)
  t.ok(
    echoScore('I think the emergency fund my big bank charges for my savings is far too high', u).score > 0.9
  )
  t.ok(echoScore('I think the emergency fund his bank charges for my savings is far too high', u).score > 0.9)
  const two = 'I think the emergency fund even bank charges my savings is far too high'
  t.ok(echoScore(two, u).score > 0.6, 'up to 4 tokens replaced by as many (+-1)')
  const far = 'I think the emergency fund, as I wrote in an earlier note, covers my savings is far too high'
  t.ok(echoScore(far, u).score < 0.5, 'a long insertion splits the copy')
})

t.test('a user gram repeated many times: the copy still chains, coverage counts it once', async (t) => {
  const u = 'go go go go go go go go now please'
  const s = echoScore('go go go go go go go go now please', u)
  t.equal(s.score, 1)
  t.equal(s.coverage, 1)
  const many = `${'go '.repeat(16)}now please`
  const m = echoScore(many, many)
  t.ok(m.score >= 0.5 && m.score < 1, `only the last 8 places of a gram are chained (${m.score})`)
  t.equal(m.coverage, 1)
})
