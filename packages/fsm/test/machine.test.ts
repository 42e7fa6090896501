import t from 'tap'
import { defineMachine, type MachineDefinition, type SendResult } from '../src/index.ts'
import { caught, fakeWheel } from './fixtures/clock.ts'

type Ev = { type: 'go' } | { type: 'stop' } | { type: 'add'; n: number } | { type: 'noop' }
interface Ctx {
  n: number
  log: string[]
}

function light() {
  return defineMachine({
    types: {} as { context: Ctx; events: Ev },
    initial: 'green',
    context: () => ({ n: 0, log: [] }),
    states: {
      green: {
        entry: (c) => c.log.push('in:green'),
        exit: (c) => c.log.push('out:green'),
        on: {
          go: 'yellow',
          add: [
            { guard: (c, e) => c.n + e.n > 10, target: 'red', actions: (c) => c.log.push('overflow') },
            { actions: [(c, e) => (c.n += e.n), (c) => c.log.push('added')] }
          ],
          noop: { guard: () => false, target: 'red' }
        }
      },
      yellow: { on: { go: 'red' }, after: { ms: 1_000, target: 'red' } },
      red: { on: { go: 'green', stop: 'done' } },
      done: { final: true }
    }
  })
}

t.test('send: table lookups, guards, internal and external transitions, entry/exit', async (t) => {
  const { wheel } = fakeWheel()
  const m = light()
  t.same(m.states, ['green', 'yellow', 'red', 'done'])
  t.same(m.events, ['go', 'add', 'noop', 'stop'])
  t.equal(m.initial, 'green')
  t.equal(m.isFinal('done'), true)
  t.equal(m.isFinal('red'), false)
  const i = m.create(undefined, { wheel, id: 'u1' })
  t.equal(i.id, 'u1')
  t.same(i.context.log, ['in:green'], 'initial entry runs')
  t.equal(i.state, 'green')
  t.equal(i.version, 0)
  let r: SendResult = i.send({ type: 'add', n: 3 })
  t.same({ ...r }, { changed: true, from: 'green', to: 'green', event: { type: 'add', n: 3 } })
  t.equal(i.context.n, 3)
  t.same(i.context.log, ['in:green', 'added'], 'internal: no exit/entry')
  t.equal(i.version, 1)
  r = i.send({ type: 'noop' })
  t.equal(r.changed, false, 'all guards refuse')
  r = i.send({ type: 'stop' })
  t.same(
    { ...r },
    { changed: false, from: 'green', to: 'green', event: { type: 'stop' } },
    'not accepted here'
  )
  t.equal(i.accepts('stop'), false)
  t.equal(i.accepts('go'), true)
  t.equal(i.accepts('nope' as 'go'), false)
  r = i.send({ type: 'nope' } as unknown as Ev)
  t.equal(r.changed, false, 'unknown event type: ignored, never thrown')
  r = i.send({ type: 'add', n: 9 })
  t.equal(r.to, 'red')
  t.same(i.context.log.slice(-2), ['out:green', 'overflow'])
  t.equal(i.send({ type: 'go' }).to, 'green')
  t.equal(i.send({ type: 'go' }).to, 'yellow')
  t.equal(i.send({ type: 'go' }).to, 'red')
  t.equal(i.deadline, undefined, 'leaving yellow disarmed its delay')
  t.equal(wheel.size, 0)
  t.equal(i.done, false)
  r = i.send({ type: 'stop' })
  t.equal(r.to, 'done')
  t.equal(i.done, true)
  t.equal(i.send({ type: 'go' }).changed, false, 'a final state accepts nothing')
  t.equal(i.version, 6)
})

t.test('the result object is reused across sends and instances', async (t) => {
  const m = light()
  const { wheel } = fakeWheel()
  const a = m.create(undefined, { wheel })
  const b = m.create(undefined, { wheel })
  t.equal(a.send({ type: 'go' }), b.send({ type: 'stop' }))
})

