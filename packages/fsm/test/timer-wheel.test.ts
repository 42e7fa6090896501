import t from 'tap'
import { defaultWheel, TimerWheel } from '../src/index.ts'

function caught(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
}

function fake(tickMs = 10, slots = 16, start = 1_000) {
  const clock = { t: start }
  const wheel = new TimerWheel({ tickMs, slots, now: () => clock.t })
  const to = (ms: number) => {
    clock.t = ms
    return wheel.advance(ms)
  }
  return { clock, wheel, to }
}

t.test('fires at or after the deadline, never early, within one tick', async (t) => {
  const { wheel, to } = fake(10, 16, 1_000)
  const fired: number[] = []
  const h = wheel.schedule(25, () => fired.push(1))
  t.equal(h.pending, true)
  t.equal(h.deadline, 1_030, 'rounded up to the next tick boundary')
  t.equal(wheel.size, 1)
  to(1_024)
  t.same(fired, [], 'not before the deadline')
  to(1_029)
  t.same(fired, [], 'not before its tick')
  t.equal(to(1_030), 1)
  t.same(fired, [1])
  t.equal(h.pending, false)
  t.equal(h.deadline, undefined)
  t.equal(wheel.size, 0)
  t.equal(h.cancel(), false, 'cancel after fire is a no-op')
})

t.test('zero delay fires on the next tick, not synchronously', async (t) => {
  const { wheel, to } = fake()
  let n = 0
  wheel.schedule(0, () => n++)
  t.equal(n, 0)
  to(1_009)
  t.equal(n, 0)
  to(1_010)
  t.equal(n, 1)
})

t.test('cancel and reschedule earlier / later / after cancel', async (t) => {
  const { wheel, to } = fake()
  const log: string[] = []
  const a = wheel.schedule(100, () => log.push('a'))
  const b = wheel.schedule(100, () => log.push('b'))
  t.equal(a.cancel(), true)
  t.equal(a.cancel(), false)
  b.reschedule(30)
  t.equal(b.deadline, 1_030)
  b.reschedule(500)
  t.equal(b.deadline, 1_500)
  to(1_200)
  t.same(log, [])
  a.reschedule(10)
  t.equal(wheel.size, 2)
  to(1_210)
  t.same(log, ['a'])
  to(1_500)
  t.same(log, ['a', 'b'])
  t.equal(wheel.size, 0)
})

t.test('many timers in one slot, and timers of later rounds sharing it', async (t) => {
  const { wheel, to } = fake(10, 16)
  const log: number[] = []
  // Slot period is 160 ms: 1_050, 1_210, 1_370 all hash to the same slot.
  for (let i = 0; i < 100; i++) wheel.schedule(50, () => log.push(50))
  wheel.schedule(210, () => log.push(210))
  wheel.schedule(370, () => log.push(370))
  wheel.schedule(2_000, () => log.push(2_000))
  to(1_050)
  t.equal(log.length, 100)
  to(1_209)
  t.equal(log.length, 100, 'later rounds wait')
  to(1_210)
  t.same(log.slice(100), [210])
  to(1_400)
  t.same(log.slice(100), [210, 370])
  to(3_000)
  t.same(log.slice(100), [210, 370, 2_000])
})

t.test('timers spanning several wheel turns fire in deadline order on one big advance', async (t) => {
  const { wheel, to } = fake(10, 4)
  const log: number[] = []
  for (const ms of [500, 30, 1_000, 70, 40]) wheel.schedule(ms, () => log.push(ms))
  to(5_000)
  t.same(log, [30, 40, 70, 500, 1_000])
})

t.test('cancel during fire: a callback cancels another due timer', async (t) => {
  const { wheel, to } = fake()
  const log: string[] = []
  let b: ReturnType<typeof wheel.schedule> | undefined
  wheel.schedule(20, () => {
    log.push('a')
    t.equal(b?.cancel(), true)
  })
  b = wheel.schedule(20, () => log.push('b'))
  const c = wheel.schedule(20, () => {
    log.push('c')
    t.equal(c.cancel(), false, 'a firing timer is no longer armed')
  })
  to(1_020)
  t.same(log, ['a', 'c'])
  t.equal(wheel.size, 0)
})

t.test('a callback re-arms itself and schedules new timers', async (t) => {
  const { wheel, to } = fake()
  let n = 0
  const h = wheel.schedule(10, () => {
    n++
    if (n < 3) h.reschedule(10)
  })
  for (let ms = 1_010; ms <= 1_100; ms += 10) to(ms)
  t.equal(n, 3, 're-armed relative to the clock at each firing')
  const log: string[] = []
  wheel.schedule(10, () => wheel.schedule(10, () => log.push('child')))
  to(1_110)
  t.same(log, [])
  to(1_120)
  t.same(log, ['child'])
})

t.test('a throwing callback propagates; the rest fire on the next advance', async (t) => {
  const { wheel, to } = fake()
  const log: string[] = []
  wheel.schedule(10, () => {
    throw new Error('boom')
  })
  wheel.schedule(10, () => log.push('after'))
  t.throws(() => to(1_010), /boom/)
  t.same(log, [])
  t.equal(wheel.advance(1_010), 1)
  t.same(log, ['after'])
})

