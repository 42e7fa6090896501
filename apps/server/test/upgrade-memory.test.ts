import type { AddressInfo } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { client, SECRET } from './fixtures/harness.ts'

setFlagsFromString('--expose_gc')
const gc = runInNewContext('gc') as () => void

t.test('nothing of the upgrade request outlives it while the connection stays open', async (t) => {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    CHATBOT_SECRET: SECRET,
    LLM_LATENCY_MS: '1'
  })
  const app = await buildApp(config, { logger: false })
  t.teardown(() => app.close())
  const refs: Array<WeakRef<object>> = []
  app.addHook('onRequest', async (request, reply) => {
    refs.push(new WeakRef(request), new WeakRef(reply), new WeakRef(request.raw))
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const c = client(t, `ws://127.0.0.1:${port}/v1/chat`)
  const session = await c.hello()
  t.equal(session.type, 'session')
  c.send({ v: 1, type: 'text', id: 'a', text: 'where is my parcel?' })
  await c.next('reply')
  t.equal(refs.length, 3, 'the upgrade went through the hook')
  for (let i = 0; i < 5 && refs.some((r) => r.deref() !== undefined); i++) {
    await new Promise((r) => setTimeout(r, 20))
    gc()
  }
  t.same(
    refs.map((r) => r.deref() === undefined),
    [true, true, true],
    'Fastify request and reply and the IncomingMessage collected'
  )
  t.equal(c.ws.readyState, c.ws.OPEN, 'the connection is still open')
  c.send({ v: 1, type: 'text', id: 'b', text: 'and my refund?' })
  t.equal((await c.next('reply')).id, 'b', 'and still works')
})
