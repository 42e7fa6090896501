import t from 'tap'
import { REDACTED, redactPaths, scrubSecrets } from '../src/index.ts'

t.test('secret-looking substrings are redacted', async (t) => {
  const jwt =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'
  const cases: Array<[string, string]> = [
    ['my key is sk-proj-abcdefghijklmnop1234 ok', `my key is ${REDACTED} ok`],
    ['sk-ant-api03-AAAAAAAAAAAAAAAAAAAA', REDACTED],
    ['Authorization: Bearer abc.def-ghi_jkl', `Authorization: Bearer ${REDACTED}`],
    ['basic dXNlcjpwYXNzd29yZA==', `basic ${REDACTED}`],
    [`token ${jwt}`, `token ${REDACTED}`],
    [jwt, REDACTED],
    ['AKIAIOSFODNN7EXAMPLE', REDACTED],
    [`ghp_${'a'.repeat(36)}`, REDACTED],
    [`github_pat_${'b'.repeat(30)}`, REDACTED],
    ['xoxb-1234567890-abcdef', REDACTED],
    [`AIza${'c'.repeat(35)}`, REDACTED],
    [`sk_live_${'d'.repeat(24)}`, REDACTED],
    ['url?api_key=abcdef123456&x=1', `url?api_key=${REDACTED}&x=1`],
    ['{"password": "hunter2hunter2"}', `{"password": "${REDACTED}"}`],
    ['client_secret=s3cr3t-value', `client_secret=${REDACTED}`],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----', REDACTED]
  ]
  for (const [input, expected] of cases) t.equal(scrubSecrets(input), expected, input)
})

t.test('ordinary text is left alone (same string back)', async (t) => {
  const texts = [
    'what is the status of order 12345?',
    'ask for a token at the desk',
    'the bearer of good news',
    'sk-short',
    'my password is long'
  ]
  for (const text of texts) t.equal(scrubSecrets(text), text)
})

t.test('twice in a row (regex state is reset)', async (t) => {
  t.equal(scrubSecrets('sk-aaaaaaaaaaaaaaaaaaaa'), REDACTED)
  t.equal(scrubSecrets('sk-aaaaaaaaaaaaaaaaaaaa'), REDACTED)
})

t.test('redactPaths works with pino redact', async (t) => {
  const { default: pino } = await import('pino')
  const lines: string[] = []
  const log = pino(
    { redact: [...redactPaths], base: null, timestamp: false },
    { write: (s: string) => void lines.push(s) }
  )
  log.info({
    req: { headers: { authorization: 'Bearer x', 'x-api-key': 'k', host: 'h' } },
    user: { apiKey: 'k2' },
    token: 't'
  })
  const out = JSON.parse(lines[0]!)
  t.equal(out.req.headers.authorization, '[Redacted]')
  t.equal(out.req.headers['x-api-key'], '[Redacted]')
  t.equal(out.req.headers.host, 'h')
  t.equal(out.user.apiKey, '[Redacted]')
  t.equal(out.token, '[Redacted]')
})
