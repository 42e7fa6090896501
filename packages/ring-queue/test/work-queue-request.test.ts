// The 'request' shedding mode of WorkQueue (request-queue CoDel + admission at submit + adaptive
// LIFO). Every test runs on an injected clock; the overload runs use the deterministic simulation
// that bench/ring-queue/overload.bench.ts reports.
import t from 'tap'
import { type QueueOverloaded, WorkQueue, type WorkQueueCoDelOptions } from '../src/index.ts'
import { fakeClock, thrown } from './fixtures/helpers.ts'
import { simulateOverload } from './fixtures/overload.ts'

const flush = () => new Promise<void>((resolve) => setImmediate(resolve))

function manualWorker() {
  const pending: Array<{ item: number; resolve: (v: number) => void }> = []
  const worker = (item: number) =>
    new Promise<number>((resolve) => {
      pending.push({ item, resolve })
    })
  return { pending, worker }
}

// A queue with one worker whose measured service time is `serviceMs`, and a recorder of outcomes.
async function warmQueue(codel: WorkQueueCoDelOptions, serviceMs = 10, capacity = 64) {
  const clock = fakeClock()
  const { pending, worker } = manualWorker()
  const q = new WorkQueue({ worker, capacity, now: clock.now, codel })
  const first = q.submit(-1)
  clock.advance(serviceMs)
  pending.shift()!.resolve(-1)
  await first
  const outcomes = new Map<number, string>()
  const errors: QueueOverloaded[] = []
  const submit = (i: number) => {
    void q.submit(i).then(
      () => outcomes.set(i, 'ok'),
      (e: QueueOverloaded) => {
        errors.push(e)
        outcomes.set(i, e.code)
      }
    )
  }
  // Completes the running item after `ms` and lets the next one start.
  const serve = async (ms = serviceMs) => {
    clock.advance(ms)
    pending.shift()!.resolve(0)
    await flush()
  }
  return { clock, pending, q, outcomes, errors, submit, serve }
}

const REQUEST = { mode: 'request', targetMs: 5, intervalMs: 100 } as const

t.test('options: mode and adaptiveLifo are checked and named', async (t) => {
  const worker = async (x: number) => x
  const typeErr = thrown(() => new WorkQueue({ worker, codel: { mode: 1 as never } }))
  t.ok(typeErr instanceof TypeError)
  t.match(typeErr, { code: 'RING_INVALID_OPTION_TYPE', message: /"mode" must be a string, got 1/ })
  const rangeErr = thrown(() => new WorkQueue({ worker, codel: { mode: 'fifo' as never } }))
  t.ok(rangeErr instanceof RangeError)
  t.match(rangeErr, {
    code: 'RING_INVALID_OPTION',
    message: /"mode" must be 'rfc8289' or 'request', got "fifo"/
  })
  t.match(
    thrown(() => new WorkQueue({ worker, codel: { mode: 'request', adaptiveLifo: 'yes' as never } })),
    { code: 'RING_INVALID_OPTION_TYPE', message: /"adaptiveLifo" must be a boolean/ }
  )
  const lifoRfc = thrown(() => new WorkQueue({ worker, codel: { adaptiveLifo: true } }))
  t.ok(lifoRfc instanceof RangeError)
  t.match(lifoRfc, { message: /"adaptiveLifo" must be false unless mode is 'request', got true/ })
  t.match(
    thrown(() => new WorkQueue({ worker, codel: { mode: 'request', intervalMs: 0 } })),
    { code: 'RING_INVALID_OPTION', message: /"intervalMs"/ }
  )
  const q = new WorkQueue({ worker, codel: { mode: 'request' } })
  t.equal(q.mode, 'request')
  t.equal(q.codel, undefined, 'no RFC 8289 instance in request mode')
  t.equal(q.retryAfterMs(), 100, 'default interval, before any service time is known')
  t.equal(await q.submit(2), 2)
  t.equal(new WorkQueue({ worker }).mode, 'rfc8289', 'RFC 8289 stays the default')
  t.equal(new WorkQueue({ worker, codel: false }).mode, undefined)
})

