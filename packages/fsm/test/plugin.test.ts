import Fastify from 'fastify'
import t from 'tap'
import fsmPlugin, { fsmPlugin as named } from '../src/plugin.ts'

t.test('decorates fastify.conversations; wheel runs from ready to close', async (t) => {
  let now = 1_000_000
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fsmPlugin, { pauseAfterMs: 1_000, endAfterMs: 2_000, tickMs: 10, now: () => now })
  app.post<{ Params: { id: string }; Body: { text: string } }>('/chat/:id', async (req) => {
    const r = app.conversations.getOrCreate(req.params.id).send({ type: 'text', text: req.body.text })
    return { changed: r.changed, from: r.from, to: r.to }
  })
  t.equal(app.conversations.wheel.running, false, 'not started before ready')
  await app.ready()
  t.equal(app.conversations.wheel.running, true)
  const res = await app.inject({ method: 'POST', url: '/chat/u1', payload: { text: 'hi' } })
  t.same(res.json(), { changed: true, from: 'HELLO', to: 'CHATTING' })
  const c = app.conversations.get('u1')
  t.equal(c?.state, 'CHATTING')
  now += 1_000
  app.conversations.wheel.advance()
  t.equal(c?.state, 'PAUSE')
  await app.close()
  t.equal(app.conversations.wheel.running, false, 'stopped on close')
  t.equal(app.conversations.size, 0)
  t.equal(app.conversations.wheel.size, 0, 'timers disarmed on close')
})

t.test('the named export is the same wrapped plugin; defaults work', async (t) => {
  t.equal(named, fsmPlugin)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(named)
  await app.ready()
  t.equal(app.hasDecorator('conversations'), true)
  t.equal(app.conversations.wheel.tickMs, 100)
  t.equal(app.conversations.machine.initial, 'HELLO')
})

t.test('bad options fail at register time with a clear error', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(fsmPlugin, { pauseAfterMs: -5 })
  await t.rejects(
    async () => {
      await app.ready()
    },
    { code: 'FSM_OPTION_OUT_OF_RANGE', message: /pauseAfterMs/ }
  )
})

t.test('registering twice is refused by Fastify', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(fsmPlugin)
  app.register(fsmPlugin)
  await t.rejects(async () => {
    await app.ready()
  })
})
