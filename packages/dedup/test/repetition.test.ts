import t from 'tap'
import { GramTable } from '../src/grams.ts'
import { selfRepetition } from '../src/index.ts'

t.test('detects a degenerate loop and gives the cut offset', async (t) => {
  const reply = 'I think that I think that I think that I think that I think that I think that ok'
  const r = selfRepetition(reply)
  t.equal(r.loop, true)
  t.equal(reply.slice(0, r.cutAt), 'I think that')
  t.equal(r.gram, 'I think that I think that I think')
  const zh = selfRepetition('好的好的好的好的好的好的好的好的好的')
  t.equal(zh.loop, true)
  t.equal(zh.cutAt, 2)
  const n4 = selfRepetition('the cat sat down. the cat sat down. the cat sat down.', { n: 4 })
  t.equal(n4.loop, true)
  t.equal(n4.cutAt, 'the cat sat down.'.length)
})

t.test('natural text and tolerated repeats are not loops', async (t) => {
  const r = selfRepetition('The battery is good. The screen is good. The price is good too.')
  t.same(r, { loop: false, cutAt: 63, gram: '' })
  t.equal(selfRepetition('ha ha ha ha ha').loop, false)
  t.equal(selfRepetition('a b c d a b c d', { n: 4, maxRepeats: 1 }).loop, true)
  t.equal(selfRepetition('a b c d a b c d', { n: 4 }).loop, false)
  t.equal(selfRepetition('a b c d '.repeat(50), { n: 4, maxRepeats: 100 }).loop, false)
})

t.test('many distinct grams, caps and bad input', async (t) => {
  const words = Array.from({ length: 500 }, (_, i) => `w${i}`).join(' ')
  t.equal(selfRepetition(words, { n: 2 }).loop, false)
  t.equal(selfRepetition(`${words} `.repeat(3), { n: 2 }).loop, true)
  t.equal(selfRepetition(`${words} `.repeat(3), { n: 2, maxChars: 100 }).loop, false)
  t.same(selfRepetition(''), { loop: false, cutAt: 0, gram: '' })
  t.same(selfRepetition(undefined as unknown as string), { loop: false, cutAt: 0, gram: '' })
  t.equal(selfRepetition('\ud800\ud800\ud800').loop, false)
  t.throws(() => selfRepetition('x', { n: 0 }), { code: 'DEDUP_OPTION_RANGE' })
})

t.test('GramTable: reset to a smaller size than its buffers, then filled, still grows', async (t) => {
  const table = new GramTable()
  table.reset(200)
  for (let i = 0; i < 200; i++) table.add(i, i)
  table.reset(8)
  for (let i = 0; i < 300; i++) table.add(i * 31, i)
  t.equal(table.size, 300)
  for (let i = 0; i < 300; i++) t.ok(table.find(i * 31, i) >= 0)
  t.equal(table.find(-5, 7), -1)
})