t.test('a short burst is absorbed, not shed: up to one interval of queueing', async (t) => {
  const { q, outcomes, submit, serve } = await warmQueue(REQUEST)
  // 1 starts at once; 9 queue, the last behind 8: expected wait (8 + 0.5) x 10 ms = 85 ms <= 100.
  for (let i = 0; i < 10; i++) submit(i)
  t.equal(q.depth, 9)
  t.equal(q.stats().dropped, 0)
  t.notOk(q.overloaded, 'a burst below one interval of work is admitted')
  t.notOk(q.stats().dropping)
  for (let i = 0; i < 10; i++) await serve()
  t.equal([...outcomes.values()].filter((o) => o === 'ok').length, 10, 'all served')
  t.ok(q.stats().sojournP99Ms >= 80 && q.stats().sojournP99Ms <= 90 * 1.0625, 'the last waited 80 ms')
  t.equal(q.stats().dropped, 0)
})

t.test(
  'a burst larger than one interval of work: the excess is shed at once, not after waiting',
  async (t) => {
    const { clock, q, outcomes, errors, submit, serve } = await warmQueue(REQUEST)
    for (let i = 0; i < 14; i++) submit(i)
    // Admitted: 1 running + 10 queued (the 10th behind 9: 95 ms); the 11th would wait 105 ms.
    t.equal(q.depth, 10)
    t.ok(q.overloaded, 'a submission now would be shed')
    await flush()
    t.same(
      [...outcomes.entries()].filter(([, o]) => o !== 'ok'),
      [11, 12, 13].map((i) => [i, 'QUEUE_OVERLOADED'])
    )
    t.equal(errors[0]!.statusCode, 503)
    // retryAfterMs from the measured drain rate: (10 queued + 1 running) x 10 ms / 1 worker.
    t.equal(errors[0]!.retryAfterMs, 110)
    t.equal(q.retryAfterMs(), 110)
    t.match(errors[0]!.message, /retry after 110 ms/)
    t.equal(clock.now(), 1010, 'shed at submit time')
    for (let i = 0; i < 11; i++) await serve()
    t.equal(q.stats().dropped, 3)
  }
)

t.test('sustained overload: after one interval the wait allowed drops to the target', async (t) => {
  const { q, outcomes, submit, serve } = await warmQueue(REQUEST)
  // 2x: two submissions per 10 ms service.
  let i = 0
  const sojourns: number[] = []
  let overloadedAt = -1
  for (let step = 0; step < 100; step++) {
    submit(i++)
    await flush()
    submit(i++)
    await serve()
    if (overloadedAt < 0 && q.stats().dropping) overloadedAt = step
    if (overloadedAt >= 0) sojourns.push(q.stats().sojournP99Ms)
  }
  t.ok(overloadedAt >= 8 && overloadedAt <= 12, `overloaded after ~one interval (step ${overloadedAt})`)
  const shed = [...outcomes.values()].filter((o) => o === 'QUEUE_OVERLOADED').length
  t.ok(shed >= 90 && shed <= 110, `about half shed: ${shed} of ${i}`)
  t.ok(q.depth <= 1, `admission keeps the queue at what starts within the target: depth ${q.depth}`)
  t.ok(q.stats().dropping)
  while (q.depth > 0 || q.inFlight > 0) await serve()
})

t.test('queued items past the limit are shed at dequeue, oldest first, never the last one', async (t) => {
  const { q, outcomes, submit, serve } = await warmQueue(REQUEST)
  // Enter overload with a queue admitted under the interval limit (a burst of 10)...
  for (let i = 0; i < 10; i++) submit(i)
  // ...that the worker then serves slowly (40 ms each): it stays non-empty past the interval.
  await serve(40)
  await serve(40)
  t.same([...outcomes.values()], ['ok', 'ok'], 'within the interval: nothing shed')
  t.notOk(q.stats().dropping)
  // At t+120 ms the queue has not been empty for an interval: the limit is now 5 ms, and every
  // queued item but the last has waited 120 ms.
  await serve(40)
  await flush()
  const shed = [...outcomes.entries()].filter(([, o]) => o === 'QUEUE_OVERLOADED').map(([k]) => k)
  t.same(shed, [3, 4, 5, 6, 7, 8], 'shed oldest first')
  t.equal(q.depth, 0)
  t.equal(q.inFlight, 1, 'the last item was started, not shed: the worker is never idled by shedding')
  t.ok(q.stats().dropping, 'overloaded while the shed memory lasts, even with an empty queue')
  t.notOk(q.overloaded, 'an empty ring admits')
  submit(10)
  t.ok(q.overloaded, 'one queued: the next would wait 15 ms > the 5 ms target')
  await serve()
  await serve()
  t.equal(outcomes.get(9), 'ok')
  t.equal(outcomes.get(10), 'ok')
})

