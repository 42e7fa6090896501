// Type test: `pnpm typecheck` (tsc --noEmit includes test/) fails if any `@ts-expect-error` below
// stops being an error, i.e. if the typing of definitions or `send` regresses. tap runs the
// runtime side: the same mistakes, forced past the compiler, are refused or ignored.
import t from 'tap'
import { conversationMachine, defineMachine, type SendResult } from '../src/index.ts'

type Ev = { type: 'text'; text: string } | { type: 'bye' }

t.test('wrong targets, initial states and event types are compile errors', async (t) => {
  t.throws(
    () =>
      defineMachine({
        types: {} as { context: { n: number }; events: Ev },
        // @ts-expect-error: unknown initial state
        initial: 'NOPE',
        states: { A: { on: { bye: 'A' } } }
      }),
    { code: 'FSM_INVALID_DEFINITION' }
  )
  t.throws(
    () =>
      defineMachine({
        types: {} as { context: { n: number }; events: Ev },
        initial: 'A',
        // @ts-expect-error: unknown target
        states: { A: { on: { bye: 'Z' } } }
      }),
    { code: 'FSM_INVALID_DEFINITION' }
  )
  t.throws(
    () =>
      defineMachine({
        types: {} as { context: { n: number }; events: Ev },
        initial: 'A',
        // @ts-expect-error: unknown target of an `after`
        states: { A: { after: { ms: 5, target: 'Z' } } }
      }),
    { code: 'FSM_INVALID_DEFINITION' }
  )
  const m = defineMachine({
    types: {} as { context: { n: number }; events: Ev },
    initial: 'A',
    context: () => ({ n: 0 }),
    states: {
      A: {
        on: {
          // The event is narrowed by its key: `e.text` is a string here.
          text: { target: 'B', actions: (c, e) => (c.n += e.text.length) }
        }
      },
      B: { on: { bye: { target: 'A', guard: (c) => c.n > 0 } } }
    }
  })
  // Event types are not known at run time, so an extra key forced past the compiler still works.
  const extra = defineMachine({
    types: {} as { context: undefined; events: Ev },
    initial: 'A',
    // @ts-expect-error: `ping` is not an event type of this machine
    states: { A: { on: { ping: 'A' } } }
  })
  t.same(extra.events, ['ping'])
  const i = m.create()
  // @ts-expect-error: unknown event type
  const r = i.send({ type: 'ping' })
  t.equal(r.changed, false, 'ignored at run time')
  // @ts-expect-error: missing payload
  t.throws(() => i.send({ type: 'text' }), TypeError, 'the action reads e.text.length')
  t.equal(i.send({ type: 'text', text: 'abc' }).to, 'B')
  const s: 'A' | 'B' = i.state
  // @ts-expect-error: states are a literal union
  const wrong: 'C' = i.state
  t.same([s, wrong], ['B', 'B'])
  const n: number = i.context.n
  t.equal(n, 3)
  const ok: SendResult<'A' | 'B', Ev> = i.send({ type: 'bye' })
  t.equal(ok.to, 'A')
})

t.test('the preset is typed too', async (t) => {
  const c = conversationMachine().create()
  // @ts-expect-error: text needs a `text`
  t.equal(c.send({ type: 'text', message: 'hi' }).changed, false, 'refused at run time, not thrown')
  t.equal(c.send({ type: 'text', text: 'hi' }).to, 'CHATTING')
  // @ts-expect-error: preset states only
  c.state === 'IDLE'
  t.equal(c.context.turns()[0]?.content, 'hi')
  c.stop()
})
