import { xxh64 } from '@node-rs/xxhash'
import t from 'tap'
import { toHex } from '../src/hash.ts'
import { ContextHasher, hashContext, hashKey, type Turn } from '../src/index.ts'

/** The documented algorithm, written out independently with Buffer.concat. */
function reference(turns: Turn[]): string {
  const parts = turns.map((turn) => {
    const h =
      typeof turn === 'string'
        ? xxh64(Buffer.from(turn), 0n)
        : xxh64(
            Buffer.from(typeof turn.content === 'string' ? turn.content : JSON.stringify(turn.content)),
            typeof turn.role === 'string' ? xxh64(Buffer.from(turn.role), 0n) : 0n
          )
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(h)
    return b
  })
  return xxh64(Buffer.concat(parts), 0n).toString(16).padStart(16, '0')
}

const turns: Turn[] = [
  'system prompt',
  { role: 'user', content: 'héllo 漢字 😀' },
  { role: 'assistant', content: 'hi' },
  { content: [{ type: 'text', text: 'multimodal' }] }
]

t.test('hashKey is XXH64 of the UTF-8 bytes', async (t) => {
  t.equal(toHex(hashKey('abc')), '44bc2cf5ad770999')
  t.equal(toHex(hashKey('')), 'ef46db3751d8e999')
  t.equal(hashKey('abc', 5n), xxh64(Buffer.from('abc'), 5n))
  t.equal(toHex(1n), '0000000000000001')
})

t.test('hashContext follows the documented algorithm; golden values never change', async (t) => {
  const d = hashContext(turns)
  t.equal(d.hash, reference(turns))
  t.equal(d.turns, 4)
  t.equal(
    d.bytes,
    Buffer.byteLength('system prompt') +
      Buffer.byteLength('userhéllo 漢字 😀') +
      Buffer.byteLength('assistanthi') +
      Buffer.byteLength(JSON.stringify([{ type: 'text', text: 'multimodal' }]))
  )
  t.equal(d.hash, '7a7f0a86df857575', 'golden: a change here breaks log correlation across versions')
  t.same(hashContext('only'), { hash: reference(['only']), bytes: 4, turns: 1 })
  t.same(hashContext([]), { hash: 'ef46db3751d8e999', bytes: 0, turns: 0 })
  t.equal(hashContext('a').hash, hashContext(['a']).hash, 'a string is a one-turn context')
  t.not(hashContext(['ab']).hash, hashContext(['a', 'b']).hash, 'turn boundaries count')
  t.not(
    hashContext([{ role: 'user', content: 'x' }]).hash,
    hashContext([{ role: 'assistant', content: 'x' }]).hash
  )
})

t.test('non-turn values are hashed by their string form instead of throwing', async (t) => {
  t.equal(hashContext([null, 5] as never).hash, hashContext(['null', '5']).hash)
})

t.test('many distinct roles (the role cache is bounded)', async (t) => {
  const many = Array.from({ length: 100 }, (_, i) => ({ role: `role-${i}`, content: 'x' }))
  t.equal(hashContext(many).hash, reference(many))
  t.equal(hashContext(many).hash, reference(many), 'again, from the cache')
})

t.test('large turns (scratch growth and one-off buffers)', async (t) => {
  const mid = 'é'.repeat(40_000)
  const huge = 'x'.repeat(400_000)
  t.equal(hashContext([mid, huge]).hash, reference([mid, huge]))
  t.equal(hashContext([mid, huge]).bytes, 80_000 + 400_000)
  const many = Array.from({ length: 200 }, (_, i) => `turn ${i}`)
  t.equal(hashContext(many).hash, reference(many), 'more turns than the combine buffer holds')
})

t.test('ContextHasher equals hashContext, incrementally', async (t) => {
  const h = new ContextHasher()
  t.equal(h.hash, hashContext([]).hash)
  for (let i = 0; i < turns.length; i++) {
    h.append(turns[i]!)
    const d = hashContext(turns.slice(0, i + 1))
    t.equal(h.hash, d.hash)
    t.equal(h.bytes, d.bytes)
    t.equal(h.turns, d.turns)
  }
  t.equal(h.hash, h.hash, 'cached')
  t.same(h.toArray(), turns)
  t.equal(new ContextHasher(turns).hash, h.hash)
  h.dropFirst()
  t.equal(h.hash, hashContext(turns.slice(1)).hash)
  t.equal(h.bytes, hashContext(turns.slice(1)).bytes)
  t.same(h.toArray(), turns.slice(1))
  h.dropFirst(10)
  t.equal(h.turns, 0)
  t.equal(h.bytes, 0)
  const before = h.hash
  h.dropFirst()
  t.equal(h.hash, before)
  h.append('again')
  t.equal(h.hash, hashContext(['again']).hash)
  h.clear()
  t.equal(h.turns, 0)
  t.equal(h.hash, hashContext([]).hash)
})

t.test('a sliding window: dropFirst compacts and stays equal to a rehash', async (t) => {
  const h = new ContextHasher()
  const all: string[] = []
  for (let i = 0; i < 500; i++) {
    const turn = `message ${i} ${'x'.repeat(i % 7)}`
    all.push(turn)
    h.append(turn)
    if (h.turns > 20) h.dropFirst(i % 3 === 0 ? 2 : 1)
    if (i % 50 === 0 || i === 499) {
      const window = all.slice(all.length - h.turns)
      t.same(h.toArray(), window)
      t.equal(h.hash, hashContext(window).hash, `after ${i + 1} appends`)
      t.equal(h.bytes, hashContext(window).bytes)
    }
  }
})
