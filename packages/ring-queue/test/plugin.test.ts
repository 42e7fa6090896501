import Fastify from 'fastify'
import t from 'tap'
import ringQueuePlugin, { ringQueuePlugin as named, PLUGIN_DEFAULTS } from '../src/plugin.ts'

t.test('decorates fastify.queues; a route submits work', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ringQueuePlugin, {
    queues: { double: { capacity: 8, concurrency: 2, worker: async (x: number) => x * 2 } }
  })
  app.post('/double', async (request) => ({
    result: await app.queues.double!.submit((request.body as { n: number }).n)
  }))
  const res = await app.inject({ method: 'POST', url: '/double', payload: { n: 21 } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { result: 42 })
  t.equal(app.queues.double!.stats().completed, 1)
  t.equal(named, ringQueuePlugin)
  t.equal(PLUGIN_DEFAULTS.closeTimeoutMs, 10_000)
})

t.test('route admission: 503 + Retry-After + JSON body while the queue is overloaded', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const release: Array<() => void> = []
  await app.register(ringQueuePlugin, {
    queues: {
      llm: {
        capacity: 1,
        codel: { intervalMs: 2500 },
        worker: () =>
          new Promise<string>((resolve) => {
            release.push(() => resolve('done'))
          })
      }
    }
  })
  let handled = 0
  const handler = async () => {
    handled++
    return { reply: await app.queues.llm!.submit('turn') }
  }
  app.post('/chat', { config: { queue: 'llm' } }, handler)
  app.post('/chat2', { config: { queue: 'llm' }, preHandler: async () => {} }, handler)
  app.post('/chat3', { config: { queue: 'llm' }, preHandler: [async () => {}] }, handler)
  app.post('/nolimit', handler)

  const first = app.inject({ method: 'POST', url: '/chat' })
  const second = app.inject({ method: 'POST', url: '/chat2' })
  await new Promise((r) => setImmediate(r))
  t.ok(app.queues.llm!.overloaded, 'one running, one queued: the ring of 1 is full')

  for (const url of ['/chat', '/chat3']) {
    const shed = await app.inject({ method: 'POST', url })
    t.equal(shed.statusCode, 503)
    t.equal(shed.headers['retry-after'], '3', '2500 ms rounded up to seconds')
    t.match(shed.json(), {
      statusCode: 503,
      code: 'QUEUE_OVERLOADED',
      error: 'Service Unavailable',
      message: /"llm"/
    })
  }
  t.equal(handled, 2, 'shed requests never reached the handler')

  // Without admission the handler runs and submit() itself rejects: same answer.
  const direct = await app.inject({ method: 'POST', url: '/nolimit' })
  t.equal(direct.statusCode, 503)
  t.equal(direct.headers['retry-after'], '3')
  t.equal(direct.json().code, 'QUEUE_OVERLOADED')

  release.shift()!()
  await new Promise((r) => setImmediate(r))
  release.shift()!()
  t.same((await first).json(), { reply: 'done' })
  t.same((await second).json(), { reply: 'done' })
})

t.test("route admission with mode 'request': 503 once the queue holds what can start in time", async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const clock = { t: 0 }
  const release: Array<() => void> = []
  await app.register(ringQueuePlugin, {
    queues: {
      llm: {
        capacity: 64,
        now: () => clock.t,
        codel: { mode: 'request', targetMs: 5, intervalMs: 100 },
        worker: () =>
          new Promise<string>((resolve) => {
            release.push(() => resolve('done'))
          })
      }
    }
  })
  const q = app.queues.llm!
  const warm = q.submit('warm-up')
  clock.t = 10
  release.shift()!()
  await warm
  app.post('/chat', { config: { queue: 'llm' } }, async () => ({ reply: await q.submit('turn') }))
  // One running; then queued while (depth + 0.5) x 10 ms <= 100 ms: 10 of them.
  const admitted = Array.from({ length: 11 }, () => app.inject({ method: 'POST', url: '/chat' }))
  for (let i = 0; i < 5 && q.depth < 10; i++) await new Promise((r) => setImmediate(r))
  t.equal(q.depth, 10)
  t.ok(q.overloaded)
  const shed = await app.inject({ method: 'POST', url: '/chat' })
  t.equal(shed.statusCode, 503)
  t.equal(q.retryAfterMs(), 110, '(10 queued + 1 running) x 10 ms')
  t.equal(shed.headers['retry-after'], '1', '110 ms rounded up to seconds')
  t.equal(shed.json().code, 'QUEUE_OVERLOADED')
  for (let i = 0; i < 11; i++) {
    clock.t += 10
    release.shift()!()
    for (let k = 0; k < 3 && release.length === 0 && i < 10; k++) await new Promise((r) => setImmediate(r))
  }
  for (const r of await Promise.all(admitted)) t.same(r.json(), { reply: 'done' })
})

