import t from 'tap'
import { LatencyHistogram, WORK_QUEUE_DEFAULTS, WorkQueue } from '../src/index.ts'
import { fakeClock, thrown } from './fixtures/helpers.ts'
import { simulateOverload } from './fixtures/overload.ts'

const flush = () => new Promise<void>((resolve) => setImmediate(resolve))

function manualWorker() {
  const pending: Array<{ item: number; resolve: (v: number) => void; reject: (e: Error) => void }> = []
  const worker = (item: number) =>
    new Promise<number>((resolve, reject) => {
      pending.push({ item, resolve, reject })
    })
  return { pending, worker }
}

t.test('options are checked', async (t) => {
  const worker = async (x: number) => x
  t.match(
    thrown(() => new WorkQueue({} as never)),
    { code: 'RING_INVALID_OPTION_TYPE', message: /"worker"/ }
  )
  t.match(
    thrown(() => new WorkQueue({ worker, capacity: 0 })),
    { code: 'RING_INVALID_CAPACITY' }
  )
  t.match(
    thrown(() => new WorkQueue({ worker, concurrency: 0 })),
    { code: 'RING_INVALID_OPTION', message: /"concurrency"/ }
  )
  t.match(
    thrown(() => new WorkQueue({ worker, now: 1 as never })),
    { message: /"now"/ }
  )
  t.match(
    thrown(() => new WorkQueue({ worker, codel: { targetMs: -1 } })),
    { message: /"targetMs"/ }
  )
  t.match(
    thrown(() => new WorkQueue({ worker, name: 1 as never })),
    { message: /"name" must be a string/ }
  )
  const q = new WorkQueue({ worker })
  t.equal(q.capacity, WORK_QUEUE_DEFAULTS.capacity)
  t.equal(q.concurrency, 1)
  t.equal(q.name, 'default')
  t.ok(q.codel)
  t.equal(new WorkQueue({ worker, codel: false }).codel, undefined)
  t.equal(await q.submit(3), 3, 'default clock')
})

t.test('runs with bounded concurrency, FIFO, results and errors per submission', async (t) => {
  const clock = fakeClock()
  const { pending, worker } = manualWorker()
  const q = new WorkQueue({ worker, capacity: 4, concurrency: 2, now: clock.now, codel: false })
  const results = [1, 2, 3, 4].map((i) => q.submit(i))
  t.equal(q.inFlight, 2)
  t.equal(q.depth, 2)
  t.same(
    pending.map((p) => p.item),
    [1, 2]
  )
  const failed = t.rejects(results[1]!, { message: 'boom' }, 'a worker error rejects only its submission')
  clock.advance(3)
  pending[1]!.reject(new Error('boom'))
  await flush()
  t.same(
    pending.map((p) => p.item),
    [1, 2, 3],
    'the next item starts when one settles'
  )
  pending[0]!.resolve(10)
  pending[2]!.resolve(30)
  await flush()
  pending[3]!.resolve(40)
  t.equal(await results[0], 10)
  await failed
  t.equal(await results[2], 30)
  t.equal(await results[3], 40)
  const s = q.stats()
  t.match(s, { depth: 0, inFlight: 0, dropped: 0, completed: 4, failed: 1, dropping: false })
  t.equal(s.sojournP50Ms, 0)
  t.ok(s.sojournP99Ms >= 3 && s.sojournP99Ms <= 3.2, 'items 3 and 4 waited 3 ms')
})

t.test('a synchronous worker throw or a plain value is handled', async (t) => {
  const q = new WorkQueue<number, number>({
    worker: (x) => {
      if (x < 0) throw new Error('negative')
      return x * 2
    }
  })
  await t.rejects(q.submit(-1), { message: 'negative' })
  t.equal(await q.submit(4), 8)
})

