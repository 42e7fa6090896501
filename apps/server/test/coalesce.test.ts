import t from 'tap'
import { CoalescingSink, FlushScheduler } from '../src/coalesce.ts'

/** A sink that records each delta frame with the time it was written. */
class Recorder extends CoalescingSink {
  readonly frames: Array<{ id: string; text: string; at: number }> = []
  protected writeDelta(id: string, text: string): void {
    this.frames.push({ id, text, at: performance.now() })
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

t.test('0 ms: one frame per delta, written at once', async (t) => {
  const s = new FlushScheduler(0)
  const r = new Recorder(s)
  for (const d of ['a', 'b', 'c']) r.delta('1', d)
  t.same(
    r.frames.map((f) => f.text),
    ['a', 'b', 'c']
  )
  s.close()
})

t.test('the first delta leaves at once; later ones at most once per interval, adding up', async (t) => {
  const ms = 20
  const s = new FlushScheduler(ms)
  const r = new Recorder(s)
  let sent = ''
  const start = performance.now()
  for (let i = 0; i < 40; i++) {
    const piece = `t${i} `
    sent += piece
    r.delta('m', piece)
    await sleep(2)
  }
  r.flushDeltas()
  t.equal(r.frames[0]?.text, 't0 ', 'first delta unbuffered')
  t.ok((r.frames[0]?.at ?? Number.POSITIVE_INFINITY) - start < ms, 'first delta without waiting for a flush')
  t.equal(r.frames.map((f) => f.text).join(''), sent, 'nothing lost or reordered')
  t.ok(r.frames.length < 40, `${r.frames.length} frames for 40 deltas`)
  // The scheduler flushes a sink only once its interval since the previous frame is over; the
  // explicit flush at the end (the reply) may come sooner.
  for (let i = 1; i < r.frames.length - 1; i++) {
    const gap = (r.frames[i]?.at as number) - (r.frames[i - 1]?.at as number)
    t.ok(gap >= ms - 0.5, `frame ${i} ${gap.toFixed(1)} ms after the previous`)
  }
  s.close()
})

t.test('a delta of another reply flushes the pending one first', async (t) => {
  const s = new FlushScheduler(50)
  const r = new Recorder(s)
  r.delta('a', 'x')
  r.delta('a', 'y')
  r.delta('b', 'z')
  r.flushDeltas()
  t.same(
    r.frames.map((f) => [f.id, f.text]),
    [
      ['a', 'x'],
      ['a', 'y'],
      ['b', 'z']
    ]
  )
  s.close()
})

t.test('a flush before the slot comes leaves the stale slot entry harmless', async (t) => {
  const ms = 20
  const s = new FlushScheduler(ms)
  const r = new Recorder(s)
  r.delta('1', 'a')
  r.delta('1', 'b')
  r.flushDeltas() // the reply: 'b' leaves now
  r.delta('2', 'c') // queued again, due one interval after the reply's flush
  const flushedAt = r.frames[1]?.at as number
  await sleep(ms * 3)
  t.same(
    r.frames.map((f) => f.text),
    ['a', 'b', 'c']
  )
  t.ok((r.frames[2]?.at as number) - flushedAt >= ms - 0.5, 'not flushed early by the stale entry')
  s.close()
})

t.test('close flushes what is pending and then writes deltas at once', async (t) => {
  const s = new FlushScheduler(1000)
  const r = new Recorder(s)
  r.delta('1', 'a')
  r.delta('1', 'b')
  t.equal(r.frames.length, 1)
  s.close()
  t.same(
    r.frames.map((f) => f.text),
    ['a', 'b']
  )
  r.delta('1', 'c')
  t.equal(r.frames.length, 3, 'closed: no buffering')
})

t.test('many sinks share one timer and each gets its pending text', async (t) => {
  const s = new FlushScheduler(10)
  const sinks = Array.from({ length: 200 }, () => new Recorder(s))
  for (const r of sinks) r.delta('1', 'a')
  for (const r of sinks) r.delta('1', 'b')
  await sleep(60)
  t.ok(
    sinks.every((r) => r.frames.map((f) => f.text).join('') === 'ab'),
    'every sink flushed'
  )
  s.close()
})

t.test('after an idle stretch, a pending delta still waits for its interval', async (t) => {
  const ms = 40
  const s = new FlushScheduler(ms)
  const r = new Recorder(s)
  await sleep(ms * 5) // the scheduler's cursor stands still while nothing is queued
  r.delta('1', 'a')
  r.delta('1', 'b')
  await sleep(ms / 4)
  t.equal(r.frames.length, 1, 'the second delta is still pending')
  await sleep(ms * 2)
  t.same(
    r.frames.map((f) => f.text),
    ['a', 'b']
  )
  t.ok((r.frames[1]?.at as number) - (r.frames[0]?.at as number) >= ms - 0.5, 'one interval apart')
  s.close()
})
