import { startRedis } from '@chatbot-pro/test-utils'
import t from 'tap'
import { Client, ServerProcess, signToken } from './fixtures/system.ts'

interface Session {
  uid: string
  token: string
}

t.test(
  'promise 8: a token for A never reads or writes B; expired and forged tokens are refused',
  async (t) => {
    const redis = await startRedis()
    t.teardown(() => redis.close())
    const server = await ServerProcess.start(t, {
      REDIS_URL: redis.url,
      LLM_LATENCY_MS: '5',
      LLM_TOKENS_PER_S: '0'
    })
    const api = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, init)
    const newSession = async (): Promise<Session> =>
      (await (await api('/v1/sessions', { method: 'POST' })).json()) as Session
    const auth = (token: string) => ({ authorization: `Bearer ${token}` })
    const say = (s: Session, token: string, text: string) =>
      api(`/v1/sessions/${s.uid}/messages`, {
        method: 'POST',
        headers: { ...auth(token), 'content-type': 'application/json' },
        body: JSON.stringify({ text })
      })

    const a = await newSession()
    const b = await newSession()
    const secretOfB = `the secret of B ${b.uid}`
    const own = await say(b, b.token, secretOfB)
    t.equal(own.status, 200, 'B talks in its own conversation')
    await own.text()

    const [head, , exp, sig] = a.token.split('.') as [string, string, string, string]
    const now = Math.floor(Date.now() / 1000)
    const forged: Record<string, string> = {
      "A's signature on B's uid": `${head}.${b.uid}.${exp}.${sig}`,
      'signed with another secret': signToken(b.uid, now + 3600, 'x'.repeat(48)),
      'signature flipped': `${a.token.slice(0, -2)}${a.token.endsWith('AA') ? 'BB' : 'AA'}`,
      'expiry pushed later': `${head}.${a.uid}.${Number(exp) + 1000}.${sig}`,
      'no signature': `${head}.${a.uid}.${exp}.`,
      'v2 prefix': `v2.${a.uid}.${exp}.${sig}`,
      'not a token': 'Bearer',
      huge: 'v1.'.padEnd(5000, 'a')
    }
    const expiredA = signToken(a.uid, now - 1)
    let refused = 0
    let checked = 0

    // HTTP: A's valid token on B's conversation: 403, read and write.
    for (const [what, res] of [
      ['GET B with A', await api(`/v1/sessions/${b.uid}`, { headers: auth(a.token) })],
      ['POST to B with A', await say(b, a.token, 'A writes into B')]
    ] as const) {
      checked++
      const body = (await res.json()) as { code: string }
      if (res.status === 403 && body.code === 'FORBIDDEN') refused++
      else t.fail(`${what}: ${res.status} ${JSON.stringify(body)}`)
    }
    // HTTP: expired and forged tokens: 401 on A's own and on B's conversation.
    for (const [what, token] of [['expired', expiredA], ...Object.entries(forged)]) {
      for (const target of [a, b]) {
        for (const res of [
          await api(`/v1/sessions/${target.uid}`, { headers: auth(token as string) }),
          await say(target, token as string, `${what} writes`)
        ]) {
          checked++
          const body = (await res.json()) as { code: string }
          if (res.status === 401 && body.code === 'UNAUTHORIZED') refused++
          else t.fail(`HTTP ${what} on ${target === a ? 'A' : 'B'}: ${res.status} ${JSON.stringify(body)}`)
        }
      }
    }
    // WebSocket resume: expired and forged tokens get UNAUTHORIZED and close 4401, never a session.
    for (const [what, token] of [['expired', expiredA], ...Object.entries(forged)]) {
      checked++
      const c = new Client(server.wsUrl)
      t.teardown(() => c.terminate())
      const f = await c.hello(token as string)
      const closed = await c.waitClose()
      if (f.type === 'error' && f.code === 'UNAUTHORIZED' && closed.code === 4401) refused++
      else t.fail(`WS resume ${what}: ${JSON.stringify(f)} close ${closed.code}`)
    }
    // WebSocket resume with A's valid token is A's conversation, never B's; what A sends stays in A.
    const ca = new Client(server.wsUrl)
    t.teardown(() => ca.terminate())
    const sa = await ca.hello(a.token)
    t.equal(sa.uid, a.uid, "A's token resumes A")
    t.notMatch(JSON.stringify(sa.context), secretOfB, "B's text is not in what A sees")
    ca.send({ v: 1, type: 'text', id: 'a1', text: 'A talks over WebSocket' })
    t.equal((await ca.outcome('a1')).type, 'reply')

    // B's conversation holds exactly B's turn: nothing A or a forged token sent landed there.
    const bView = (await (await api(`/v1/sessions/${b.uid}`, { headers: auth(b.token) })).json()) as {
      context: Array<{ role: string; content: string }> | Array<[string, string]>
    }
    const bText = JSON.stringify(bView.context)
    t.match(bText, secretOfB, "B's own turn is there")
    t.notMatch(bText, /writes|A talks/, 'no foreign write in B')
    const aView = (await (await api(`/v1/sessions/${a.uid}`, { headers: auth(a.token) })).json()) as {
      context: unknown
    }
    t.notMatch(JSON.stringify(aView.context), /writes/, 'no forged write in A')

    // With LOG_SAMPLE_RATE=0 no conversation is sampled: no user text may reach the log.
    const log = server.stdout.join('')
    const leaked = log.includes(secretOfB) || log.includes('A talks over WebSocket')
    t.comment(`log: ${log.length} bytes at info level with LOG_SAMPLE_RATE=0, prompt text found: ${leaked}`)
    t.ok(log.length > 0, 'the server logged (info level)')
    t.notOk(leaked, 'no prompt text in the log')
    t.comment(
      `access: ${refused}/${checked} cross-user, expired and forged attempts refused (HTTP 403/401, WS 4401)`
    )
    t.equal(refused, checked, 'every attempt refused')
  }
)
