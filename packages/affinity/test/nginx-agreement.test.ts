import { randomBytes } from 'node:crypto'
import { Agent, createServer, request, type Server } from 'node:http'
import { crc32 } from 'node:zlib'
import { freePort, startNginx } from '@chatbot-pro/test-utils'
import t from 'tap'
import { NginxRing, nginxPoints, type ServerSpec } from '../src/index.ts'

// Proves NginxRing against a real nginx (Debian's, started on loopback by the test helper):
// N backends answer with their own address, nginx routes by `hash $arg_key consistent`, and
// every key's backend must be ring.owner(key as nginx sees it).

async function backend(host = '127.0.0.1', port = 0): Promise<{ server: Server; address: string }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain')
    res.end(address)
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  const address = `${host}:${(server.address() as { port: number }).port}`
  return { server, address }
}

function upstream(name: string, specs: readonly ServerSpec[]): string {
  const lines = specs.map(
    (s) => `    server ${s.server}${s.weight ? ` weight=${s.weight}` : ''}${s.down ? ' down' : ''};`
  )
  return `  upstream ${name} {\n    hash $arg_key consistent;\n${lines.join('\n')}\n    keepalive 32;\n  }`
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 })
t.teardown(() => agent.destroy())

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve(body))
    })
      .once('error', reject)
      .end()
  })
}

/** Asks nginx for every key, 32 at a time; returns the backend that answered each. */
function route(base: string, keys: readonly string[]): Promise<string[]> {
  return routeParam(base, 'key', keys)
}

/** Like `route`, with the key in the query argument `param`. */
async function routeParam(base: string, param: string, keys: readonly string[]): Promise<string[]> {
  const out = new Array<string>(keys.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const i = next++
      out[i] = await get(`${base}?${param}=${keys[i]}`)
    }
  }
  await Promise.all(Array.from({ length: 32 }, worker))
  return out
}

/** Keys as nginx sees them in `$arg_key`: percent-encoded UTF-8 where needed. */
function makeKeys(n: number): string[] {
  const samples = ['用户', 'über', 'naïve café', '🙂', 'Ελληνικά', 'שלום', 'a b+c', '100%']
  const keys: string[] = []
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0:
        keys.push(crypto.randomUUID())
        break
      case 1:
        keys.push(encodeURIComponent(`${samples[i % samples.length]}-${i}`))
        break
      case 2:
        keys.push(randomBytes(1 + (i % 24)).toString('base64url'))
        break
      default:
        keys.push(`user${i}`)
    }
  }
  return keys
}

t.test('NginxRing.owner(key) is the backend a real nginx picks, for every key', async (t) => {
  const backends = await Promise.all(Array.from({ length: 5 }, backend))
  t.teardown(() => {
    for (const b of backends) b.server.close()
    for (const b of backends) b.server.closeAllConnections()
  })
  const [a, b, c, d, e] = backends.map((x) => x.address) as [string, string, string, string, string]
  const equal: ServerSpec[] = [{ server: a }, { server: b }, { server: c }]
  const weighted: ServerSpec[] = [
    { server: a, weight: 1 },
    { server: b, weight: 3 },
    { server: c, weight: 2 },
    { server: d, weight: 5 },
    { server: e }
  ]
  const withDown: ServerSpec[] = [
    { server: a },
    { server: b, down: true },
    { server: c, weight: 2 },
    { server: d }
  ]
  const nginx = await startNginx({
    config: ({ port }) => `${upstream('equal', equal)}
${upstream('weighted', weighted)}
${upstream('down', withDown)}
  map $arg_uid $affinity_key {
    ""      $request_id;
    default $arg_uid;
  }
  upstream chat {
    hash $affinity_key consistent;
    server ${a};
    server ${b} weight=2;
    server ${c};
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location /equal { proxy_pass http://equal; }
    location /weighted { proxy_pass http://weighted; }
    location /down { proxy_pass http://down; }
    location /v1/chat { proxy_pass http://chat; }
  }`
  })
  t.teardown(() => nginx.close())

  // The README's config: uid in the URL routes to its owner; no uid spreads by $request_id.
  const chat = new NginxRing([{ server: a }, { server: b, weight: 2 }, { server: c }])
  const uids = makeKeys(1000)
  const routed = await routeParam(`${nginx.url}/v1/chat`, 'uid', uids)
  t.same(
    uids.filter((u, i) => routed[i] !== chat.owner(u)),
    [],
    '/v1/chat?uid=... reaches ownerOf(uid)'
  )
  const fresh = new Set(
    await routeParam(
      `${nginx.url}/v1/chat`,
      'x',
      Array.from({ length: 60 }, (_, i) => `${i}`)
    )
  )
  t.same([...fresh].sort(), [a, b, c].sort(), 'new sessions (no uid) reach every node')

  const cases: Array<[string, ServerSpec[]]> = [
    ['equal', equal],
    ['weighted', weighted],
    ['down', withDown]
  ]
  for (const [name, specs] of cases) {
    const ring = new NginxRing(specs)
    const keys = makeKeys(3000)
    const got = await route(`${nginx.url}/${name}`, keys)
    const wrong = keys.filter((k, i) => got[i] !== ring.owner(k))
    t.same(wrong, [], `${name}: all ${keys.length} keys routed as the ring says`)
    const hits = new Map<string, number>()
    for (const g of got) hits.set(g, (hits.get(g) ?? 0) + 1)
    const up = specs.filter((s) => !s.down).map((s) => s.server)
    t.same([...hits.keys()].sort(), [...up].sort(), `${name}: every up server got keys, no down one did`)
  }

  // An empty key is not hashed: nginx falls back to round robin (so new sessions without a uid
  // spread anyway; the README's map makes that explicit and version-proof).
  const empty = new Set(
    await route(
      `${nginx.url}/equal`,
      Array.from({ length: 30 }, () => '')
    )
  )
  t.same([...empty].sort(), [a, b, c].sort(), 'empty key: round robin over all servers')
})

