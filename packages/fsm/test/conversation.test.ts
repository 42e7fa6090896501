import fc from 'fast-check'
import t from 'tap'
import { type ConversationEvent, conversationMachine, DEFAULTS } from '../src/index.ts'
import { fakeWheel } from './fixtures/clock.ts'

const opts = { pauseAfterMs: 30_000, endAfterMs: 300_000 }

t.test('defaults', async (t) => {
  t.equal(DEFAULTS.pauseAfterMs, 30_000)
  t.equal(DEFAULTS.endAfterMs, 300_000)
  t.equal(DEFAULTS.maxTurns, 5)
  const m = conversationMachine()
  t.same(m.states, ['HELLO', 'CHATTING', 'PAUSE', 'END'])
  t.equal(m.initial, 'HELLO')
  t.equal(m.isFinal('END'), true)
})

t.test('HELLO -> CHATTING on the first text; HELLO -> END after endAfterMs of silence', async (t) => {
  const { wheel, to } = fakeWheel(0, 100, 256)
  const m = conversationMachine({ ...opts, systemPrompt: 'sys' })
  const c = m.create(undefined, { wheel })
  t.equal(c.state, 'HELLO')
  t.equal(c.deadline, 300_000)
  t.equal(c.send({ type: 'reply', text: 'welcome' }).to, 'HELLO', 'a greeting stays in HELLO')
  t.equal(c.send({ type: 'text', text: 'hi' }).to, 'CHATTING')
  t.equal(c.deadline, 30_000)
  t.same(
    c.context.messages().map((x) => x.role),
    ['system', 'assistant', 'user']
  )
  const silent = m.create(undefined, { wheel })
  to(299_999)
  t.equal(silent.state, 'HELLO')
  to(300_000)
  t.equal(silent.state, 'END')
  t.equal(silent.done, true)
})

t.test('CHATTING stays on text and re-arms; -> PAUSE after pauseAfterMs without a user text', async (t) => {
  const { wheel, to, clock } = fakeWheel(0, 100, 256)
  const c = conversationMachine(opts).create(undefined, { wheel })
  c.send({ type: 'text', text: 'hi' })
  clock.t = 20_000
  const r = c.send({ type: 'text', text: 'again' })
  t.same({ changed: r.changed, from: r.from, to: r.to }, { changed: true, from: 'CHATTING', to: 'CHATTING' })
  t.equal(c.deadline, 50_000, 'a user text re-arms the pause timer')
  to(45_000)
  t.equal(c.send({ type: 'reply', text: 'answer' }).to, 'CHATTING')
  t.equal(c.deadline, 50_000, 'an assistant reply does not re-arm it')
  to(49_999)
  t.equal(c.state, 'CHATTING')
  to(50_000)
  t.equal(c.state, 'PAUSE')
  t.equal(c.updatedAt, 50_000)
  t.equal(c.deadline, 350_000)
})

t.test('PAUSE -> CHATTING on text; PAUSE -> END after endAfterMs', async (t) => {
  const { wheel, to, clock } = fakeWheel(0, 100, 256)
  const m = conversationMachine(opts)
  const a = m.create(undefined, { wheel })
  const b = m.create(undefined, { wheel })
  a.send({ type: 'text', text: 'hi' })
  b.send({ type: 'text', text: 'hi' })
  to(30_000)
  t.equal(a.state, 'PAUSE')
  t.equal(a.send({ type: 'reply', text: 'late answer' }).to, 'PAUSE')
  clock.t = 100_000
  t.equal(a.send({ type: 'text', text: 'back' }).to, 'CHATTING')
  t.equal(a.deadline, 130_000)
  to(329_999)
  t.equal(b.state, 'PAUSE')
  to(330_000)
  t.equal(b.state, 'END')
  t.equal(a.state, 'PAUSE', 'a paused again at 130 s')
  to(430_000)
  t.equal(a.state, 'END', 'and ends at 430 s')
})

