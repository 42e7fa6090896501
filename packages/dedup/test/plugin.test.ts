import Fastify from 'fastify'
import t from 'tap'
import dedupPlugin, { Dedup, dedupPlugin as named } from '../src/plugin.ts'

const user = 'I think the new phone has a really great camera and battery life'

t.test('decorates fastify.dedup with the configured functions and counters', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  t.equal(dedupPlugin, named)
  await app.register(dedupPlugin, { threshold: 0.5, mode: 'cut', n: 3 })
  app.post<{ Body: { user: string; reply: string } }>('/check', async (req) => {
    const r = app.dedup.check(req.body.reply, req.body.user)
    return { text: r.text, echo: r.echo }
  })
  app.get('/metrics', async () => ({ ...app.dedup.stats, echoRate: app.dedup.echoRate }))
  await app.ready()
  t.ok(app.dedup instanceof Dedup)
  t.equal(app.dedup.options.threshold, 0.5)
  t.equal(app.dedup.options.mode, 'cut')
  t.equal(app.dedup.options.n, 3)
  const res = await app.inject({
    method: 'POST',
    url: '/check',
    payload: { user, reply: `Sure. ${user}. The camera is superb.` }
  })
  t.same(res.json(), { text: 'Sure.', echo: true })
  await app.inject({ method: 'POST', url: '/check', payload: { user, reply: 'The camera is superb.' } })
  const metrics = await app.inject('/metrics')
  t.same(metrics.json(), {
    repliesChecked: 2,
    echoesFound: 1,
    loopsFound: 0,
    bytesStripped: `Sure. ${user}. The camera is superb.`.length - 'Sure.'.length,
    echoRate: 0.5
  })
})

t.test('defaults, and the guard counts too', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(dedupPlugin)
  await app.ready()
  t.equal(app.dedup.options.mode, 'strip')
  const g = app.dedup.guard(user)
  g.push(`${user}. Right.`)
  g.end()
  t.equal(app.dedup.stats.echoesFound, 1)
})

t.test('bad options fail registration with the error code', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(dedupPlugin, { threshold: 3 })
  await t.rejects(
    async () => {
      await app.ready()
    },
    { code: 'DEDUP_OPTION_RANGE' }
  )
})

t.test('registering twice is refused by Fastify (decorator already present)', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(dedupPlugin)
  app.register(dedupPlugin)
  await t.rejects(async () => {
    await app.ready()
  })
})
