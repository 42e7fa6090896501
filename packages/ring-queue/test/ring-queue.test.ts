import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import t from 'tap'
import { RingQueue } from '../src/index.ts'
import { thrown } from './fixtures/helpers.ts'

t.test('capacity is rounded up to a power of two and checked', async (t) => {
  t.equal(new RingQueue({ capacity: 1 }).capacity, 1)
  t.equal(new RingQueue({ capacity: 3 }).capacity, 4)
  t.equal(new RingQueue({ capacity: 1000 }).capacity, 1024)
  t.equal(new RingQueue({ capacity: 1024 }).capacity, 1024)
  for (const capacity of [0, -1, 1.5, Number.NaN, 2 ** 31, '8', undefined]) {
    const err = thrown(() => new RingQueue({ capacity } as never))
    t.equal(err.code, 'RING_INVALID_CAPACITY', `capacity ${String(capacity)}`)
    t.ok(err instanceof RangeError)
  }
  t.match(thrown(() => new RingQueue({ capacity: 0 })).message, /between 1 and 1073741824, got 0$/)
  t.match(thrown(() => new RingQueue({ capacity: '8' } as never)).message, /got "8"$/)
  const bad = thrown(() => new RingQueue(null as never))
  t.equal(bad.code, 'RING_INVALID_OPTION_TYPE')
  t.ok(bad instanceof TypeError)
  t.match(bad.message, /option "options" must be an object, got null/)
})

t.test('tryPush / shift / peek / size / isFull / isEmpty, with wrap-around', async (t) => {
  const q = new RingQueue<number>({ capacity: 4 })
  t.ok(q.isEmpty)
  t.equal(q.shift(), undefined)
  t.equal(q.peek(), undefined)
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 4; i++) t.ok(q.tryPush(round * 10 + i))
    t.ok(q.isFull)
    t.equal(q.size, 4)
    t.notOk(q.tryPush(99), 'full')
    t.equal(q.peek(), round * 10)
    t.equal(q.shift(), round * 10)
    t.equal(q.shift(), round * 10 + 1)
    t.ok(q.tryPush(round * 10 + 4))
    t.same([q.shift(), q.shift(), q.shift()], [round * 10 + 2, round * 10 + 3, round * 10 + 4])
    t.ok(q.isEmpty)
  }
})

t.test('matches an array model (property)', async () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer(), fc.constant(null)), { maxLength: 200 }), (ops) => {
      const q = new RingQueue<number>({ capacity: 8 })
      const model: number[] = []
      for (const op of ops) {
        if (op === null) {
          const expected = model.length ? model.splice(0, 1)[0] : undefined
          if (q.shift() !== expected) return false
        } else {
          const ok = q.tryPush(op)
          if (ok !== model.length < 8) return false
          if (ok) model.push(op)
        }
        if (q.size !== model.length || q.peek() !== model[0]) return false
      }
      return true
    })
  )
})

t.test('shifted slots are cleared (no garbage references)', async (t) => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const q = new RingQueue<object>({ capacity: 4 })
  const fill = () => {
    const item = { big: new Array(1000).fill(1) }
    q.tryPush(item)
    return new WeakRef(item)
  }
  const ref = fill()
  q.shift()
  await new Promise((r) => setImmediate(r))
  gc()
  t.equal(ref.deref(), undefined, 'the ring no longer holds the shifted item')
})

t.test('push waits for room, FIFO among waiting producers', async (t) => {
  const q = new RingQueue<number>({ capacity: 2 })
  await q.push(1)
  await q.push(2)
  const order: number[] = []
  const p3 = q.push(3).then(() => order.push(3))
  const p4 = q.push(4).then(() => order.push(4))
  t.equal(q.waitingProducers, 2)
  t.notOk(q.tryPush(5), 'tryPush does not overtake waiting producers')
  t.equal(q.shift(), 1)
  t.equal(q.shift(), 2)
  await Promise.all([p3, p4])
  t.same(order, [3, 4])
  t.same([q.shift(), q.shift(), q.shift()], [3, 4, undefined])
})

