import t from 'tap'
import { ChatClientError, Reply } from '../src/index.ts'

t.test('iterators wait for deltas, several at once, and end with the reply', async (t) => {
  const r = new Reply('m1', 'hi')
  const a = (async () => {
    const out: string[] = []
    for await (const d of r) out.push(d)
    return out
  })()
  const b = (async () => {
    const out: string[] = []
    for await (const d of r) out.push(d)
    return out
  })()
  await new Promise((resolve) => setImmediate(resolve))
  r.delta('Hello')
  r.delta('')
  await new Promise((resolve) => setImmediate(resolve))
  r.delta(' there')
  r.finish({ id: 'm1', text: 'Hello there', state: 'CHATTING', echo: false })
  r.delta('late')
  r.finish({ id: 'm1', text: 'ignored', state: 'END', echo: true })
  t.same(await a, ['Hello', ' there'])
  t.same(await b, ['Hello', ' there'])
  t.same(await r.result, { id: 'm1', text: 'Hello there', state: 'CHATTING', echo: false })
  t.ok(r.settled)
})

t.test('a failed reply: deltas so far, then the error; result rejects', async (t) => {
  const r = new Reply('m2', 'hi')
  r.delta('part')
  const err = new ChatClientError('LLM_TIMEOUT', 'slow', { statusCode: 502, cause: new Error('x') })
  r.fail(err)
  r.fail(new ChatClientError('OTHER', 'ignored'))
  const out: string[] = []
  await t.rejects(
    (async () => {
      for await (const d of r) out.push(d)
    })(),
    err
  )
  t.same(out, ['part'])
  await t.rejects(r.result, { code: 'LLM_TIMEOUT', statusCode: 502, name: 'ChatClientError' })
  t.equal(err.cause instanceof Error, true)
  t.equal(err.retryAfterMs, undefined)
})

t.test('an empty reply yields nothing', async (t) => {
  const r = new Reply('m3', 'hi')
  r.finish({ id: 'm3', text: '', state: 'CHATTING', echo: true })
  const out: string[] = []
  for await (const d of r) out.push(d)
  t.same(out, [])
})
