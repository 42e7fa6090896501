// Declaration merging: `fastify.queues` is typed from the plugin's augmentable FastifyQueues, and
// route `config.queue` is a known option. Checked by `tsc --noEmit` (the typecheck script) and run.
import Fastify from 'fastify'
import t from 'tap'
import type { WorkQueue } from '../src/index.ts'
import ringQueuePlugin from '../src/plugin.ts'

declare module '../src/plugin.ts' {
  interface FastifyQueues {
    typed: WorkQueue<number, string>
  }
}

t.test('fastify.queues is typed through declaration merging', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ringQueuePlugin, { queues: { typed: { worker: async (n: number) => `#${n}` } } })
  // No cast and no `!`: the merged interface declares `typed` with its item and result types.
  const reply: string = await app.queues.typed.submit(7)
  t.equal(reply, '#7')
  app.get('/typed', { config: { queue: 'typed' } }, async () => app.queues.typed.submit(1))
  t.equal((await app.inject('/typed')).body, '#1')
})
