import t from 'tap'
import { jsonSerializer, MemoryStore } from '../src/index.ts'
import { clock } from './fixtures/stores.ts'

t.test('versioned writes, TTL, expiry events', async (t) => {
  const c = clock()
  const store = new MemoryStore({ now: c.now })
  t.teardown(() => store.close())
  await store.ready()
  t.same(await store.setMany([{ key: 'a', payload: '1', version: 5 }], 1000), ['written'])
  t.same(await store.get('a'), { payload: '1', version: 5, ttlMs: 1000 })
  t.same(
    await store.setMany(
      [
        { key: 'a', payload: '0', version: 4 },
        { key: 'a', payload: '1', version: 5 },
        { key: 'a', payload: 'x', version: 5 }
      ],
      1000
    ),
    ['stale', 'written', 'stale'],
    'older refused, same write is idempotent, same version other payload refused'
  )
  t.same(await store.pttl(['a', 'b']), [1000, -2])
  const expired: string[] = []
  store.on('expired', (k) => expired.push(k))
  c.advance(1000)
  store.sweep()
  t.same(expired, ['a'])
  t.equal(await store.get('a'), undefined)
  t.equal(store.size, 0)
  await store.setMany([{ key: 'b', payload: '1', version: 1 }], 10)
  await store.delete('b')
  t.equal(await store.get('b'), undefined)
  t.throws(() => new MemoryStore({ sweepIntervalMs: 0 }), { code: 'CACHE_INVALID_OPTION' })
})

t.test('the sweep timer runs', async (t) => {
  const c = clock()
  const store = new MemoryStore({ now: c.now, sweepIntervalMs: 5 })
  t.teardown(() => store.close())
  const keepAlive = setInterval(() => {}, 1000) // the sweep timer is unref()ed
  t.teardown(() => clearInterval(keepAlive))
  await store.setMany([{ key: 'a', payload: '1', version: 1 }], 10)
  c.advance(20)
  const [key] = await new Promise<string[]>((resolve) => store.once('expired', (k) => resolve([k])))
  t.equal(key, 'a')
})

t.test('json serializer reads strings and buffers', async (t) => {
  t.same(jsonSerializer.deserialize('{"a":1}'), { a: 1 })
  t.same(jsonSerializer.deserialize(Buffer.from('[1]')), [1])
  t.equal(jsonSerializer.serialize(undefined), undefined)
})