t.test('take waits for an item, FIFO among waiting consumers', async (t) => {
  const q = new RingQueue<string>({ capacity: 2 })
  const a = q.take()
  const b = q.take()
  t.equal(q.waitingConsumers, 2)
  t.ok(q.tryPush('x'))
  await q.push('y')
  t.equal(await a, 'x')
  t.equal(await b, 'y')
  t.ok(q.isEmpty, 'handed over directly, never stored')
  q.tryPush('z')
  t.equal(await q.take(), 'z', 'take resolves at once when an item is there')
})

t.test('close rejects waiters and new pushes, keeps items readable', async (t) => {
  const q = new RingQueue<number>({ capacity: 1 })
  const taker = q.take()
  const empty = new RingQueue<number>({ capacity: 1 })
  const waitingTake = empty.take()
  q.tryPush(1)
  t.equal(await taker, 1)
  q.tryPush(2)
  const waitingPush = q.push(3)
  q.close()
  q.close()
  empty.close()
  t.ok(q.closed)
  await t.rejects(waitingPush, { code: 'RING_CLOSED' })
  await t.rejects(waitingTake, { code: 'RING_CLOSED' })
  await t.rejects(q.push(4), { code: 'RING_CLOSED', statusCode: 503 })
  t.throws(() => q.tryPush(4), { code: 'RING_CLOSED' })
  t.equal(await q.take(), 2, 'items in the ring can still be taken')
  await t.rejects(q.take(), { code: 'RING_CLOSED' })
})

t.test('async iterator yields items and ends on close', async (t) => {
  const q = new RingQueue<number>({ capacity: 4 })
  q.tryPush(1)
  q.tryPush(2)
  const seen: number[] = []
  const done = (async () => {
    for await (const x of q) seen.push(x)
  })()
  await new Promise((r) => setImmediate(r))
  await q.push(3)
  await new Promise((r) => setImmediate(r))
  q.tryPush(4)
  q.close()
  await done
  t.same(seen, [1, 2, 3, 4])
  const waiting = new RingQueue<number>({ capacity: 1 })
  const ended = (async () => {
    for await (const _ of waiting) t.fail('nothing to yield')
    return 'ended'
  })()
  await new Promise((r) => setImmediate(r))
  waiting.close()
  t.equal(await ended, 'ended', 'a loop waiting on an empty ring ends on close')
  const closedEmpty = new RingQueue<number>({ capacity: 1 })
  closedEmpty.close()
  for await (const _ of closedEmpty) t.fail('nothing to yield')
})

t.test('waiter lists grow past their initial size', async (t) => {
  const q = new RingQueue<number>({ capacity: 1 })
  const takes = Array.from({ length: 40 }, () => q.take())
  for (let i = 0; i < 40; i++) q.tryPush(i)
  t.same(
    await Promise.all(takes),
    Array.from({ length: 40 }, (_, i) => i)
  )
  q.tryPush(-1)
  const pushes = Array.from({ length: 40 }, (_, i) => q.push(i))
  const got: number[] = []
  for (let i = 0; i < 41; i++) got.push(q.shift()!)
  await Promise.all(pushes)
  t.same(got, [-1, ...Array.from({ length: 40 }, (_, i) => i)])
})

t.test('pop takes the newest item; shift and pop match a deque model (property)', async () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer(), fc.constant('shift'), fc.constant('pop')), { maxLength: 200 }),
      (ops) => {
        const q = new RingQueue<number>({ capacity: 8 })
        const model: number[] = []
        for (const op of ops) {
          if (op === 'shift') {
            if (q.shift() !== model.shift()) return false
          } else if (op === 'pop') {
            if (q.pop() !== model.pop()) return false
          } else {
            const ok = q.tryPush(op)
            if (ok !== model.length < 8) return false
            if (ok) model.push(op)
          }
          if (q.size !== model.length || q.peek() !== model[0]) return false
        }
        return true
      }
    )
  )
})

t.test('pop from a full ring admits a waiting producer into the freed slot', async (t) => {
  const q = new RingQueue<number>({ capacity: 2 })
  q.tryPush(1)
  q.tryPush(2)
  const waiting = q.push(3)
  t.equal(q.waitingProducers, 1)
  t.equal(q.pop(), 2)
  await waiting
  t.equal(q.waitingProducers, 0)
  t.equal(q.pop(), 3, 'the producer took the tail slot')
  t.equal(q.pop(), 1)
  t.equal(q.pop(), undefined)
  t.ok(q.isEmpty)
})
