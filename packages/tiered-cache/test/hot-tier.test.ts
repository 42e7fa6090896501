import t from 'tap'
import { CLEAN, DIRTY, HotEntry, HotTier, hashKey } from '../src/index.ts'

const entry = (key: string, state = CLEAN): HotEntry<number> => {
  const e = new HotEntry(key, 1, hashKey(key), Number.POSITIVE_INFINITY, 1)
  e.state = state
  return e
}

t.test('resident entries never exceed maxSize (quick-lru#17)', async (t) => {
  for (const max of [1, 2, 3, 7, 100]) {
    const tier = new HotTier<number>({ maxSize: max, admission: 'none' })
    let peak = 0
    let mismatches = 0
    for (let i = 0; i < max * 20; i++) {
      tier.insert(entry(`k${i}`), false)
      if (i % 3 === 0) tier.get(`k${i - 1}`)
      const resident = [...tier.entries()].length
      if (resident > peak) peak = resident
      if (resident !== tier.size) mismatches++
    }
    t.equal(mismatches, 0, 'size matches what quick-lru holds')
    t.equal(peak, max, `maxSize ${max}: at most ${max} resident`)
    t.equal(tier.stats().maxOverflow, 0)
  }
})

t.test('LRU order: the least recent is evicted', async (t) => {
  const tier = new HotTier<number>({ maxSize: 3, admission: 'none' })
  for (const k of ['a', 'b', 'c']) tier.insert(entry(k), false)
  tier.get('a')
  tier.insert(entry('d'), false)
  t.same([...tier.entries()].map(([k]) => k).sort(), ['a', 'c', 'd'])
  t.equal(tier.stats().evictions, 1)
  t.equal(tier.peek('b'), undefined)
  t.equal(tier.delete('b'), undefined)
  t.equal(tier.delete('a')?.key, 'a')
  t.equal(tier.size, 2)
})

t.test('TinyLFU refuses a cold candidate less frequent than the victim', async (t) => {
  const tier = new HotTier<number>({ maxSize: 2 })
  tier.insert(entry('a'), true)
  tier.insert(entry('b'), true)
  for (let i = 0; i < 5; i++) {
    tier.get('a')
    tier.get('b')
  }
  tier.recordMiss('scan1')
  t.equal(tier.insert(entry('scan1'), true), false, 'one-hit wonder refused')
  t.equal(tier.stats().rejected, 1)
  t.equal(tier.insert(entry('new'), false), true, 'a set() is always admitted')
  for (let i = 0; i < 10; i++) tier.recordMiss('freq')
  t.equal(tier.insert(entry('freq'), true), true, 'a frequent candidate displaces the victim')
  t.equal(tier.stats().admitted, 3)
})

t.test('dirty and pinned entries are never evicted; the tier grows and reports it, then trims', async (t) => {
  const tier = new HotTier<number>({ maxSize: 3, admission: 'none' })
  const a = entry('a', DIRTY)
  const b = entry('b')
  b.pinned = true
  tier.insert(a, false)
  tier.insert(b, false)
  tier.insert(entry('c'), false)
  tier.insert(entry('d'), false)
  t.ok(tier.peek('a') && tier.peek('b'), 'protected survive')
  t.equal(tier.peek('c'), undefined, 'the clean one went')
  const d = tier.peek('d') as HotEntry<number>
  tier.update(d, DIRTY, false)
  for (let i = 0; i < 5; i++) tier.insert(entry(`x${i}`, DIRTY), false)
  t.equal(tier.size, 8, 'grew past maxSize')
  t.equal(tier.stats().overflow, 5)
  t.equal(tier.stats().maxOverflow, 5)
  for (const [, e] of [...tier.entries()]) tier.update(e, CLEAN, false)
  tier.update(b, CLEAN, true)
  tier.trim()
  t.equal(tier.size, 3, 'trimmed back')
  t.equal(tier.stats().overflow, 0)
  t.ok(tier.peek('b'), 'still pinned')
  for (let i = 0; i < 10; i++) tier.insert(entry(`y${i}`), false)
  t.equal(tier.size, 3)
  t.equal([...tier.entries()].length, 3, 'quick-lru shrunk back too')
})
