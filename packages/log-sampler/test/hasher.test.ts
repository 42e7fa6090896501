import { ConversationContext } from '@chatbot-pro/fsm'
import fc from 'fast-check'
import t from 'tap'
import { ContextHasher, hashContext, type Turn, type TurnWindow } from '../src/index.ts'

const turnArb: fc.Arbitrary<Turn> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.record({ role: fc.constantFrom('user', 'assistant', 'tool'), content: fc.string({ maxLength: 40 }) }),
  fc.record({
    content: fc.array(fc.record({ type: fc.constant('text'), text: fc.string() }), { maxLength: 2 })
  })
)

type Op =
  | { op: 'append'; turn: Turn }
  | { op: 'drop'; n: number }
  | { op: 'pin'; turn: Turn | null }
  | { op: 'clear' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: turnArb.map((turn) => ({ op: 'append' as const, turn })) },
  { weight: 3, arbitrary: fc.nat(4).map((n) => ({ op: 'drop' as const, n })) },
  { weight: 1, arbitrary: fc.option(turnArb).map((turn) => ({ op: 'pin' as const, turn })) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) }
)

t.test('property: incremental == from scratch over random append / trim / pin sequences', async (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 120 }), fc.integer({ min: 1, max: 40 }), (ops, capacity) => {
      const h = new ContextHasher(undefined, capacity)
      let pinned: Turn | null = null
      let window: Turn[] = []
      for (const o of ops) {
        if (o.op === 'append') {
          h.append(o.turn)
          window.push(o.turn)
        } else if (o.op === 'drop') {
          h.dropFirst(o.n)
          window = window.slice(o.n)
        } else if (o.op === 'pin') {
          h.pin(o.turn)
          pinned = o.turn
        } else {
          h.clear()
          pinned = null
          window = []
        }
        const all = pinned === null ? window : [pinned, ...window]
        const d = hashContext(all)
        if (h.hash !== d.hash || h.bytes !== d.bytes || h.turns !== d.turns) return false
        const listed = h.toArray()
        if (listed.length !== all.length || listed.some((x, i) => x !== all[i])) return false
      }
      return true
    }),
    { numRuns: 300 }
  )
  t.pass('300 random sequences')
})

t.test('the ring wraps and grows, staying equal to a rehash', async (t) => {
  const h = new ContextHasher(undefined, 1)
  const all: string[] = []
  for (let i = 0; i < 300; i++) {
    all.push(`m${i}`)
    h.append(`m${i}`)
    if (i % 3 === 2) h.dropFirst(2)
  }
  const window = all.slice(all.length - h.turns)
  t.equal(h.hash, hashContext(window).hash)
  const long = new ContextHasher(Array.from({ length: 400 }, (_, i) => `t${i}`))
  t.equal(long.turns, 400)
  t.equal(
    long.hash,
    hashContext(Array.from({ length: 400 }, (_, i) => `t${i}`)).hash,
    'a window longer than the byte views cached'
  )
  t.equal(new ContextHasher([]).hash, hashContext([]).hash)
})

t.test('pin: the first turn is never dropped; bytes and turns include it', async (t) => {
  const sys = { role: 'system', content: 'be brief' }
  const h = new ContextHasher(['a', 'b']).pin(sys)
  t.equal(h.hash, hashContext([sys, 'a', 'b']).hash)
  h.dropFirst(5)
  t.same(h.toArray(), [sys])
  t.equal(h.hash, hashContext([sys]).hash)
  t.equal(h.bytes, hashContext([sys]).bytes)
  h.pin({ role: 'system', content: 'other' }).append('c')
  t.equal(h.hash, hashContext([{ role: 'system', content: 'other' }, 'c']).hash)
  h.pin(null)
  t.equal(h.hash, hashContext(['c']).hash)
  t.equal(h.bytes, 1)
})