/** Two loopback servers `127.0.0.A:P` and `127.0.0.B:P` (same free port) that share a ring point. */
async function collidingPair(): Promise<{ x: string; y: string; shared: number }> {
  for (;;) {
    const port = await freePort()
    const seen = new Map<number, string>()
    for (let a = 2; a < 255; a++) {
      const server = `127.0.0.${a}:${port}`
      for (const p of nginxPoints(server, 1)) {
        const other = seen.get(p)
        if (other !== undefined && other !== server) return { x: other, y: server, shared: p }
        seen.set(p, server)
      }
    }
  }
}

t.test('equal points: nginx keeps the server listed first, as NginxRing does', async (t) => {
  let pair: { x: string; y: string; shared: number } | undefined
  let servers: Server[] = []
  // The port was free on 127.0.0.1; retry with another pair if it is taken on .A or .B.
  for (let attempt = 0; attempt < 20 && !pair; attempt++) {
    const found = await collidingPair()
    const [hx, px] = found.x.split(':') as [string, string]
    const [hy] = found.y.split(':') as [string]
    try {
      const bx = await backend(hx, Number(px))
      try {
        const by = await backend(hy, Number(px))
        servers = [bx.server, by.server]
        pair = found
      } catch {
        bx.server.close()
      }
    } catch {}
  }
  if (!pair) throw new Error('no colliding pair could be bound')
  const { x, y, shared } = pair
  t.teardown(() => {
    for (const s of servers) {
      s.close()
      s.closeAllConnections()
    }
  })
  const xy: ServerSpec[] = [{ server: x }, { server: y }]
  const yx: ServerSpec[] = [{ server: y }, { server: x }]
  const nginx = await startNginx({
    config: ({ port }) => `${upstream('xy', xy)}
${upstream('yx', yx)}
  server {
    listen 127.0.0.1:${port};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location /xy { proxy_pass http://xy; }
    location /yx { proxy_pass http://yx; }
  }`
  })
  t.teardown(() => nginx.close())
  // Keys whose CRC-32 falls in the arc that ends at the shared point.
  const all = [...nginxPoints(x, 1), ...nginxPoints(y, 1)].sort((p, q) => p - q)
  const prev = all[all.indexOf(shared) - 1] as number
  const keys: string[] = []
  for (let i = 0; keys.length < 20; i++) {
    const h = crc32(`tie${i}`)
    if (h > prev && h <= shared) keys.push(`tie${i}`)
  }
  const ringXY = new NginxRing(xy)
  const ringYX = new NginxRing(yx)
  t.same(
    await route(`${nginx.url}/xy`, keys),
    keys.map(() => x),
    `${x} listed first owns the shared point`
  )
  t.same(
    await route(`${nginx.url}/yx`, keys),
    keys.map(() => y),
    `${y} listed first owns the shared point`
  )
  t.same(
    keys.map((k) => ringXY.owner(k)),
    keys.map(() => x)
  )
  t.same(
    keys.map((k) => ringYX.owner(k)),
    keys.map(() => y)
  )
  const more = makeKeys(1000)
  const got = await route(`${nginx.url}/xy`, more)
  t.same(
    more.filter((k, i) => got[i] !== ringXY.owner(k)),
    [],
    'and every other key agrees too'
  )
})
