import fc from 'fast-check'
import t from 'tap'
import { normalize, tokens } from '../src/index.ts'

const words = (s: string, locale?: string) => tokens(s, { locale }).map((x) => x.text)

t.test('space-separated words, like Intl.Segmenter word-like segments', async (t) => {
  t.same(words("Hello, world! Don't 3.14 1,000 e.g. a:b x:1"), [
    'Hello',
    'world',
    "Don't",
    '3.14',
    '1,000',
    'e.g',
    'a:b',
    'x',
    '1'
  ])
  t.same(words('naïve Привет ΑΒΓ it’s'), ['naïve', 'Привет', 'ΑΒΓ', 'it’s'])
  t.same(
    tokens("O'NEIL said.😀 ok.\ud800 x.y_ end,").map((x) => x.value),
    ["o'neil", 'said', 'ok', 'x.y_', 'end'],
    'ASCII words next to surrogates, `_` and the end of the text'
  )
  t.same(words("a'b'c 3'4 a;b 1;2 a,b 1.a a..b a.'b abc' 'abc 5. .5"), [
    "a'b'c",
    "3'4",
    'a',
    'b',
    '1;2',
    'a',
    'b',
    '1',
    'a',
    'a',
    'b',
    'a',
    'b',
    'abc',
    'abc',
    '5',
    '5'
  ])
  t.same(
    tokens('ＡＢＣ１２３ Don’t').map((x) => x.value),
    ['abc123', "don't"]
  )
})

t.test('CJK: one token per character, mixed text, offsets into the original', async (t) => {
  const s = '我也觉得这个手机很好，iPhone 15也不错。'
  const tk = tokens(s)
  t.same(
    tk.map((x) => x.text),
    ['我', '也', '觉', '得', '这', '个', '手', '机', '很', '好', 'iPhone', '15', '也', '不', '错']
  )
  for (const x of tk) t.equal(s.slice(x.start, x.end), x.text)
  t.same(words('한국abc カタカナ 𠀀𠀁 々'), ['한', '국', 'abc', 'カ', 'タ', 'カ', 'ナ', '𠀀', '𠀁', '々'])
  t.same(
    words('漢\u{E0100}字'),
    ['漢\u{E0100}', '字'],
    'an ideographic variation selector stays with its character'
  )
})

t.test('other scripts take the Intl.Segmenter path', async (t) => {
  t.same(words('ไทยภาษา สวัสดี'), ['ไทย', 'ภาษา', 'สวัสดี'])
  t.same(words('foo_bar ﬁnd'), ['foo_bar', 'ﬁnd'])
  t.same(
    tokens('ﬁnd ｶﾞｷﾞ').map((x) => x.value),
    ['find', 'ガ', 'ギ']
  )
  t.same(words('e\u0301te\u0301 a\u200Db'), ['e\u0301te\u0301', 'a\u200Db'])
  t.same(
    tokens('e\u0301te\u0301 a\u200Db STRAẞE').map((x) => x.value),
    ['été', 'ab', 'strasse']
  )
  t.same(words('ไทย', 'th'), ['ไทย'])
  t.same(words('ไทย', 'not a locale!'), ['ไทย'], 'a bad locale falls back to the default')
  t.same(words('\u{1D400}\u{1D401}'), ['\u{1D400}\u{1D401}'], 'astral letters')
  t.same(words('한\u1100\u1161'), ['한', '\u1100\u1161'], 'conjoining jamo stay one syllable')
  t.same(words('ab\u1100\u1161'), ['ab', '\u1100\u1161'], 'a CJK grapheme inside a segmenter word')
  t.same(
    tokens('\u{2F800}').map((x) => x.value),
    ['\u4E3D'],
    'astral compatibility ideograph, NFKC-mapped'
  )
})

t.test('bad input never throws and never splits a code point', async (t) => {
  t.same(tokens(''), [])
  t.same(tokens(undefined as unknown as string), [])
  t.same(tokens(42 as unknown as string), [])
  t.same(words('\ud800x\udc00 y\ud83d'), ['x', 'y'])
  t.same(words('👨‍👩‍👧 ok 👍🏽 fine'), ['ok', 'fine'])
  t.same(words('!!! ... ---'), [])
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
      for (const x of tokens(s)) {
        const before = s.charCodeAt(x.start - 1)
        const first = s.charCodeAt(x.start)
        const last = s.charCodeAt(x.end - 1)
        if (first >= 0xdc00 && first <= 0xdfff && before >= 0xd800 && before <= 0xdbff) return false
        if (last >= 0xd800 && last <= 0xdbff) return false
        if (x.value !== normalize(x.text)) return false
      }
      return true
    }),
    { numRuns: 200 }
  )
})

t.test('fast path = Intl.Segmenter on the characters it handles (property)', async (t) => {
  const seg = new Intl.Segmenter('en', { granularity: 'word' })
  const alphabet = "aZk9é Жλ0.,:;'’·ＡＢ１ ".split('')
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }), (chars) => {
      const s = chars.join('')
      const expected = [...seg.segment(s)]
        .filter((x) => x.isWordLike)
        .map((x) => [x.index, x.index + x.segment.length])
      const got = tokens(s).map((x) => [x.start, x.end])
      return JSON.stringify(expected) === JSON.stringify(got)
    }),
    { numRuns: 500 }
  )
  t.pass('agrees')
})
