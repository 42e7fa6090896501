import HashRing from 'hashring'
import t from 'tap'
import { KetamaRing } from '../src/index.ts'

function keys(n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < n; i++)
    out.push(i % 3 === 0 ? crypto.randomUUID() : i % 3 === 1 ? `user:${i}` : `用户-${i}-ü`)
  return out
}

t.test('KetamaRing agrees with hashring on equal weights', async (t) => {
  const servers = ['10.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211', '10.0.0.4:11211']
  const ours = new KetamaRing(servers.map((server) => ({ server })))
  const theirs = new HashRing(servers)
  const ks = keys(10_000)
  t.same(
    ks.filter((k) => ours.owner(k) !== theirs.get(k)),
    [],
    `all ${ks.length} keys`
  )
  t.equal(ours.size, 4 * 40 * 4)
})

t.test('KetamaRing agrees with hashring on weighted servers', async (t) => {
  const weights: Record<string, number> = { 'a:1': 1, 'b:2': 3, 'c:3': 7, 'd:4': 2, 'e:5': 10 }
  const ours = new KetamaRing(Object.entries(weights).map(([server, weight]) => ({ server, weight })))
  const theirs = new HashRing(weights)
  const ks = keys(10_000)
  t.same(
    ks.filter((k) => ours.owner(k) !== theirs.get(k)),
    []
  )
})

t.test('vnodes option, down servers, empty ring, bad options', async (t) => {
  const r = new KetamaRing([{ server: 'a:1' }, { server: 'b:1', down: true }], { vnodes: 10 })
  t.equal(r.size, 10 * 4)
  t.equal(r.owner('x'), 'a:1')
  t.throws(() => new KetamaRing([]).owner('x'), { code: 'AFFINITY_EMPTY_RING' })
  t.throws(() => new KetamaRing([{ server: 'a' }], { vnodes: 0 }), {
    code: 'AFFINITY_OPTION_RANGE',
    message: /vnodes/
  })
})
