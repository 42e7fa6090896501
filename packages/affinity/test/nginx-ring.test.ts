import { crc32 as zcrc32 } from 'node:zlib'
import t from 'tap'
import { loadCrc32 } from '../src/crc32.ts'
import { NGINX_POINTS_PER_WEIGHT, NginxRing, nginxPoints, splitServer } from '../src/index.ts'

t.test('splitServer follows nginx: unix:, trailing :digits, else all host', async (t) => {
  t.same(splitServer('127.0.0.1:8080'), { host: '127.0.0.1', port: '8080' })
  t.same(splitServer('node-a:80'), { host: 'node-a', port: '80' })
  t.same(splitServer('backend'), { host: 'backend', port: '' }, 'no port: empty, not 80')
  t.same(splitServer('[::1]:9000'), { host: '[::1]', port: '9000' })
  t.same(splitServer('[::1]'), { host: '[::1]', port: '' })
  t.same(splitServer('UNIX:/run/a.sock'), { host: '/run/a.sock', port: '' })
  t.same(splitServer('unix:/run/b:1'), { host: '/run/b:1', port: '' }, 'unix: wins over :digits')
  t.same(splitServer('host:'), { host: 'host', port: '' })
  t.same(splitServer('a:b1'), { host: 'a:b1', port: '' }, 'a non-digit before the colon ends the scan')
})

t.test('nginxPoints chains crc32(host NUL port prev-LE32)', async (t) => {
  const pts = nginxPoints('10.0.0.1:11211', 2)
  t.equal(pts.length, 2 * NGINX_POINTS_PER_WEIGHT)
  // Independent derivation with Buffers, one whole message per point.
  let prev = Buffer.alloc(4)
  for (let k = 0; k < pts.length; k++) {
    const h = zcrc32(Buffer.concat([Buffer.from('10.0.0.1'), Buffer.from([0]), Buffer.from('11211'), prev]))
    t.equal(pts[k], h, `point ${k}`)
    if (pts[k] !== h) break
    prev = Buffer.alloc(4)
    prev.writeUInt32LE(h)
  }
  t.equal(
    nginxPoints('10.0.0.1:11211', 1)[0],
    zcrc32(Buffer.from('10.0.0.1\u000011211\u0000\u0000\u0000\u0000'))
  )
})

t.test('owner() is the first point >= crc32(key), wrapping around', async (t) => {
  const specs = [{ server: 'a:1' }, { server: 'b:2', weight: 2 }]
  const ring = new NginxRing(specs)
  t.equal(ring.size, 3 * NGINX_POINTS_PER_WEIGHT)
  const all: Array<[number, string]> = []
  for (const s of specs) for (const p of nginxPoints(s.server, s.weight ?? 1)) all.push([p, s.server])
  all.sort((x, y) => x[0] - y[0])
  const brute = (key: string): string => {
    const h = zcrc32(key)
    return (all.find(([p]) => p >= h) ?? all[0])[1]
  }
  for (let i = 0; i < 5000; i++) t.equal(ring.owner(`k${i}`), brute(`k${i}`)) || t.end()
  // A key whose crc32 is above every point wraps to the first point.
  const last = (all[all.length - 1] as [number, string])[0]
  let key = ''
  for (let i = 0; ; i++) {
    if (zcrc32(`w${i}`) > last) {
      key = `w${i}`
      break
    }
  }
  t.equal(ring.owner(key), (all[0] as [number, string])[1], 'wrap-around')
  // A key exactly on a point belongs to that point.
  t.equal(ring.servers.length, 2)
})