t.test('after: armed on entry, fires on time, guard falls through to the next delay', async (t) => {
  const { wheel, to, clock } = fakeWheel(0, 10, 16)
  const seen: string[] = []
  const m = defineMachine({
    types: {} as { context: { ok: boolean; hits: number }; events: { type: 'poke' } },
    initial: 'idle',
    states: {
      idle: {
        on: { poke: 'idle' },
        after: [
          { ms: 500, target: 'long' },
          { ms: 100, target: 'short', guard: (c) => c.ok, actions: (c) => c.hits++ }
        ]
      },
      short: { on: { poke: 'idle' } },
      long: { entry: (_c, e) => seen.push(e.type), on: { poke: 'idle' } }
    }
  })
  const hook: string[] = []
  const i = m.create(
    { ok: true, hits: 0 },
    { wheel, onTransition: (inst, r) => hook.push(`${inst.state}:${r.from}>${r.to}`) }
  )
  t.equal(i.deadline, 100, 'shortest delay armed first')
  t.same(i.snapshot().timers, [
    { index: 0, target: 'short', at: 100 },
    { index: 1, target: 'long', at: 500 }
  ])
  to(99)
  t.equal(i.state, 'idle')
  to(100)
  t.equal(i.state, 'short')
  t.equal(i.context.hits, 1)
  t.equal(i.updatedAt, 100, 'updatedAt is the deadline')
  t.same(hook, ['short:idle>short'])
  i.send({ type: 'poke' })
  t.equal(i.deadline, 200)
  i.context.ok = false
  clock.t = 150
  i.send({ type: 'poke' })
  t.equal(i.deadline, 250, 're-entering the same state re-arms')
  to(250)
  t.equal(i.state, 'idle', 'guard refused')
  t.equal(i.deadline, 650, 'next delay measured from entry')
  t.same(i.snapshot().timers, [{ index: 1, target: 'long', at: 650 }])
  to(650)
  t.equal(i.state, 'long')
  t.same(seen, ['fsm.after'])
  t.same(hook.at(-1), 'long:idle>long')
  i.send({ type: 'poke' })
  i.stop()
  t.equal(i.deadline, undefined)
  t.equal(wheel.size, 0)
  clock.t = 700
  i.send({ type: 'poke' })
  i.context.ok = false
  to(800)
  to(1_200)
  t.equal(i.state, 'long')
  // All guards refuse: nothing stays pending.
  const g = defineMachine({
    initial: 'a',
    states: { a: { after: { ms: 10, target: 'b', guard: () => false } }, b: {} }
  })
  const j = g.create(undefined, { wheel })
  to(2_000)
  t.equal(j.state, 'a')
  t.equal(j.deadline, undefined)
  t.same(j.snapshot().timers, [])
})

t.test('snapshot and restore: plain JSON, timers as absolute deadlines', async (t) => {
  const { wheel, to, clock } = fakeWheel(10_000, 10, 16)
  const m = light()
  const i = m.create(undefined, { wheel })
  i.send({ type: 'add', n: 2 })
  i.send({ type: 'go' })
  const snap = i.snapshot()
  t.same(snap, {
    v: 1,
    state: 'yellow',
    context: { n: 2, log: ['in:green', 'added', 'out:green'] },
    updatedAt: 10_000,
    version: 2,
    timers: [{ index: 0, target: 'red', at: 11_000 }]
  })
  t.same(JSON.parse(JSON.stringify(i)), snap, 'toJSON is the snapshot')
  i.stop()

  const { wheel: other, to: toOther, clock: otherClock } = fakeWheel(10_500, 100, 8)
  const j = m.restore(JSON.parse(JSON.stringify(snap)), { wheel: other })
  t.equal(j.state, 'yellow')
  t.equal(j.version, 2)
  t.equal(j.deadline, 11_000, 're-armed at the same absolute deadline on another wheel')
  toOther(10_999)
  t.equal(j.state, 'yellow')
  toOther(11_000)
  t.equal(j.state, 'red')
  t.equal(otherClock.t, 11_000)

  // A past deadline fires at once, at its own deadline.
  clock.t = 50_000
  const hook: string[] = []
  const k = m.restore(snap, {
    wheel,
    onTransition: (_i, r) => hook.push(`${r.from}>${r.to}:${String(r.event.type)}`)
  })
  t.equal(k.state, 'red')
  t.equal(k.updatedAt, 11_000)
  t.equal(k.version, 3)
  t.same(hook, ['yellow>red:fsm.after'])
  t.equal(k.deadline, undefined)
  to(60_000)
  t.equal(k.state, 'red')

  // No timers in the snapshot: none armed, no entry action run.
  const l = m.restore({ ...snap, state: 'green', timers: [] }, { wheel })
  t.equal(l.state, 'green')
  t.same(l.context.log, ['in:green', 'added', 'out:green'])
  t.equal(l.deadline, undefined)
})