t.test('any state -> END on bye, close or expired; END accepts nothing and has no timer', async (t) => {
  const { wheel, to } = fakeWheel(0, 100, 256)
  const m = conversationMachine(opts)
  const reach = {
    HELLO: () => m.create(undefined, { wheel }),
    CHATTING: () => {
      const c = m.create(undefined, { wheel })
      c.send({ type: 'text', text: 'x' })
      return c
    }
  }
  const ends: ConversationEvent[] = [
    { type: 'bye' },
    { type: 'close', reason: 'socket' },
    { type: 'expired' }
  ]
  for (const e of ends) {
    for (const make of Object.values(reach)) {
      const c = make()
      const r = c.send(e)
      t.equal(r.to, 'END', `${r.from} -> END on ${e.type}`)
      t.equal(c.deadline, undefined)
    }
  }
  const paused = ends.map(() => reach.CHATTING())
  to(wheel.now() + 30_000)
  for (const [k, e] of ends.entries()) {
    const c = paused[k]!
    t.equal(c.state, 'PAUSE')
    t.equal(c.send(e).to, 'END', `PAUSE -> END on ${e.type}`)
  }
  const done = reach.HELLO()
  done.send({ type: 'bye' })
  for (const e of [
    ...ends,
    { type: 'text', text: 'x' },
    { type: 'reply', text: 'y' }
  ] as ConversationEvent[]) {
    t.equal(done.send(e).changed, false, `END ignores ${e.type}`)
  }
  t.equal(wheel.size, 0)
})

t.test('events without a string text are refused, not thrown', async (t) => {
  const c = conversationMachine().create(undefined, { wheel: fakeWheel().wheel })
  t.equal(c.send({ type: 'text' } as unknown as ConversationEvent).changed, false)
  t.equal(c.send({ type: 'reply', text: 5 } as unknown as ConversationEvent).changed, false)
  t.equal(c.state, 'HELLO')
})

t.test('context limits apply through the preset', async (t) => {
  const c = conversationMachine({ maxTurns: 2, maxTokens: 6, countTokens: (s) => s.length }).create(
    undefined,
    {
      wheel: fakeWheel().wheel
    }
  )
  for (const text of ['aa', 'bb', 'cc']) {
    c.send({ type: 'text', text })
    c.send({ type: 'reply', text: text.toUpperCase() })
  }
  t.same(
    c.context.turns().map((x) => x.content),
    ['BB', 'cc', 'CC']
  )
})

t.test('snapshot/restore round trip through JSON keeps state, context and deadlines', async (t) => {
  const { wheel, clock } = fakeWheel(1_700_000_000_000, 100, 256)
  const m = conversationMachine({ ...opts, maxTurns: 3, systemPrompt: 'sys' })
  const c = m.create(undefined, { wheel })
  c.send({ type: 'text', text: '你好' })
  c.send({ type: 'reply', text: 'hello' })
  const json = JSON.stringify(c.snapshot())
  c.stop()
  const other = fakeWheel(1_700_000_010_000, 50, 64)
  const d = m.restore(JSON.parse(json), { wheel: other.wheel })
  t.equal(d.state, 'CHATTING')
  t.same(d.context.messages(), c.context.messages())
  t.equal(d.deadline, 1_700_000_030_000)
  other.to(1_700_000_030_000)
  t.equal(d.state, 'PAUSE', 'pauses on time on another node')
  // Restored after both deadlines passed: lands in END at once.
  clock.t = 1_700_000_000_000 + 30_000 + 300_000
  t.equal(m.restore(JSON.parse(json), { wheel }).state, 'END')
})

t.test('property: any event sequence survives a JSON snapshot/restore at any point', async (t) => {
  const event = fc.oneof(
    fc.record({ type: fc.constant('text' as const), text: fc.string({ maxLength: 20 }) }),
    fc.record({ type: fc.constant('reply' as const), text: fc.string({ maxLength: 20 }) }),
    fc.constantFrom<ConversationEvent>({ type: 'bye' }, { type: 'close' }, { type: 'expired' })
  )
  const step = fc.record({ event, waitMs: fc.integer({ min: 0, max: 400_000 }) })
  const m = conversationMachine({ ...opts, maxTurns: 2, maxTokens: 12 })
  fc.assert(
    fc.property(fc.array(step, { maxLength: 30 }), fc.nat(30), (steps, cut) => {
      const a = fakeWheel(0, 1_000, 64)
      const b = fakeWheel(0, 1_000, 64)
      const live = m.create(undefined, { wheel: a.wheel })
      let moved = m.create(undefined, { wheel: b.wheel })
      for (const [k, s] of steps.entries()) {
        if (k === cut) moved = m.restore(JSON.parse(JSON.stringify(moved.snapshot())), { wheel: b.wheel })
        a.by(s.waitMs)
        b.by(s.waitMs)
        const ra = live.send(s.event)
        const sa = `${ra.changed}:${ra.from}>${ra.to}`
        const rb = moved.send(s.event)
        if (sa !== `${rb.changed}:${rb.from}>${rb.to}`) return false
      }
      const x = live.snapshot()
      const y = moved.snapshot()
      return JSON.stringify(x) === JSON.stringify(y)
    }),
    { numRuns: 200 }
  )
  t.pass('200 random sequences')
})