t.test('recovery: once the overload ends nothing is shed, and bursts are absorbed again', async (t) => {
  const { clock, q, outcomes, submit, serve } = await warmQueue(REQUEST)
  let i = 0
  for (let step = 0; step < 60; step++) {
    submit(i++)
    await flush()
    submit(i++)
    await serve()
  }
  t.ok(q.stats().dropping, 'overloaded')
  while (q.depth > 0 || q.inFlight > 0) await serve()
  const shedDuring = q.stats().dropped
  // Half the capacity: one submission per 20 ms, served in 10 ms.
  for (let step = 0; step < 100; step++) {
    submit(i++)
    await serve()
    clock.advance(10)
  }
  t.equal(q.stats().dropped, shedDuring, 'no shedding below capacity')
  t.notOk(q.stats().dropping, 'the overload memory (16 intervals) has passed')
  t.notOk(q.overloaded)
  const before = i
  for (let k = 0; k < 10; k++) submit(i++)
  t.equal(q.depth, 9, 'a burst is absorbed again')
  while (q.depth > 0 || q.inFlight > 0) await serve()
  for (let k = before; k < i; k++) t.equal(outcomes.get(k), 'ok')
})

t.test('adaptive LIFO: newest first while overloaded, FIFO otherwise', async (t) => {
  const { q, pending, submit, serve } = await warmQueue({ ...REQUEST, adaptiveLifo: true })
  for (let i = 0; i < 3; i++) submit(i)
  await serve()
  t.equal(pending[0]!.item, 1, 'not overloaded: FIFO')
  // Keep the queue standing past one interval: now overloaded.
  let i = 3
  for (let step = 0; step < 15; step++) {
    submit(i++)
    await flush()
    submit(i++)
    await serve()
  }
  t.ok(q.stats().dropping)
  const newest = i
  for (let k = 0; k < 3; k++) submit(i++)
  t.ok(q.depth >= 1)
  await serve(0)
  t.ok(pending[0]!.item >= newest, `overloaded: the newest queued item started (${pending[0]!.item})`)
  while (q.depth > 0 || q.inFlight > 0) await serve()
})

t.test('ring full in request mode sheds at once; stats and close', async (t) => {
  const { q, outcomes, submit, serve } = await warmQueue(
    { mode: 'request', targetMs: 5, intervalMs: 10_000 },
    1,
    2
  )
  for (let i = 0; i < 5; i++) submit(i)
  await flush()
  t.equal(q.depth, 2)
  t.equal([...outcomes.values()].filter((o) => o === 'QUEUE_OVERLOADED').length, 2)
  t.ok(q.overloaded, 'full')
  await serve()
  await serve()
  await serve()
  const s = q.stats()
  t.equal(s.completed + s.dropped, 6, 'every submission settled, warm-up included')
  t.match(s, { depth: 0, inFlight: 0 })
  await q.close()
})

t.test('retryAfterMs in request mode: measured drain time, at least the target', async (t) => {
  const { q, submit, serve } = await warmQueue({ mode: 'request', targetMs: 50, intervalMs: 500 }, 10)
  t.equal(q.retryAfterMs(), 50, 'idle: the target')
  for (let i = 0; i < 20; i++) submit(i)
  t.equal(q.retryAfterMs(), 200, '(19 queued + 1 running) x 10 ms')
  while (q.depth > 0 || q.inFlight > 0) await serve()
  const zero = await warmQueue({ mode: 'request', targetMs: 0, intervalMs: 100 }, 0)
  t.equal(zero.q.retryAfterMs(), 100, 'no service time measured (0 ms): the interval')
})

t.test('no waiter or timer is left behind', async (t) => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  const before = timers()
  const { q, pending, outcomes, submit } = await warmQueue(REQUEST)
  for (let i = 0; i < 30; i++) submit(i)
  t.equal(timers(), before, 'the queue sets no timer')
  const closing = q.close({ drain: false })
  while (pending.length > 0) pending.shift()!.resolve(0)
  await closing
  await flush()
  t.equal(outcomes.size, 30, 'every submission settled')
  t.equal([...outcomes.values()].filter((o) => o === 'RING_CLOSED').length, 10)
  t.match(q.stats(), { depth: 0, inFlight: 0 })
})

