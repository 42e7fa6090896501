import t from 'tap'
import {
  ConversationContext,
  ConversationRegistry,
  conversationMachine,
  defaultWheel,
  defineMachine,
  type MachineInstance
} from '../src/index.ts'
import { fakeWheel } from './fixtures/clock.ts'

t.test('get / getOrCreate / has / size / iteration / delete / clear', async (t) => {
  const { wheel } = fakeWheel(0, 100, 64)
  const reg = new ConversationRegistry(conversationMachine(), { wheel })
  t.equal(reg.wheel, wheel)
  t.equal(reg.get('u1'), undefined)
  const a = reg.getOrCreate('u1')
  t.equal(reg.getOrCreate('u1'), a)
  t.equal(a.id, 'u1')
  t.equal(reg.has('u1'), true)
  const given = new ConversationContext({ maxTurns: 1, maxTokens: 100, countTokens: (s) => s.length })
  const b = reg.getOrCreate('u2', given)
  t.equal(b.context, given)
  t.equal(reg.size, 2)
  t.same([...reg.keys()], ['u1', 'u2'])
  t.same([...reg.values()], [a, b])
  t.same(
    [...reg.entries()].map(([id]) => id),
    ['u1', 'u2']
  )
  t.same(
    [...reg].map(([id, c]) => `${id}:${c.state}`),
    ['u1:HELLO', 'u2:HELLO']
  )
  t.equal(wheel.size, 2)
  t.equal(reg.delete('u1'), true)
  t.equal(reg.delete('u1'), false)
  t.equal(wheel.size, 1, 'delete disarms')
  reg.clear()
  t.equal(reg.size, 0)
  t.equal(wheel.size, 0)
})

t.test('listeners: transition for every transition, end when final; ended conversations leave', async (t) => {
  const { wheel, to } = fakeWheel(0, 100, 64)
  const reg = new ConversationRegistry(conversationMachine({ pauseAfterMs: 1_000, endAfterMs: 5_000 }), {
    wheel
  })
  const log: string[] = []
  const onT = (c: MachineInstance, r: { from: string; to: string }) => log.push(`t:${c.id}:${r.from}>${r.to}`)
  reg.on('transition', onT)
  reg.on('end', (c, r) => log.push(`end:${c.id}:${r.to}:${reg.has(c.id as string)}`))
  const a = reg.getOrCreate('a')
  a.send({ type: 'text', text: 'hi' })
  reg.getOrCreate('b').send({ type: 'bye' })
  t.equal(reg.has('b'), false, 'ended on bye, left the registry')
  to(1_000)
  t.equal(a.state, 'PAUSE')
  to(6_000)
  t.equal(reg.size, 0, 'ended by timer, left the registry')
  t.same(log, [
    't:a:HELLO>CHATTING',
    't:b:HELLO>END',
    'end:b:END:false',
    't:a:CHATTING>PAUSE',
    't:a:PAUSE>END',
    'end:a:END:false'
  ])
  reg.off('transition', onT)
  reg.off('end', onT)
  reg.getOrCreate('c').send({ type: 'bye' })
  t.equal(log.length, 7, 'only the end listener is left')
  t.throws(() => reg.on('nope' as 'end', onT), { code: 'FSM_INVALID_OPTION' })
  t.throws(() => reg.on('end', 1 as never), { code: 'FSM_INVALID_OPTION' })
})

t.test('restore: replaces and stops a live one; past deadlines fire; an ended one is not kept', async (t) => {
  const { wheel, clock } = fakeWheel(0, 100, 64)
  const reg = new ConversationRegistry(conversationMachine({ pauseAfterMs: 1_000, endAfterMs: 5_000 }), {
    wheel
  })
  const ends: string[] = []
  reg.on('end', (c) => ends.push(c.id as string))
  const a = reg.getOrCreate('a')
  a.send({ type: 'text', text: 'hi' })
  const snap = a.snapshot()
  const b = reg.restore('a', snap)
  t.not(b, a)
  t.equal(reg.get('a'), b)
  t.equal(a.deadline, undefined, 'the replaced instance was stopped')
  t.equal(wheel.size, 1)
  clock.t = 2_000
  t.equal(reg.restore('a', snap).state, 'PAUSE')
  clock.t = 10_000
  const c = reg.restore('a', snap)
  t.equal(c.state, 'END')
  t.equal(reg.has('a'), false)
  t.same(ends, ['a'])
  t.equal(wheel.size, 0)
  t.equal(reg.restore('z', snap).state, 'END')
  t.throws(() => reg.restore('a', { v: 9 }), { code: 'FSM_INVALID_SNAPSHOT' })
})

t.test('a generic machine with createContext; options are validated', async (t) => {
  const m = defineMachine({
    types: {} as { context: { id: string }; events: { type: 'go' } },
    initial: 'a',
    states: { a: { on: { go: 'b' } }, b: { final: true } }
  })
  const reg = new ConversationRegistry(m, { createContext: (id) => ({ id }) })
  t.equal(reg.wheel, defaultWheel())
  t.same(reg.getOrCreate('x').context, { id: 'x' })
  t.throws(() => new ConversationRegistry({} as never), { code: 'FSM_INVALID_OPTION' })
  t.throws(() => new ConversationRegistry(null as never), { code: 'FSM_INVALID_OPTION' })
  t.throws(() => new ConversationRegistry(m, { wheel: {} as never }), { code: 'FSM_INVALID_OPTION' })
  t.throws(() => new ConversationRegistry(m, { createContext: 1 as never }), { code: 'FSM_INVALID_OPTION' })
})
