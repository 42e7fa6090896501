import t from 'tap'
import { FrequencySketch, hashKey } from '../src/index.ts'

t.test('hashKey is stable and spreads', async (t) => {
  t.equal(hashKey('abc'), hashKey('abc'))
  t.not(hashKey('abc'), hashKey('abd'))
  t.ok(hashKey('') >= 0)
  const seen = new Set<number>()
  for (let i = 0; i < 10_000; i++) seen.add(hashKey(`k${i}`) & 1023)
  t.equal(seen.size, 1024, 'low bits cover the range')
})

t.test('doorkeeper absorbs the first sighting, counters count the rest', async (t) => {
  const s = new FrequencySketch(100)
  const h = hashKey('a')
  t.equal(s.frequency(h), 0)
  s.increment(h)
  t.equal(s.frequency(h), 1, 'doorkeeper only')
  for (let i = 0; i < 5; i++) s.increment(h)
  t.equal(s.frequency(h), 6)
  for (let i = 0; i < 40; i++) s.increment(h)
  t.equal(s.frequency(h), 16, '4-bit counters saturate at 15 (+1 doorkeeper)')
  t.equal(s.frequency(hashKey('never')), 0)
})

t.test('periodic halving ages the counts and clears the doorkeeper', async (t) => {
  const s = new FrequencySketch(16, 10) // sample size 160
  const h = hashKey('hot')
  for (let i = 0; i < 9; i++) s.increment(h) // 1 doorkeeper + 8 counted
  t.equal(s.frequency(h), 9)
  let i = 0
  for (let prev = -1; s.additions > prev; i++) {
    prev = s.additions
    s.increment(hashKey(`other${i}`))
  }
  t.equal(s.additions, 80, 'reset after 160 additions halves the count')
  t.equal(s.frequency(h), 4, 'halved, doorkeeper cleared')
})

t.test('incrementResident counts without the doorkeeper and also ages', async (t) => {
  const s = new FrequencySketch(16, 10)
  const h = hashKey('resident')
  s.incrementResident(h)
  t.equal(s.frequency(h), 1, 'counted, doorkeeper untouched')
  for (let i = 0; i < 159; i++) s.incrementResident(h)
  t.equal(s.additions, 80, 'halved after 160 additions')
  t.equal(s.frequency(h), 7, 'saturated 15, halved to 7')
})

t.test('incrementBatch counts like incrementResident, and ages once per batch', async (t) => {
  const a = new FrequencySketch(16, 10) // sample size 160
  const b = new FrequencySketch(16, 10)
  const hashes = new Uint32Array(64)
  for (let i = 0; i < 64; i++) hashes[i] = hashKey(`k${i % 8}`)
  a.incrementBatch(hashes, 64)
  for (let i = 0; i < 64; i++) b.incrementResident(hashes[i] as number)
  for (let i = 0; i < 8; i++) t.equal(a.frequency(hashKey(`k${i}`)), b.frequency(hashKey(`k${i}`)))
  t.equal(a.additions, 64)
  a.incrementBatch(hashes, 64)
  a.incrementBatch(hashes, 40)
  t.equal(a.additions, 84, '168 additions: halved once at the end of the batch')
})
