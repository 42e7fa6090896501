import t from 'tap'
import { Affinity, type AffinityChange, NginxRing, normalizeOptions, StaticMembership } from '../src/index.ts'

const members = [{ server: 'a:1' }, { server: 'b:1', weight: 2 }, { server: 'c:1' }]

t.test('ownerOf / owns follow the nginx ring of the members', async (t) => {
  const aff = new Affinity({ self: 'b:1', members })
  await aff.start()
  const ring = new NginxRing(members)
  for (let i = 0; i < 2000; i++) {
    const uid = `u${i}`
    t.equal(aff.ownerOf(uid), ring.owner(uid))
    t.equal(aff.owns(uid), ring.owner(uid) === 'b:1')
  }
  t.equal(aff.self.server, 'b:1')
  t.equal(aff.members.length, 3)
  t.ok(aff.ring instanceof NginxRing)
  await aff.stop()
})

t.test('ring: ketama', async (t) => {
  const aff = new Affinity({ self: { server: 'a:1' }, members, ring: 'ketama' })
  t.equal(aff.ring.constructor.name, 'KetamaRing')
  t.equal(aff.ownerOf('x'), aff.ring.owner('x'))
})

t.test('mintUid returns fresh uids this node owns', async (t) => {
  const aff = new Affinity({ self: 'a:1', members })
  const seen = new Set<string>()
  for (let i = 0; i < 500; i++) {
    const uid = aff.mintUid()
    t.ok(aff.owns(uid)) || t.end()
    seen.add(uid)
  }
  t.equal(seen.size, 500, 'no repeats')
  t.match(aff.mintUid(), /^[0-9a-f-]{36}$/, 'a UUID by default (URL-safe)')
})

t.test('mintUid: bounded attempts, clear errors', async (t) => {
  let n = 0
  const gen = (): string => `g${n++}`
  const aff = new Affinity({ self: 'a:1', members, generateUid: gen, maxMintAttempts: 200 })
  const owned = [] as string[]
  for (let i = 0; i < 50; i++) owned.push(aff.mintUid())
  t.ok(owned.every((u) => aff.owns(u)))
  // A generator that only ever produces uids owned by someone else exhausts the attempts.
  const ring = new NginxRing(members)
  let k = 0
  const foreign = (): string => {
    for (;;) {
      const uid = `f${k++}`
      if (ring.owner(uid) !== 'a:1') return uid
    }
  }
  const stuck = new Affinity({ self: 'a:1', members, generateUid: foreign, maxMintAttempts: 7 })
  t.throws(() => stuck.mintUid(), {
    code: 'AFFINITY_MINT_EXHAUSTED',
    message: /none of 7 .*\(a:1\).*raise its weight/
  })
  const outsider = new Affinity({ self: 'z:1', members })
  t.throws(() => outsider.mintUid(), { code: 'AFFINITY_NOT_A_MEMBER', statusCode: 503, message: /z:1/ })
  t.equal(outsider.owns('u1'), false)
  const down = new Affinity({ self: 'a:1', members: [{ server: 'a:1', down: true }, { server: 'b:1' }] })
  t.throws(() => down.mintUid(), { code: 'AFFINITY_NOT_A_MEMBER' }, 'a down node owns nothing')
})

