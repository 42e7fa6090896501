import t from 'tap'
import { startApp } from './fixtures/harness.ts'

t.test('the page and the API send the security headers a browser client needs', async (t) => {
  const h = await startApp(t)
  for (const [method, path] of [
    ['GET', '/'],
    ['POST', '/v1/sessions'],
    ['GET', '/healthz']
  ] as const) {
    const res = await fetch(`${h.url}${path}`, { method })
    t.ok(res.status < 400, `${method} ${path}: ${res.status}`)
    t.equal(res.headers.get('x-content-type-options'), 'nosniff', `${path}: nosniff`)
    t.match(res.headers.get('content-security-policy'), /default-src 'self'/, `${path}: a CSP`)
    t.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', `${path}: no framing by others`)
    t.ok(res.headers.get('strict-transport-security'), `${path}: HSTS`)
    t.equal(res.headers.get('referrer-policy'), 'no-referrer', `${path}: no referrer`)
  }
})

t.test('CORS is off unless CORS_ORIGINS is set', async (t) => {
  const h = await startApp(t)
  const pre = await fetch(`${h.url}/v1/sessions`, {
    method: 'OPTIONS',
    headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' }
  })
  t.equal(pre.headers.get('access-control-allow-origin'), null, 'no preflight grant')
  const res = await fetch(`${h.url}/v1/sessions`, {
    method: 'POST',
    headers: { origin: 'https://elsewhere.example' }
  })
  t.equal(res.headers.get('access-control-allow-origin'), null, 'no grant on the response')
})

t.test('CORS_ORIGINS grants exactly the origins listed', async (t) => {
  const h = await startApp(t, { CORS_ORIGINS: 'https://app.example,https://admin.example' })
  const preflight = (origin: string) =>
    fetch(`${h.url}/v1/sessions`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type'
      }
    })
  const ok = await preflight('https://admin.example')
  t.ok(ok.status < 300, `preflight ${ok.status}`)
  t.equal(ok.headers.get('access-control-allow-origin'), 'https://admin.example')
  t.match(ok.headers.get('access-control-allow-headers'), /authorization/)
  const other = await preflight('https://evil.example')
  t.not(
    other.headers.get('access-control-allow-origin'),
    'https://evil.example',
    'another origin is not granted'
  )
  t.equal(other.headers.get('access-control-allow-origin'), null)
})

t.test('CORS_ORIGINS must be a list of http(s) origins', async (t) => {
  const { loadConfig } = await import('../src/config.ts')
  t.throws(() => loadConfig({ CORS_ORIGINS: '*' }), /CORS_ORIGINS/)
  t.throws(() => loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }), /CORS_ORIGINS/)
  t.equal(loadConfig({ CORS_ORIGINS: 'https://a.example' }).CORS_ORIGINS, 'https://a.example')
})