t.test('an idle wheel jumps; clear disarms everything', async (t) => {
  const { wheel, to } = fake()
  t.equal(to(1_000_000), 0)
  const h = wheel.schedule(10, () => t.fail('cleared'))
  wheel.schedule(10_000, () => t.fail('cleared'))
  wheel.clear()
  t.equal(wheel.size, 0)
  t.equal(h.pending, false)
  t.equal(to(2_000_000), 0)
})

t.test('start/stop drive advance with one unref()ed interval', async (t) => {
  const wheel = new TimerWheel({ tickMs: 1, slots: 8 })
  t.equal(wheel.running, false)
  t.equal(wheel.start(), wheel)
  wheel.start()
  t.equal(wheel.running, true)
  // The interval is unref()ed: keep the loop alive with a ref'd timer while waiting.
  const keep = setTimeout(() => {}, 10_000)
  await new Promise<void>((resolve) => wheel.schedule(2, resolve))
  clearTimeout(keep)
  wheel.stop()
  wheel.stop()
  t.equal(wheel.running, false)
  t.equal(defaultWheel(), defaultWheel())
  t.equal(defaultWheel().running, true)
  t.equal(defaultWheel().tickMs, 100)
})

t.test('options and arguments are validated', async (t) => {
  t.throws(() => new TimerWheel({ tickMs: 0 }), { code: 'FSM_OPTION_OUT_OF_RANGE' })
  t.ok(caught(() => new TimerWheel({ tickMs: 0 })) instanceof RangeError, 'a RangeError')
  t.ok(
    caught(() => new TimerWheel({ now: 5 as unknown as () => number })) instanceof TypeError,
    'a TypeError'
  )
  t.throws(() => new TimerWheel({ tickMs: Number.NaN }), { code: 'FSM_OPTION_OUT_OF_RANGE' })
  t.throws(() => new TimerWheel({ tickMs: '1' as unknown as number }), { code: 'FSM_OPTION_OUT_OF_RANGE' })
  t.throws(() => new TimerWheel({ slots: 3 }), { code: 'FSM_OPTION_OUT_OF_RANGE' })
  t.throws(() => new TimerWheel({ slots: 0 }), { code: 'FSM_OPTION_OUT_OF_RANGE' })
  t.throws(() => new TimerWheel({ slots: 1.5 }), { code: 'FSM_OPTION_OUT_OF_RANGE' })
  t.throws(() => new TimerWheel({ now: 5 as unknown as () => number }), { code: 'FSM_INVALID_OPTION' })
  const wheel = new TimerWheel({ slots: 1 })
  t.throws(() => wheel.schedule(-1, () => {}), { code: 'FSM_OPTION_OUT_OF_RANGE' })
  t.throws(() => wheel.schedule(Number.POSITIVE_INFINITY, () => {}), { code: 'FSM_OPTION_OUT_OF_RANGE' })
  t.throws(() => wheel.schedule('1' as unknown as number, () => {}), { code: 'FSM_OPTION_OUT_OF_RANGE' })
  t.throws(() => wheel.schedule(1, null as unknown as () => void), { code: 'FSM_INVALID_OPTION' })
  t.equal(wheel.size, 0)
})

t.test('lazy re-arm: pushed later, a timer moves when its old slot comes up and fires on time', async (t) => {
  const { wheel, to } = fake(10, 4, 0)
  const log: number[] = []
  const h = wheel.schedule(20, () => log.push(wheel.now()))
  h.reschedule(25)
  t.equal(h.deadline, 30)
  h.reschedule(95)
  t.equal(h.deadline, 100)
  to(20)
  t.same(log, [], 'its old slot came up: moved, not fired')
  t.equal(wheel.size, 1)
  t.equal(h.deadline, 100)
  to(99)
  t.same(log, [])
  to(100)
  t.same(log, [100])
  // Moved into the slot being visited (a whole turn later): skipped in the same pass.
  const k = wheel.schedule(10, () => log.push(wheel.now()))
  k.reschedule(50)
  to(110)
  t.same(log, [100])
  to(150)
  t.same(log, [100, 150])
  // Earlier than its slot: really moved.
  const e = wheel.schedule(100, () => log.push(wheel.now()))
  e.reschedule(10)
  to(160)
  t.same(log, [100, 150, 160])
})

t.test('a due timer re-armed by another callback in the same tick does not fire early', async (t) => {
  const { wheel, to } = fake(10, 16, 0)
  const log: string[] = []
  let b: ReturnType<typeof wheel.schedule> | undefined
  wheel.schedule(10, () => {
    log.push('a')
    b?.reschedule(50)
  })
  b = wheel.schedule(10, () => log.push('b'))
  to(10)
  t.same(log, ['a'])
  t.equal(b.deadline, 60)
  to(60)
  t.same(log, ['a', 'b'])
})