t.test('restore follows a chain of past deadlines', async (t) => {
  const { wheel, clock, to } = fakeWheel(0, 10, 16)
  const m = defineMachine({
    initial: 'a',
    states: {
      a: { after: { ms: 100, target: 'b' } },
      b: { after: { ms: 1_000, target: 'c' } },
      c: { after: { ms: 10_000, target: 'd' } },
      d: { final: true }
    }
  })
  const snap = m.create(undefined, { wheel }).snapshot()
  wheel.clear()
  clock.t = 1_150
  const i = m.restore(snap, { wheel })
  t.equal(i.state, 'c')
  t.equal(i.updatedAt, 1_100)
  t.equal(i.deadline, 11_100)
  to(11_100)
  t.equal(i.state, 'd')
  t.equal(i.done, true)
  clock.t = 100_000
  t.equal(m.restore(snap, { wheel }).state, 'd')
})

t.test('restore refuses bad snapshots with FSM_INVALID_SNAPSHOT', async (t) => {
  const { wheel } = fakeWheel()
  const m = light()
  const good = m.create(undefined, { wheel }).snapshot()
  const yellow = { ...good, state: 'yellow', timers: [{ index: 0, target: 'red', at: 5 }] }
  const bad: Array<[unknown, RegExp]> = [
    [null, /not an object/],
    ['{}', /not an object/],
    [{ ...good, v: 2 }, /unknown version v=2/],
    [{ ...good, v: undefined }, /unknown version/],
    [{ ...good, state: 'blue' }, /unknown state "blue"/],
    [{ ...good, state: 3 }, /unknown state 3/],
    [{ ...good, updatedAt: 'x' }, /updatedAt/],
    [{ ...good, updatedAt: Number.NaN }, /updatedAt/],
    [{ ...good, version: -1 }, /version must be/],
    [{ ...good, version: 1.5 }, /version must be/],
    [{ ...good, timers: {} }, /timers must be an array/],
    [{ ...good, timers: [{ index: 0, target: 'red', at: 5 }] }, /does not match an `after` of state "green"/],
    [{ ...yellow, timers: [{ index: 1, target: 'red', at: 5 }] }, /does not match/],
    [{ ...yellow, timers: [{ index: 0, target: 'green', at: 5 }] }, /does not match/],
    [{ ...yellow, timers: [{ index: 0, target: 'red', at: 'soon' }] }, /does not match/],
    [{ ...yellow, timers: [{ index: 0, target: 'red', at: Number.POSITIVE_INFINITY }] }, /does not match/],
    [{ ...yellow, timers: [7] }, /does not match/],
    [{ ...yellow, timers: [{ index: 'x', target: 'red', at: 5 }] }, /does not match/]
  ]
  for (const [snap, message] of bad) {
    t.throws(
      () => m.restore(snap, { wheel }),
      { code: 'FSM_INVALID_SNAPSHOT', message },
      JSON.stringify(snap)
    )
  }
  const reviving = defineMachine({
    initial: 'a',
    reviveContext: () => {
      throw new Error('bad context')
    },
    states: { a: {} }
  })
  const err = caught(() => reviving.restore({ ...good, state: 'a' }, { wheel })) as Error
  t.match(err, { code: 'FSM_INVALID_SNAPSHOT', message: /context: bad context/ })
  t.match(err.cause, { message: 'bad context' })
})