t.test('equal points keep the server listed first', async (t) => {
  // Found by search: these two servers share one point (nginx keeps one of them).
  const x = '10.0.0.122:8080'
  const y = '10.0.0.218:8080'
  const shared = 3343200412
  t.ok(nginxPoints(x, 1).includes(shared) && nginxPoints(y, 1).includes(shared), 'the premise holds')
  const xy = new NginxRing([{ server: x }, { server: y }])
  const yx = new NginxRing([{ server: y }, { server: x }])
  t.equal(xy.size, 319, 'one point fewer')
  const all = [...nginxPoints(x, 1), ...nginxPoints(y, 1)].sort((p, q) => p - q)
  const prev = all[all.indexOf(shared) - 1] as number
  let key = ''
  for (let i = 0; ; i++) {
    const h = zcrc32(`t${i}`)
    if (h > prev && h <= shared) {
      key = `t${i}`
      break
    }
  }
  t.equal(xy.owner(key), x, 'listed first wins')
  t.equal(yx.owner(key), y, 'listed first wins, the other way round')
  t.throws(() => new NginxRing([{ server: x }, { server: x }]), { code: 'AFFINITY_DUPLICATE_SERVER' })
})

t.test('down servers keep their points and pass keys on clockwise', async (t) => {
  const up = new NginxRing([{ server: 'a:1' }, { server: 'b:1' }, { server: 'c:1' }])
  const down = new NginxRing([{ server: 'a:1' }, { server: 'b:1', down: true }, { server: 'c:1' }])
  const without = new NginxRing([{ server: 'a:1' }, { server: 'c:1' }])
  let moved = 0
  for (let i = 0; i < 3000; i++) {
    const k = `u${i}`
    const o = down.owner(k)
    t.not(o, 'b:1')
    if (up.owner(k) !== 'b:1') t.equal(o, up.owner(k), 'keys of up servers do not move')
    else moved++
    // With b down, its keys go to the next point clockwise, exactly as if b were not listed.
    t.equal(o, without.owner(k))
  }
  t.ok(moved > 0)
  // The first points of the ring may be down ones: the wrap finds the next up server.
  const lastDown = new NginxRing([{ server: 'a:1', down: true }, { server: 'b:1' }])
  for (let i = 0; i < 100; i++) t.equal(lastDown.owner(`q${i}`), 'b:1')
})

t.test('an empty ring, or one with every server down, has no owner', async (t) => {
  t.throws(() => new NginxRing([]).owner('x'), { code: 'AFFINITY_EMPTY_RING', statusCode: 503 })
  t.throws(() => new NginxRing([{ server: 'a:1', down: true }]).owner('x'), { code: 'AFFINITY_EMPTY_RING' })
})

t.test('bad server lists are refused with the option named', async (t) => {
  const bad = (v: unknown) => () => new NginxRing(v as never)
  t.throws(bad('a:1'), { code: 'AFFINITY_INVALID_OPTION', message: /"servers"/ })
  t.throws(bad([null]), { code: 'AFFINITY_INVALID_OPTION', message: /servers\[0\]/ })
  t.throws(bad([{ server: '' }]), { code: 'AFFINITY_INVALID_OPTION', message: /servers\[0\]\.server/ })
  t.type(t.throws(bad([{ server: '' }])), TypeError)
  t.type(t.throws(bad([{ server: 'a', weight: 0 }])), RangeError)
  t.throws(bad([{ server: 'a', weight: '2' }]), { code: 'AFFINITY_INVALID_OPTION', message: /weight/ })
  t.throws(bad([{ server: 'a', weight: 0 }]), {
    code: 'AFFINITY_OPTION_RANGE',
    message: /\[1, 1000\], got 0/
  })
  t.throws(bad([{ server: 'a', weight: 1.5 }]), { code: 'AFFINITY_OPTION_RANGE' })
  t.throws(bad([{ server: 'a', down: 1 }]), { code: 'AFFINITY_INVALID_OPTION', message: /down/ })
  t.throws(bad([{ server: 1n }]), { message: /got 1n/ })
  t.throws(bad([{ server: () => 1 }]), { message: /got a function/ })
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  t.throws(bad([{ server: cyclic }]), { message: /got object/ })
  t.same(new NginxRing([{ server: 'a:1' }]).servers, [{ server: 'a:1', weight: 1, down: false }])
})

t.test('loadCrc32 refuses a Node without zlib.crc32', async (t) => {
  t.equal(loadCrc32({ crc32: zcrc32 }), zcrc32)
  t.throws(() => loadCrc32({}), /Node >= 20\.15.*Upgrade Node/)
})
