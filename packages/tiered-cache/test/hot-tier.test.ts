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

const load = (tier: HotTier<number>, key: string): boolean => {
  if (tier.get(key) !== undefined) return true
  const e = new HotEntry(key, 1, tier.recordMiss(key), Number.POSITIVE_INFINITY, 1)
  tier.insert(e, true)
  return false
}

t.test('W-TinyLFU: a hit in probation promotes to protected; the window feeds probation', async (t) => {
  const tier = new HotTier<number>({ maxSize: 200 })
  t.equal(tier.stats().windowMax, 2, '1% window')
  for (let i = 0; i < 200; i++) load(tier, `k${i}`)
  t.equal(tier.size, 200)
  for (let r = 0; r < 3; r++) for (let i = 0; i < 200; i++) t.ok(tier.get(`k${i}`), 'all resident')
  // A scan of one-hit wonders passes through the window; the frequent keys stay.
  let hits = 0
  for (let i = 0; i < 1000; i++) load(tier, `scan${i}`)
  for (let i = 0; i < 200; i++) if (tier.peek(`k${i}`) !== undefined) hits++
  t.ok(hits >= 195, `frequent keys survive a scan (${hits}/200)`)
  t.ok(tier.stats().rejected >= 990, 'scan candidates rejected')
  t.equal(tier.size, 200)
})

t.test('the hill climber grows the window under recency and shrinks it under frequency', async (t) => {
  const tier = new HotTier<number>({ maxSize: 200 })
  let grown = 0
  // Recency: a working set of 150 keys that slides by one key per 5 requests, each key
  // requested ~10 times in its stay, never again after.
  let base = 0
  for (let i = 0; i < 200_000; i++) {
    if (i % 5 === 0) base++
    load(tier, `r${base + ((i * 7919) % 150)}`)
    grown = Math.max(grown, tier.stats().windowMax)
  }
  t.ok(grown > 50, `window grew (to ${grown})`)
  // Frequency: a stable hot set of 150 keys plus a stream of one-hit wonders.
  let least = grown
  for (let i = 0; i < 400_000; i++) {
    load(tier, i % 2 === 0 ? `h${(i * 7919) % 150}` : `once${i}`)
    least = Math.min(least, tier.stats().windowMax)
  }
  t.ok(least <= grown - 12, `window shrank again by at least a full step of 12 (to ${least})`)
  t.ok(tier.size <= 200)
})

t.test('a frequent candidate is now and then admitted against a more frequent victim', async (t) => {
  // 100 entries: the sketch halves after 6,400 additions; this test makes 6,000, so no aging.
  const tier = new HotTier<number>({ maxSize: 100 })
  for (let i = 0; i < 100; i++) load(tier, `k${i}`)
  for (let r = 0; r < 15; r++) for (let i = 0; i < 100; i++) tier.get(`k${i}`)
  const before = tier.stats()
  for (let i = 0; i < 550; i++) {
    const key = `c${i}`
    for (let j = 0; j < 7; j++) tier.recordMiss(key)
    tier.insert(new HotEntry(key, 1, tier.recordMiss(key), 0, 1), true)
  }
  // Each insert into the full tier is one comparison (8 sightings against 16): one eviction each.
  const after = tier.stats()
  t.equal(after.evictions - before.evictions, 550)
  const admitted = 550 - (after.rejected - before.rejected)
  t.ok(admitted > 0 && admitted < 20, `about 1 in 128 (${admitted} of 550)`)
  t.equal(tier.size, 100)
})

t.test('getValue is the hot path: age bound for clean entries, none for dirty ones', async (t) => {
  const tier = new HotTier<string>({ maxSize: 10 })
  const e = new HotEntry('a', 'v1', hashKey('a'), 100, 1)
  tier.insert(e, false)
  t.equal(tier.getValue('a', 99), 'v1')
  t.equal(tier.getValue('a', 100), undefined, 'stale at its bound')
  t.equal(tier.getValue('zz', 0), undefined)
  tier.setExpiresAt(e, 200)
  t.equal(tier.getValue('a', 150), 'v1')
  tier.update(e, DIRTY, false)
  tier.setValue(e, 'v2')
  tier.setExpiresAt(e, 50)
  t.equal(tier.getValue('a', 1000), 'v2', 'dirty: never stale')
  tier.update(e, CLEAN, false)
  t.equal(tier.getValue('a', 1000), undefined, 'clean again: its bound applies')
  t.equal(tier.getValue('a', 10), 'v2')
})