t.test('defineMachine refuses bad definitions with FSM_INVALID_DEFINITION naming the state', async (t) => {
  const f = () => {}
  const bad: Array<[unknown, RegExp]> = [
    [null, /must be an object/],
    [{ initial: 'a' }, /`states` must be an object/],
    [{ initial: 'a', states: {} }, /`states` is empty/],
    [{ initial: 'x', states: { a: {} } }, /initial state "x" is not a state/],
    [{ initial: 'a', states: { a: 1 } }, /state "a" must be an object/],
    [{ initial: 'a', states: { a: { on: [] } } }, /state "a": `on` must be an object/],
    [{ initial: 'a', states: { a: { on: { go: 'b' } } } }, /state "a": "go" targets unknown state "b"/],
    [{ initial: 'a', states: { a: { on: { go: { target: 3 } } } } }, /unknown state "3"/],
    [{ initial: 'a', states: { a: { on: { go: [] } } } }, /state "a" on "go": empty list/],
    [{ initial: 'a', states: { a: { on: { go: 5 } } } }, /state name or an object/],
    [{ initial: 'a', states: { a: { on: { go: { guard: 1 } } } } }, /guard must be a function/],
    [
      { initial: 'a', states: { a: { on: { go: { actions: 1 } } } } },
      /actions must be a function or an array/
    ],
    [{ initial: 'a', states: { a: { on: { go: { actions: [f, 1] } } } } }, /actions must be functions/],
    [{ initial: 'a', states: { a: { entry: 1 } } }, /state "a": `entry` must be a function/],
    [{ initial: 'a', states: { a: { exit: 'x' } } }, /state "a": `exit` must be a function/],
    [
      { initial: 'a', states: { a: { on: { go: 'b' } }, b: { final: true, on: { go: 'a' } } } },
      /final state "b" has outgoing transitions/
    ],
    [
      { initial: 'a', states: { a: { on: { go: 'b' } }, b: { final: true, after: { ms: 1, target: 'a' } } } },
      /final state "b"/
    ],
    [{ initial: 'a', states: { a: {}, b: { on: { go: 'a' } } } }, /state "b" is unreachable from "a"/],
    [{ initial: 'a', states: { a: { after: 5 } } }, /state "a" after\[0\] must be an object/],
    [
      { initial: 'a', states: { a: { after: { ms: 0, target: 'a' } } } },
      /after\[0\]: ms must be a finite number > 0/
    ],
    [{ initial: 'a', states: { a: { after: { ms: 'x', target: 'a' } } } }, /ms must be/],
    [{ initial: 'a', states: { a: { after: { ms: Number.POSITIVE_INFINITY, target: 'a' } } } }, /ms must be/],
    [
      { initial: 'a', states: { a: { after: { ms: 1, target: 'z' } } } },
      /state "a": after 1 ms targets unknown state "z"/
    ],
    [
      { initial: 'a', states: { a: { after: { ms: 1, target: 'a', guard: 1 } } } },
      /guard must be a function/
    ],
    [{ initial: 'a', context: 1, states: { a: {} } }, /`context` must be a function/],
    [{ initial: 'a', serializeContext: 1, states: { a: {} } }, /`serializeContext` must be a function/]
  ]
  for (const [def, message] of bad) {
    t.throws(
      () => defineMachine(def as MachineDefinition<string, { type: string }, unknown>),
      { code: 'FSM_INVALID_DEFINITION', message },
      String(message)
    )
  }
  // Valid corner cases: single/empty action arrays, a state reachable only by `after`.
  const m = defineMachine({
    initial: 'a',
    states: {
      a: {
        on: { x: { target: 'a', actions: [] }, y: { target: 'a', actions: [f] } },
        after: { ms: 5, target: 'b' }
      },
      b: {}
    }
  })
  t.same(m.states, ['a', 'b'])
})

t.test('instance options are validated', async (t) => {
  const m = light()
  t.throws(() => m.create(undefined, null as never), { code: 'FSM_INVALID_OPTION' })
  t.throws(() => m.create(undefined, { wheel: {} as never }), { code: 'FSM_INVALID_OPTION' })
  t.throws(() => m.create(undefined, { onTransition: 1 as never }), { code: 'FSM_INVALID_OPTION' })
  const i = m.create({ n: 1, log: [] })
  t.equal(i.context.n, 1, 'explicit context, default wheel')
  t.type(i.updatedAt, 'number')
  const bare = defineMachine({ initial: 'a', states: { a: {} } })
  t.equal(bare.create().context, undefined)
  t.same(JSON.parse(JSON.stringify(bare.create().snapshot())).state, 'a')
})

t.test('an entry action that sends moves on; the outer transition does not clobber it', async (t) => {
  const { wheel } = fakeWheel(0)
  const m = defineMachine({
    types: {} as { context: { self?: { send(e: { type: 'go' }): unknown } }; events: { type: 'go' } },
    initial: 'a',
    context: () => ({}),
    states: {
      a: { on: { go: 'b' } },
      b: { entry: (c) => c.self?.send({ type: 'go' }), on: { go: 'c' }, after: { ms: 10, target: 'a' } },
      c: { after: { ms: 50, target: 'a' } }
    }
  })
  const i = m.create(undefined, { wheel })
  i.context.self = i
  const r = i.send({ type: 'go' })
  t.equal(i.state, 'c')
  t.equal(r.to, 'c')
  t.equal(i.deadline, 50)
  const j = defineMachine({
    types: {} as { context: { self?: { send(e: { type: 'go' }): unknown } }; events: { type: 'go' } },
    initial: 'a',
    context: () => ({}),
    states: {
      a: { entry: (c) => c.self?.send({ type: 'go' }), on: { go: 'b' }, after: { ms: 10, target: 'b' } },
      b: {}
    }
  })
  t.equal(j.create(undefined, { wheel }).state, 'a', 'no self reference at creation')
})