// The simulated server: 200 LLM calls in flight at most, 600 ms +-10% each (capacity 333/s),
// target 50 ms / interval 500 ms (the reference server's CODEL_TARGET_MS / CODEL_INTERVAL_MS).
const SERVER = { capacity: 16_384, concurrency: 200, serviceMs: 600, serviceJitter: 0.1, durationMs: 20_000 }
const arrivalAt = (load: number) => SERVER.serviceMs / SERVER.concurrency / load
const TARGET = 50

t.test('sustained overload (simulated server): admitted wait <= 2x target, goodput >= 90%', async (t) => {
  const unloaded = await simulateOverload({
    ...SERVER,
    codel: { mode: 'request', targetMs: TARGET, intervalMs: 500 },
    arrivalMs: arrivalAt(0.5),
    poisson: true
  })
  t.equal(unloaded.shed, 0, 'nothing shed at half load')
  for (const load of [1.2, 2, 4]) {
    for (const adaptiveLifo of [false, true]) {
      const r = await simulateOverload({
        ...SERVER,
        codel: { mode: 'request', targetMs: TARGET, intervalMs: 500, adaptiveLifo },
        arrivalMs: arrivalAt(load),
        poisson: true
      })
      const name = `${load}x${adaptiveLifo ? ' LIFO' : ''}`
      t.ok(
        r.steadyP99 <= 2 * TARGET,
        `${name}: admitted p99 wait ${r.steadyP99.toFixed(1)} ms (after the onset)`
      )
      t.ok(
        r.max <= 500,
        `${name}: the onset is absorbed as a burst, at most one interval: max ${r.max.toFixed(0)} ms`
      )
      t.ok(r.goodputPct >= 90, `${name}: goodput ${r.goodputPct.toFixed(1)}%`)
      t.ok(
        r.latencyP99 <= 2 * unloaded.latencyP99,
        `${name}: admitted p99 latency ${r.latencyP99.toFixed(0)} ms vs unloaded ${unloaded.latencyP99.toFixed(0)} ms`
      )
      const expectedShed = 1 - 1 / load
      t.ok(
        Math.abs(r.shed / r.submitted - expectedShed) < 0.05,
        `${name}: shed ${((100 * r.shed) / r.submitted).toFixed(1)}% (excess load ${(100 * expectedShed).toFixed(1)}%)`
      )
      t.ok(
        r.retryAfter.min >= TARGET && r.retryAfter.p50 <= 2 * SERVER.serviceMs,
        `${name}: retryAfterMs ${r.retryAfter.min}..${r.retryAfter.p50}..${r.retryAfter.max}`
      )
      t.equal(r.stats.dropped + r.stats.completed, r.submitted, `${name}: every submission settled`)
    }
  }
  const rfc = await simulateOverload({
    ...SERVER,
    codel: { targetMs: TARGET, intervalMs: 500 },
    arrivalMs: arrivalAt(2),
    poisson: true
  })
  t.ok(rfc.p99 > 10 * TARGET, `RFC 8289 CoDel at 2x for comparison: p99 wait ${rfc.p99.toFixed(0)} ms`)
})

t.test('closed-loop clients that honour retryAfterMs (the end-to-end bench): 2x clients', async (t) => {
  const base = { ...SERVER, serviceJitter: 0.05, clients: 400, durationMs: 15_000 }
  const request = await simulateOverload({
    ...base,
    codel: { mode: 'request', targetMs: TARGET, intervalMs: 500 }
  })
  const rfc = await simulateOverload({ ...base, codel: { targetMs: TARGET, intervalMs: 500 } })
  t.comment(`request: p99 wait ${request.p99} ms, shed ${request.shed}/${request.submitted}`)
  t.comment(`rfc8289: p99 wait ${rfc.p99} ms, shed ${rfc.shed}/${rfc.submitted}`)
  t.ok(request.steadyP99 <= 2 * TARGET, `request: admitted p99 wait ${request.steadyP99.toFixed(1)} ms`)
  t.ok(request.max <= 500, `request: max ${request.max.toFixed(0)} ms`)
  t.ok(request.goodputPct >= 90, `request: goodput ${request.goodputPct.toFixed(1)}%`)
  t.ok(rfc.p50 > 5 * TARGET, `rfc8289: admitted p50 wait ${rfc.p50.toFixed(0)} ms (the issue's ~490 ms)`)
})