t.test('change events carry the rings before and after', async (t) => {
  const membership = new StaticMembership(members)
  const aff = new Affinity({ self: 'a:1', membership })
  const changes: AffinityChange[] = []
  aff.on('change', (c: AffinityChange) => changes.push(c))
  const before = aff.ring
  membership.set(members)
  t.equal(changes.length, 0, 'the same list is no change')
  membership.set([...members, { server: 'd:1' }])
  t.equal(changes.length, 1)
  const [c] = changes as [AffinityChange]
  t.equal(c.previous, before)
  t.equal(c.ring, aff.ring)
  t.same(
    c.joined.map((m) => m.server),
    ['d:1']
  )
  t.same(c.left, [])
  // About 1/4 of the keys move to the new node, and only to it.
  let moved = 0
  for (let i = 0; i < 4000; i++) {
    const a = c.previous.owner(`m${i}`)
    const b = c.ring.owner(`m${i}`)
    if (a !== b) {
      moved++
      t.equal(b, 'd:1') || t.end()
    }
  }
  t.ok(moved > 4000 * 0.12 && moved < 4000 * 0.4, `moved ${moved} of 4000`)
  membership.set([...members, { server: 'd:1', weight: 2 }])
  membership.set([...members, { server: 'd:1', weight: 2, down: true }])
  t.equal(changes.length, 3, 'a weight or down change is a change')
  t.same(changes[2]?.joined, [{ server: 'd:1', weight: 2, down: true }])
  changes.length = 1
  membership.set([{ server: 'a:1', weight: 2 }])
  t.same(
    changes[1]?.left.map((m) => m.server),
    ['a:1', 'b:1', 'c:1', 'd:1']
  )
  await aff.stop()
  membership.set(members)
  t.equal(changes.length, 2, 'no events after stop()')
})

t.test('membership errors reach error listeners only', async (t) => {
  const membership = new StaticMembership(members)
  const aff = new Affinity({ self: 'a:1', membership })
  membership.emit('error', new Error('nobody listens'))
  const errs: unknown[] = []
  aff.on('error', (e) => errs.push(e))
  membership.emit('error', new Error('boom'))
  t.match(errs, [{ message: 'boom' }])
})

t.test('options are checked', async (t) => {
  const mk = (o: unknown) => () => new Affinity(o as never)
  t.throws(mk(null), { code: 'AFFINITY_INVALID_OPTION', message: /"options"/ })
  t.throws(mk({ self: 'a:1' }), { message: /exactly one of them, got 0 of them/ })
  t.throws(mk({ self: 'a:1', members, membership: new StaticMembership([]) }), { message: /got 2 of them/ })
  t.throws(mk({ self: 'a:1', membership: {} }), { message: /"membership" must be a Membership/ })
  t.throws(mk({ self: 'a:1', members, ring: 'md5' }), { message: /"ring" must be "nginx" or "ketama"/ })
  t.throws(mk({ self: 'a:1', members, generateUid: 'x' }), { message: /generateUid/ })
  t.throws(mk({ self: 'a:1', members, maxMintAttempts: '1' }), { code: 'AFFINITY_INVALID_OPTION' })
  t.throws(mk({ self: 'a:1', members, maxMintAttempts: 0 }), { code: 'AFFINITY_OPTION_RANGE' })
  t.throws(mk({ self: '', members }), { message: /"self.server"/ })
  t.throws(mk({ self: 'a:1', members: [{ server: 'a:1' }, { server: 'a:1' }] }), {
    code: 'AFFINITY_DUPLICATE_SERVER'
  })
  const o = normalizeOptions({ self: 'a:1', members })
  t.ok(Object.isFrozen(o))
  t.equal(o.maxMintAttempts, 1000)
  t.equal(o.ring, 'nginx')
})

t.test('ringWithout: where the users of this node go once it has left', async (t) => {
  const aff = new Affinity({ self: 'b:1', members })
  const after = aff.ringWithout()
  const without = new NginxRing(members.filter((m) => m.server !== 'b:1'))
  for (let i = 0; i < 2000; i++) {
    const uid = `h${i}`
    t.equal(after.owner(uid), without.owner(uid)) || t.end()
    if (!aff.owns(uid)) t.equal(after.owner(uid), aff.ownerOf(uid), 'users of other nodes stay') || t.end()
  }
  t.same(
    aff.ringWithout('a:1').servers.map((s) => s.server),
    ['b:1', 'c:1']
  )
  const alone = new Affinity({ self: 'a:1', members: [{ server: 'a:1' }], ring: 'ketama' })
  t.throws(() => alone.ringWithout().owner('x'), { code: 'AFFINITY_EMPTY_RING' })
})
