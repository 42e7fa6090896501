import { Worker } from 'node:worker_threads'
import t from 'tap'
import { SharedRing, SharedRingConsumer, SharedRingProducer } from '../src/index.ts'
import { thrown } from './fixtures/helpers.ts'

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed + i) & 0xff)

t.test('create checks its size; producer/consumer check the buffer', async (t) => {
  t.equal(SharedRing.create(1).byteLength, SharedRing.HEADER_BYTES + 16, 'at least 16 bytes')
  t.equal(SharedRing.create(100).byteLength, SharedRing.HEADER_BYTES + 128)
  for (const bad of [0, 1.5, -1, 2 ** 31, 'x']) {
    const err = thrown(() => SharedRing.create(bad as never))
    t.equal(err.code, 'RING_INVALID_CAPACITY')
    t.ok(err instanceof RangeError)
  }
  t.match(
    thrown(() => new SharedRingProducer(new ArrayBuffer(512) as never)),
    {
      code: 'SHARED_RING_INVALID_BUFFER',
      message: /expected a SharedArrayBuffer, got an object/
    }
  )
  t.match(
    thrown(() => new SharedRingConsumer(new SharedArrayBuffer(8))),
    { message: /8 bytes is too small/ }
  )
  t.match(
    thrown(() => new SharedRingConsumer(new SharedArrayBuffer(1024))),
    { message: /SharedRing.create/ }
  )
  t.ok(thrown(() => new SharedRingConsumer(new SharedArrayBuffer(1024))) instanceof TypeError)
  t.equal(SharedRing.recordBytes(0), 4)
  t.equal(SharedRing.recordBytes(5), 12)
})

t.test('write/read in one thread: order, wrap-around, free space, errors', async (t) => {
  const sab = SharedRing.create(64)
  const p = new SharedRingProducer(sab)
  const c = new SharedRingConsumer(sab)
  t.equal(p.maxMessageBytes, 60)
  t.equal(c.read(), undefined)
  t.equal(c.readInto(new Uint8Array(8)), -1)
  t.equal(c.peekLength(), -1)
  t.ok(c.isEmpty)
  // Odd sizes so records wrap at every possible offset; both copy paths (short loop / set).
  for (let round = 0; round < 50; round++) {
    const a = bytes(round % 23, round)
    const b = bytes(17, round + 1)
    t.ok(p.write(a))
    t.ok(p.write(b))
    t.equal(c.peekLength(), a.length)
    t.same(c.read(), a)
    const target = new Uint8Array(20)
    t.equal(c.readInto(target), 17)
    t.same(target.subarray(0, 17), b)
  }
  const big = bytes(56, 7)
  t.ok(p.write(big), 'a 56-byte message fits an empty 64-byte ring')
  t.equal(p.usedBytes, 60)
  t.equal(p.freeBytes, 4)
  t.notOk(p.write(bytes(1, 0)), 'larger than the free space: false, nothing written')
  t.match(
    thrown(() => c.readInto(new Uint8Array(10))),
    { code: 'SHARED_RING_TARGET_TOO_SMALL', message: /56 bytes/ }
  )
  t.same(c.read(), big, 'the message stayed in the ring')
  const tooBig = thrown(() => p.write(new Uint8Array(61)))
  t.equal(tooBig.code, 'SHARED_RING_MESSAGE_TOO_LARGE')
  t.ok(tooBig instanceof RangeError)
  t.match(tooBig.message, /message of 61 bytes .* \(60 bytes of payload at most\)/)
  t.match(
    thrown(() => p.waitForSpace(100)),
    { code: 'SHARED_RING_MESSAGE_TOO_LARGE' }
  )
  await t.rejects(p.waitForSpaceAsync(100), { code: 'SHARED_RING_MESSAGE_TOO_LARGE' })
})

t.test('large messages wrap with TypedArray#set', async (t) => {
  const sab = SharedRing.create(256)
  const p = new SharedRingProducer(sab)
  const c = new SharedRingConsumer(sab)
  for (let i = 0; i < 20; i++) {
    const m = bytes(100 + i, i)
    t.ok(p.write(m))
    t.same(c.read(), m)
  }
})

t.test('waits time out and report state', async (t) => {
  const sab = SharedRing.create(32)
  const p = new SharedRingProducer(sab)
  const c = new SharedRingConsumer(sab)
  t.equal(c.wait(0), false, 'nothing to read')
  t.equal(await c.waitAsync(0), false)
  t.ok(p.write(bytes(20, 1)))
  t.equal(c.wait(0), true)
  t.equal(await c.waitAsync(), true)
  t.equal(p.waitForSpace(20, 0), false, 'no room, zero timeout')
  t.equal(p.waitForSpace(20, 1), false, 'no room, times out')
  t.equal(await p.waitForSpaceAsync(20, 1), false)
  t.equal(p.waitForSpace(4), true, 'room for a small one')
  t.equal(await p.waitForSpaceAsync(4), true)
  c.read()
  p.close()
  t.ok(c.closed)
  t.equal(c.wait(), false, 'closed and empty: returns at once')
  t.equal(await c.waitAsync(), false)
})

t.test('async waits wake on the other side', async (t) => {
  const sab = SharedRing.create(32)
  const p = new SharedRingProducer(sab)
  const c = new SharedRingConsumer(sab)
  const waiting = c.waitAsync()
  setImmediate(() => p.write(bytes(3, 3)))
  t.equal(await waiting, true)
  p.write(bytes(20, 1))
  const room = p.waitForSpaceAsync(20)
  setImmediate(() => {
    c.read()
    c.read()
  })
  t.equal(await room, true)
})

t.test('across a real worker thread: wake-ups, wrap-around, backpressure, close', async (t) => {
  const input = SharedRing.create(256)
  const output = SharedRing.create(128)
  const worker = new Worker(new URL('./fixtures/echo-worker.ts', import.meta.url), {
    workerData: { input, output }
  })
  t.teardown(() => worker.terminate())
  const exited = new Promise((resolve) => worker.once('exit', resolve))
  await new Promise((resolve) => worker.once('message', resolve))
  const p = new SharedRingProducer(input)
  const c = new SharedRingConsumer(output)

  // One at a time: the worker is parked in Atomics.wait, each write must wake it.
  for (let i = 0; i < 5; i++) {
    p.write(bytes(8, i))
    t.equal(await c.waitAsync(30_000), true)
    t.same(c.read(), bytes(8, i))
  }

  // A stream much larger than both rings: records wrap at every offset, the worker blocks on a
  // full output ring and the event loop on a full input ring.
  const total = 2000
  const received: number[] = []
  let sent = 0
  let sum = 0
  while (true) {
    while (sent < total && p.write(bytes(1 + (sent % 97), sent))) sent++
    if (sent === total && !p.closed) p.close()
    let progressed = false
    for (let got = c.read(); got !== undefined; got = c.read()) {
      progressed = true
      received.push(got.length)
      sum += got.reduce((a, b) => a + b, 0)
    }
    if (c.closed && c.isEmpty) break
    // Output empty: the worker is busy or waits for input we just wrote, so data will come.
    if (!progressed) await c.waitAsync(30_000)
  }
  t.equal(received.length, total, 'every message came back')
  t.same(
    received,
    Array.from({ length: total }, (_, i) => 1 + (i % 97)),
    'in order'
  )
  let expected = 0
  for (let i = 0; i < total; i++) expected += bytes(1 + (i % 97), i).reduce((a, b) => a + b, 0)
  t.equal(sum, expected, 'contents intact')
  t.equal(await c.waitAsync(0), false, 'the worker closed its output after the input closed')
  await exited
})