t.test('ring full -> QUEUE_OVERLOADED with retryAfterMs', async (t) => {
  const clock = fakeClock()
  const { pending, worker } = manualWorker()
  const q = new WorkQueue({ worker, capacity: 2, now: clock.now, codel: false, name: 'llm' })
  const running = q.submit(1)
  const queued = [q.submit(2), q.submit(3)]
  t.ok(q.overloaded, 'full')
  const err = await q.submit(4).catch((e) => e)
  t.match(err, {
    code: 'QUEUE_OVERLOADED',
    statusCode: 503,
    message: /Queue "llm" is overloaded, retry after 1000 ms/
  })
  t.equal(err.retryAfterMs, 1000, 'no CoDel, no service time measured yet: 1 s')
  t.equal(q.stats().dropped, 1)
  clock.advance(500)
  pending[0]!.resolve(1)
  await running
  t.equal(q.retryAfterMs(), Math.ceil(((2 + 0) * 500) / 8) > 1000 ? 0 : 1000)
  for (let i = 1; i < 3; i++) {
    await flush()
    pending[i]!.resolve(i)
  }
  await Promise.all(queued)
})

t.test('retryAfterMs follows the backlog and the measured service time', async (t) => {
  const clock = fakeClock()
  const { pending, worker } = manualWorker()
  const q = new WorkQueue({ worker, capacity: 64, now: clock.now, codel: { intervalMs: 50 } })
  t.equal(q.retryAfterMs(), 50, 'at least one CoDel interval')
  for (let i = 0; i < 20; i++) {
    const p = q.submit(i)
    clock.advance(800)
    pending.at(-1)!.resolve(i)
    await p
  }
  for (let i = 0; i < 10; i++) void q.submit(i).catch(() => {})
  t.ok(q.retryAfterMs() > 5000, `10 queued x ~800 ms service: ${q.retryAfterMs()}`)
  const closing = q.close({ drain: false })
  pending.at(-1)!.resolve(0)
  await closing
})

t.test('CoDel sheds at the head once a standing queue lasts an interval', async (t) => {
  const clock = fakeClock()
  const { pending, worker } = manualWorker()
  const q = new WorkQueue({ worker, capacity: 64, now: clock.now, codel: { targetMs: 5, intervalMs: 100 } })
  const outcomes: string[] = []
  const submit = (i: number) =>
    q.submit(i).then(
      () => outcomes.push(`ok${i}`),
      (e) => outcomes.push(`${e.code}${i}`)
    )
  const all = [submit(0)]
  for (let i = 1; i <= 30; i++) all.push(submit(i))
  t.notOk(q.overloaded, 'not dropping yet')
  // Serve one item every 20 ms: the queue stands far above target for well over an interval.
  for (let step = 0; step < 30 && pending.length > 0; step++) {
    clock.advance(20)
    pending.shift()!.resolve(0)
    await flush()
    if (q.stats().dropping) break
  }
  t.ok(q.stats().dropping, 'CoDel entered dropping')
  t.ok(q.overloaded, 'admission sheds while the standing queue is there')
  t.ok(outcomes.some((o) => o.startsWith('QUEUE_OVERLOADED')))
  const closing = q.close({ drain: false })
  while (pending.length) pending.shift()!.resolve(0)
  await closing
  await Promise.all(all)
  t.ok(
    outcomes.some((o) => o.startsWith('RING_CLOSED')),
    'close without drain rejects the rest'
  )
  t.notOk(q.overloaded)
})

t.test('overloaded is false once a dropping queue has drained', async (t) => {
  const clock = fakeClock()
  const { pending, worker } = manualWorker()
  const q = new WorkQueue({ worker, capacity: 64, now: clock.now })
  for (let i = 0; i < 20; i++) void q.submit(i).catch(() => {})
  while (!q.codel!.dropping) {
    clock.advance(30)
    pending.shift()!.resolve(0)
    await flush()
  }
  while (q.depth > 0) {
    t.equal(q.overloaded, clock.now() - 0 > 0 && q.overloaded)
    clock.advance(30)
    pending.shift()!.resolve(0)
    await flush()
  }
  t.ok(q.codel!.dropping, 'CoDel still in its dropping state (updates only at dequeue)')
  t.notOk(q.overloaded, 'but nothing is queued: admit')
  while (pending.length) pending.shift()!.resolve(0)
  await q.close()
})