t.test('victims are searched past unevictable entries in every segment', async (t) => {
  const tier = new HotTier<number>({ maxSize: 100 })
  for (let i = 0; i < 100; i++) load(tier, `k${i}`)
  for (let i = 0; i < 100; i += 2) tier.get(`k${i}`) // half protected
  for (let i = 0; i < 100; i++) {
    const e = tier.peek(`k${i}`) as HotEntry<number>
    if (i !== 1) tier.update(e, DIRTY, false)
  }
  tier.insert(entry('new', DIRTY), false)
  t.equal(tier.peek('k1'), undefined, 'the one clean entry went')
  tier.insert(entry('new2', DIRTY), false)
  t.equal(tier.size, 101, 'nothing evictable left: grew')
  for (let i = 0; i < 100; i += 2) tier.update(tier.peek(`k${i}`) as HotEntry<number>, CLEAN, false)
  tier.trim()
  t.equal(tier.size, 100, 'trimmed from protected once clean')
  const w = new HotTier<number>({ maxSize: 2, admission: 'none' })
  w.insert(entry('p', DIRTY), false)
  w.insert(entry('q'), false)
  w.insert(entry('r'), true)
  t.same([...w.entries()].map(([k]) => k).sort(), ['p', 'r'], 'LRU skips the dirty entry')
})

t.test('a loaded entry is refused when only unevictable entries are left (the bound holds)', async (t) => {
  const tier = new HotTier<number>({ maxSize: 2 })
  tier.insert(entry('a', DIRTY), false)
  tier.insert(entry('b', DIRTY), false)
  t.equal(tier.insert(entry('c'), true), false)
  t.equal(tier.size, 2)
  t.equal(tier.stats().overflow, 0)
  t.equal(tier.insert(entry('d'), false), true, 'a set() is admitted: the tier grows instead')
  t.equal(tier.stats().overflow, 1)
})

t.test('the climber steps both ways; a grown window fills from the main space when it can', async (t) => {
  const tier = new HotTier<number>({ maxSize: 200 }) // samples of 2,000 requests
  for (let i = 0; i < 50; i++) load(tier, `k${i}`)
  for (let i = 0; i < 1950; i++) tier.get(`k${i % 50}`)
  tier.recordMiss('z') // ends the first sample: hit rate up from 0, first step (shrink)
  t.equal(tier.stats().windowMax, 0, 'the first step shrinks the window (2 -> 0)')
  for (let i = 0; i < 50; i++) tier.delete(`k${i}`)
  for (let i = 0; i < 2000; i++) tier.recordMiss(`m${i}`) // hit rate fell: the other way
  t.equal(tier.stats().windowMax, 12, 'grown by a full step (6.25% of 200)')
  t.equal(tier.size, 0, 'nothing to move into the window')

  const full = new HotTier<number>({ maxSize: 200 })
  for (let i = 0; i < 50; i++) load(full, `k${i}`)
  for (let i = 0; i < 1950; i++) full.get(`k${i % 50}`)
  full.recordMiss('z')
  full.get('k48') // the two the shrink moved to probation: now all 50 are protected
  full.get('k49')
  for (let i = 0; i < 2000; i++) full.recordMiss(`m${i}`)
  t.equal(full.stats().windowMax, 12)
  for (let i = 0; i < 12; i++) full.insert(entry(`n${i}`), true)
  let kept = 0
  for (let i = 0; i < 50; i++) if (full.peek(`k${i}`) !== undefined) kept++
  t.equal(kept, 50, 'the window was filled from protected (not full yet: nothing evicted)')
})

t.test('a hit between a miss and its insert is counted before the admission decision', async (t) => {
  const tier = new HotTier<number>({ maxSize: 2 })
  load(tier, 'a')
  load(tier, 'b')
  for (let i = 0; i < 3; i++) tier.get('a')
  const h = tier.recordMiss('c')
  tier.get('b') // buffered, not yet in the sketch
  tier.get('b')
  t.equal(
    tier.insert(new HotEntry('c', 1, h, 0, 1), true),
    false,
    'refused against a victim that was just hit'
  )
})

t.test(
  'write: value, version max(previous + 1, now) and age bound live in the tier while resident',
  async (t) => {
    const tier = new HotTier<string>({ maxSize: 10 })
    const e = new HotEntry('a', 'v1', hashKey('a'), 100, 7)
    t.equal(tier.versionOf(e), 7, 'not resident: the entry fields')
    t.equal(tier.expiresAtOf(e), 100)
    tier.insert(e, false)
    tier.write(e, 'v2', 5, 300)
    t.equal(tier.versionOf(e), 8, 'one more than the previous version when the clock is behind')
    t.equal(tier.expiresAtOf(e), 300)
    t.equal(e.value, 'v2')
    t.equal(tier.getValue('a', 299), 'v2', 'a clean entry gets the new bound on the hot path')
    t.equal(tier.getValue('a', 300), undefined)
    tier.update(e, DIRTY, false)
    tier.write(e, 'v3', 1000, 50)
    t.equal(tier.versionOf(e), 1000, 'the clock when it is ahead')
    t.equal(tier.getValue('a', 5000), 'v3', 'dirty: never stale')
    tier.update(e, CLEAN, false)
    t.equal(tier.getValue('a', 49), 'v3', 'clean again: the bound written while dirty applies')
    t.equal(tier.getValue('a', 50), undefined)
    tier.delete('a')
    t.equal(e.version, 1000, 'written back to the entry when it leaves the tier')
    t.equal(e.expiresAt, 50)
    t.equal(tier.versionOf(e), 1000)
  }
)
