import { randomBytes } from 'node:crypto'
import { Agent, createServer, request, type Server } from 'node:http'
import { startNginx } from '@chatbot-pro/test-utils'
import t from 'tap'
import { NginxRing, type ServerSpec } from '../src/index.ts'

// Proves NginxRing against a real nginx (Debian's, started on loopback by the test helper):
// N backends answer with their own address, nginx routes by `hash $arg_key consistent`, and
// every key's backend must be ring.owner(key as nginx sees it).

async function backend(): Promise<{ server: Server; address: string }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain')
    res.end(address)
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = `127.0.0.1:${(server.address() as { port: number }).port}`
  return { server, address }
}

function upstream(name: string, specs: readonly ServerSpec[]): string {
  const lines = specs.map(
    (s) => `    server ${s.server}${s.weight ? ` weight=${s.weight}` : ''}${s.down ? ' down' : ''};`
  )
  return `  upstream ${name} {\n    hash $arg_key consistent;\n${lines.join('\n')}\n    keepalive 32;\n  }`
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 })

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
async function route(base: string, keys: readonly string[]): Promise<string[]> {
  const out = new Array<string>(keys.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const i = next++
      out[i] = await get(`${base}?key=${keys[i]}`)
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
    agent.destroy()
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
  server {
    listen 127.0.0.1:${port};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location /equal { proxy_pass http://equal; }
    location /weighted { proxy_pass http://weighted; }
    location /down { proxy_pass http://down; }
  }`
  })
  t.teardown(() => nginx.close())

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