t.test('close: drain, reject new submissions, idempotent', async (t) => {
  const clock = fakeClock()
  const { pending, worker } = manualWorker()
  const q = new WorkQueue({ worker, capacity: 8, now: clock.now })
  const a = q.submit(1)
  const b = q.submit(2)
  const closed = q.close()
  t.ok(q.closed)
  await t.rejects(q.submit(3), { code: 'RING_CLOSED' })
  let done = false
  void closed.then(() => {
    done = true
  })
  pending[0]!.resolve(1)
  await flush()
  t.notOk(done, 'still draining')
  pending[1]!.resolve(2)
  t.same(await Promise.all([a, b]), [1, 2], 'queued work was processed')
  await closed
  t.ok(done)
  await q.close()
  await q.close({ drain: false })
})

t.test('entries are pooled: more live submissions than the pool still work', async (t) => {
  const { pending, worker } = manualWorker()
  const q = new WorkQueue({ worker, capacity: 1, concurrency: 1, codel: false })
  const a = q.submit(1)
  const b = q.submit(2)
  pending[0]!.resolve(1)
  await flush()
  pending[1]!.resolve(2)
  t.same(await Promise.all([a, b]), [1, 2])
  // 2 pooled entries; run many rounds so entries are recycled.
  for (let i = 0; i < 50; i++) {
    const p = q.submit(i)
    pending.at(-1)!.resolve(i)
    t.equal(await p, i)
  }
})

t.test('2x sustained overload: reject-when-full vs CoDel (deterministic simulation)', async (t) => {
  const base = { capacity: 256, serviceMs: 10, arrivalMs: 5, durationMs: 20_000 }
  const full = await simulateOverload({ ...base, codel: false })
  const codel = await simulateOverload({ ...base, codel: true })
  const admitted = await simulateOverload({ ...base, codel: true, admission: true })
  t.comment(`reject-when-full: p50 ${full.p50} ms, p99 ${full.p99} ms, goodput ${full.goodput}/s`)
  t.comment(`CoDel at dequeue: p50 ${codel.p50} ms, p99 ${codel.p99} ms, goodput ${codel.goodput}/s`)
  t.comment(
    `CoDel + admission: p50 ${admitted.p50} ms, p99 ${admitted.p99} ms, goodput ${admitted.goodput}/s`
  )
  // The full queue's delay grows to capacity x service time.
  t.ok(full.p50 >= 0.95 * base.capacity * base.serviceMs, 'full queue: delay ~ capacity x service')
  // CoDel keeps it bounded by a few intervals, whatever the capacity.
  t.ok(codel.p99 < full.p50 / 4, 'CoDel: p99 well below the full queue')
  t.ok(admitted.p99 <= 2 * 100, 'CoDel + admission: p99 within two intervals')
  // Goodput stays at the service rate: shedding does not idle the worker.
  for (const r of [full, codel, admitted]) t.ok(r.goodput > 95, `goodput ${r.goodput}`)
  t.equal(codel.stats.dropped + codel.stats.completed, codel.submitted)
})

t.test('LatencyHistogram percentiles', async (t) => {
  const h = new LatencyHistogram()
  t.equal(h.quantile(0.5), 0)
  for (let i = 1; i <= 1000; i++) h.record(i)
  h.record(-5)
  h.record(1e12)
  t.equal(h.count, 1002)
  const p50 = h.quantile(0.5)
  t.ok(p50 >= 499 && p50 <= 500 * 1.0625, `p50 ${p50}`)
  const p99 = h.quantile(0.99)
  t.ok(p99 >= 989 && p99 <= 990 * 1.0625, `p99 ${p99}`)
  t.equal(h.quantile(0), 0, 'the recorded negative counts as 0')
  t.ok(h.quantile(1) > 2_000_000, 'the huge value is clamped into the last bucket')
  h.record(0.005)
  h.reset()
  t.equal(h.count, 0)
  h.record(0.003)
  t.equal(h.quantile(1), 0.003, 'exact below 16 µs')
})