/** Every random step a real fsm context can take, with a sync at random points. */
type Step =
  | { op: 'user' | 'assistant'; text: string; sync: boolean }
  | { op: 'clear' | 'swap'; sync: boolean }
  | { op: 'system'; text: string | null; sync: boolean }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constantFrom('user' as const, 'assistant' as const),
      text: fc.string({ maxLength: 30 }),
      sync: fc.boolean()
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constantFrom('clear' as const, 'swap' as const), sync: fc.boolean() })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('system' as const),
      text: fc.option(fc.string({ maxLength: 20 })),
      sync: fc.boolean()
    })
  }
)

t.test(
  'property: sync follows a real @chatbot-pro/fsm context window (trims by rounds and tokens)',
  async (t) => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 80 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 1, max: 30 })),
        (steps, maxTurns, maxTokens) => {
          const limits = {
            maxTurns,
            maxTokens: maxTokens ?? Number.POSITIVE_INFINITY,
            countTokens: (s: string) => s.length
          }
          let ctx = new ConversationContext(limits, 'system prompt')
          const h = new ContextHasher()
          for (const s of steps) {
            if (s.op === 'user') ctx.addUser(s.text)
            else if (s.op === 'assistant') ctx.addAssistant(s.text)
            else if (s.op === 'clear') ctx.clear()
            else if (s.op === 'system') ctx.system = s.text
            else {
              // A restored instance: same turns, new objects.
              const again = ConversationContext.fromJSON(ctx.toJSON(), limits)
              ctx = again
            }
            if (!s.sync) continue
            h.sync(ctx)
            const d = hashContext(ctx.messages())
            if (h.hash !== d.hash || h.bytes !== d.bytes || h.turns !== d.turns) return false
          }
          return true
        }
      ),
      { numRuns: 300 }
    )
    t.pass('300 random conversations')
  }
)

t.test('sync: hashes only what is new; rebuilds when it lost track', async (t) => {
  let reads = 0
  const turns: Turn[] = []
  let head = 0
  const w: TurnWindow = {
    system: null,
    get size() {
      return turns.length - head
    },
    at(i: number) {
      reads++
      return turns[head + i]
    }
  }
  const h = new ContextHasher()
  for (let i = 0; i < 10; i++) turns.push({ role: 'user', content: `t${i}` })
  h.sync(w)
  t.equal(h.hash, hashContext(turns).hash, 'first sync hashes the window')
  turns.push({ role: 'user', content: 'new' }, { role: 'assistant', content: 'reply' })
  head += 2
  reads = 0
  h.sync(w)
  t.equal(h.hash, hashContext(turns.slice(head)).hash)
  t.ok(reads <= 6, `a steady-state turn reads a few turns (${reads}), not the window`)
  // More turns trimmed than the window holds between two syncs: nothing it holds is left.
  for (let i = 0; i < 30; i++) turns.push({ role: 'user', content: `later ${i}` })
  head = turns.length - 5
  h.sync(w)
  t.equal(h.hash, hashContext(turns.slice(head)).hash)
  t.equal(h.turns, 5)
  // A window that does not start where ours would (our turns reappear, but not as a suffix).
  const odd: TurnWindow = {
    system: 'x',
    size: 2,
    at: (i: number) => [{ role: 'a', content: '1' }, turns.at(-1)][i]
  }
  h.sync(odd)
  t.equal(h.hash, hashContext([{ role: 'system', content: 'x' }, ...[0, 1].map((i) => odd.at(i)!)]).hash)
  h.sync(odd)
  t.equal(h.turns, 3)
  t.equal(
    h.hash,
    hashContext([{ role: 'system', content: 'x' }, { role: 'a', content: '1' }, turns.at(-1)!]).hash
  )
  // Holds more turns than the window has before its newest: rebuilt too.
  const shorter: TurnWindow = { system: 'x', size: 1, at: () => turns.at(-1) }
  h.sync(shorter)
  t.equal(h.turns, 2)
  t.equal(h.hash, hashContext([{ role: 'system', content: 'x' }, turns.at(-1)!]).hash)
})