t.test('other errors keep their own status; unknown queue names fail at route definition', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ringQueuePlugin, {
    queues: {
      failing: {
        worker: async () => {
          throw Object.assign(new Error('nope'), { statusCode: 418 })
        }
      }
    }
  })
  app.get('/fail', async () => app.queues.failing!.submit(1))
  const res = await app.inject('/fail')
  t.equal(res.statusCode, 418)
  t.equal(res.headers['retry-after'], undefined)
  const other = Fastify()
  t.teardown(() => other.close())
  await other.register(ringQueuePlugin, { queues: {} })
  t.throws(() => other.get('/x', { config: { queue: 'missing' } }, async () => 'x'), {
    code: 'QUEUE_UNKNOWN',
    message: /no queue named "missing"/
  })
  t.throws(() => other.get('/y', { config: { queue: 5 as never } }, async () => 'y'), {
    code: 'QUEUE_UNKNOWN'
  })
})

t.test('options are checked; registering twice fails', async (t) => {
  const bad = Fastify()
  t.teardown(() => bad.close())
  await t.rejects(async () => bad.register(ringQueuePlugin, { closeTimeoutMs: -1 }).ready(), {
    code: 'RING_INVALID_OPTION'
  })
  const bad2 = Fastify()
  t.teardown(() => bad2.close())
  await t.rejects(
    async () => bad2.register(ringQueuePlugin, { queues: { a: { capacity: 1 } as never } }).ready(),
    {
      code: 'RING_INVALID_OPTION_TYPE',
      message: /"worker"/
    }
  )
  const bad3 = Fastify()
  t.teardown(() => bad3.close())
  await t.rejects(async () => bad3.register(ringQueuePlugin, { queues: { a: 5 as never } }).ready(), {
    message: /"queues.a"/
  })
  const twice = Fastify()
  t.teardown(() => twice.close())
  twice.register(ringQueuePlugin, {})
  twice.register(ringQueuePlugin, {})
  await t.rejects(async () => twice.ready(), { message: /registered once per instance/ })
  const empty = Fastify()
  t.teardown(() => empty.close())
  await empty.register(ringQueuePlugin)
  t.same(empty.queues, {})
})

t.test('close drains the queues within the deadline', async (t) => {
  const app = Fastify()
  const done: number[] = []
  await app.register(ringQueuePlugin, {
    queues: {
      q: {
        capacity: 8,
        worker: async (n: number) => {
          await new Promise((r) => setImmediate(r))
          done.push(n)
          return n
        }
      }
    }
  })
  const results = [1, 2, 3].map((n) => app.queues.q!.submit(n))
  await app.close()
  t.same(done, [1, 2, 3], 'queued work finished before close resolved')
  t.same(await Promise.all(results), [1, 2, 3])
  await t.rejects(app.queues.q!.submit(4), { code: 'RING_CLOSED' })
})

t.test('close past the deadline rejects what is still queued', async (t) => {
  const warnings: string[] = []
  const app = Fastify({
    logger: {
      level: 'warn',
      stream: {
        write: (line: string) => {
          warnings.push(line)
        }
      }
    }
  })
  await app.register(ringQueuePlugin, {
    closeTimeoutMs: 0,
    queues: { stuck: { capacity: 4, worker: () => new Promise<never>(() => {}) } }
  })
  void app.queues.stuck!.submit(1)
  const queued = app.queues.stuck!.submit(2)
  const rejected = t.rejects(queued, { code: 'RING_CLOSED' })
  await app.close()
  await rejected
  t.match(warnings.join(''), /drain deadline passed/)
})
