import t from 'tap'
import { CODEL_DEFAULTS, CoDel } from '../src/index.ts'
import { fakeClock, thrown } from './fixtures/helpers.ts'

t.test('defaults and option checks', async (t) => {
  const c = new CoDel()
  t.equal(c.targetMs, CODEL_DEFAULTS.targetMs)
  t.equal(c.intervalMs, CODEL_DEFAULTS.intervalMs)
  t.equal(c.shouldDrop(1), false, 'uses its own clock when no time is given')
  t.ok(Object.isFrozen(CODEL_DEFAULTS))
  t.match(
    thrown(() => new CoDel({ targetMs: -1 })),
    { code: 'RING_INVALID_OPTION', message: /"targetMs"/ }
  )
  t.match(
    thrown(() => new CoDel({ intervalMs: 0 })),
    { code: 'RING_INVALID_OPTION', message: /"intervalMs"/ }
  )
  t.match(
    thrown(() => new CoDel({ now: 5 as never })),
    { code: 'RING_INVALID_OPTION_TYPE', message: /"now" must be a function, got 5/ }
  )
  t.match(
    thrown(() => new CoDel('x' as never)),
    { code: 'RING_INVALID_OPTION_TYPE', message: /"codel"/ }
  )
  const clock = fakeClock(500)
  const injected = new CoDel({ now: clock.now })
  injected.shouldDrop(10)
  t.equal(injected.state().firstAboveTimeMs, 600, 'the injected clock is used')
})

t.test('walks the RFC 8289 state machine', async (t) => {
  const c = new CoDel({ targetMs: 5, intervalMs: 100 })
  // Below target: nothing happens (§5.6 dodequeue resets first_above_time).
  t.equal(c.shouldDrop(4, 1000), false)
  t.same(c.state(), { dropping: false, count: 0, lastCount: 0, dropNextMs: 0, firstAboveTimeMs: 0 })

  // Above target: first_above_time is armed one interval ahead; no drop yet.
  t.equal(c.shouldDrop(10, 1000), false)
  t.equal(c.state().firstAboveTimeMs, 1100)
  t.equal(c.shouldDrop(50, 1099), false, 'a burst younger than one interval is tolerated')

  // Above target for a whole interval: enter the dropping state and drop (count = 1).
  t.equal(c.shouldDrop(10, 1100), true)
  t.same(c.state(), { dropping: true, count: 1, lastCount: 1, dropNextMs: 1200, firstAboveTimeMs: 1100 })
  t.ok(c.dropping)

  // Dropping: the next drop waits for drop_next.
  t.equal(c.shouldDrop(10, 1150), false)
  t.equal(c.shouldDrop(10, 1200), true, 'second drop at drop_next')
  t.equal(c.state().count, 2)
  t.equal(c.state().dropNextMs, 1200, 'drop_next advances when the next item is examined (RFC loop)')

  // The control law: next drop interval/sqrt(count) later.
  t.equal(c.shouldDrop(10, 1201), false)
  t.equal(c.state().dropNextMs, 1200 + 100 / Math.sqrt(2))
  t.equal(c.shouldDrop(10, 1270), false)
  t.equal(c.shouldDrop(10, 1271), true, 'third drop ~70.7 ms after the second')
  t.equal(c.shouldDrop(10, 1272), false)
  const dropNext3 = 1200 + 100 / Math.sqrt(2) + 100 / Math.sqrt(3)
  t.equal(c.state().dropNextMs, dropNext3)

  // Sojourn below target: leave the dropping state at once.
  t.equal(c.shouldDrop(1, 1300), false)
  t.same(c.state(), { dropping: false, count: 3, lastCount: 1, dropNextMs: dropNext3, firstAboveTimeMs: 0 })

  // Re-entry within 16 intervals of drop_next: count resumes at count - lastcount (= 2).
  t.equal(c.shouldDrop(10, 1400), false)
  t.equal(c.shouldDrop(10, 1500), true)
  t.same(c.state(), {
    dropping: true,
    count: 2,
    lastCount: 2,
    dropNextMs: 1500 + 100 / Math.sqrt(2),
    firstAboveTimeMs: 1500
  })

  // A drop, then the next item falls below target: drop_next keeps the RFC's value.
  t.equal(c.shouldDrop(10, 1600), true)
  t.equal(c.state().count, 3)
  t.equal(c.shouldDrop(0, 1601), false)
  t.equal(c.state().dropNextMs, 1500 + 100 / Math.sqrt(2), 'not advanced: the episode ended')

  // Re-entry with count - lastcount <= 1: start over at 1.
  t.equal(c.shouldDrop(10, 1700), false)
  t.equal(c.shouldDrop(10, 1800), true)
  t.equal(c.state().count, 1)
})

t.test('re-entry long after the last episode starts over at count 1', async (t) => {
  const c = new CoDel({ targetMs: 5, intervalMs: 100 })
  let now = 1
  c.shouldDrop(10, now)
  now += 100
  t.equal(c.shouldDrop(10, now), true)
  for (let i = 0; i < 20; i++) {
    now += 100
    c.shouldDrop(10, now)
  }
  const high = c.state().count
  t.ok(high > 5, 'count grew during a long episode')
  now += 1
  c.shouldDrop(0, now)
  now += 16 * 100 + 500
  c.shouldDrop(10, now)
  now += 100
  t.equal(c.shouldDrop(10, now), true)
  t.equal(c.state().count, 1)
})

t.test('drop rate rises with sqrt(count) while the delay stays high', async (t) => {
  const c = new CoDel({ targetMs: 5, intervalMs: 100 })
  const drops: number[] = []
  c.shouldDrop(20, 0)
  for (let now = 100; now <= 2100; now++) if (c.shouldDrop(20, now)) drops.push(now)
  const gaps = drops.slice(1).map((d, i) => d - drops[i]!)
  t.ok(gaps.length > 10)
  for (let i = 1; i < gaps.length; i++)
    t.ok(gaps[i]! <= gaps[i - 1]! + 1, `gap ${i} does not grow (1 ms clock steps)`)
  t.ok(gaps.at(-1)! < gaps[0]! / 3, 'drops come much faster at the end')
})

t.test('never drops the last queued item (backlog 0) and reset() clears the state', async (t) => {
  const c = new CoDel({ targetMs: 5, intervalMs: 100 })
  c.shouldDrop(10, 0, 3)
  t.equal(c.shouldDrop(10, 100, 0), false, 'empty queue behind: treated as below target')
  t.equal(c.state().firstAboveTimeMs, 0)
  c.shouldDrop(10, 200, 3)
  t.equal(c.shouldDrop(10, 300, 3), true)
  c.reset()
  t.same(c.state(), { dropping: false, count: 0, lastCount: 0, dropNextMs: 0, firstAboveTimeMs: 0 })
})
