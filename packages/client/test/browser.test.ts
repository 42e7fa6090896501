import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'
import t from 'tap'
import type * as Lib from '../src/index.ts'
import { startServer } from './fixtures/server.ts'

// The library as a page loads it: the built ES modules the server serves under /client/, the
// browser's own WebSocket and fetch. Page functions run in Chromium; this file is type-checked
// without the DOM library, hence the loose types inside them.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

interface PageGlobal {
  lib: typeof Lib
  location: { origin: string }
  sessionStorage: {
    getItem(key: string): string | null
    setItem(key: string, value: string): void
    removeItem(key: string): void
  }
  sessions: Lib.SessionFrame[]
  client: Lib.ChatClient
}

t.test('in Chromium: both transports, streamed replies, resume after a drop', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.fail(
      `Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`
    )
    return
  }
  const s = await startServer(t, { LLM_TOKENS_PER_S: '300', LLM_REPLY_TOKENS: '12' })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking']
  })
  t.teardown(() => browser.close())
  // The server's CSP (helmet: script-src 'self') forbids the inline module below, which only
  // loads the library under test: the test page bypasses it, the library itself needs nothing
  // the CSP forbids (the chat page, under the same CSP, uses it in apps/server's browser test).
  const page = await browser.newPage({ bypassCSP: true })
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(err.message))
  await page.goto(`${s.url}/healthz`)
  // Loaded by a module script, as a page would (a dynamic import() here would be rewritten by
  // the TypeScript loader of this test file).
  await page.addScriptTag({
    type: 'module',
    content: "import * as m from '/client/index.js'; globalThis.lib = m"
  })
  await page.waitForFunction(() => (globalThis as unknown as PageGlobal).lib !== undefined)

  for (const transport of ['websocket', 'http'] as const) {
    const out = await page.evaluate(async (transport) => {
      const g = globalThis as unknown as PageGlobal
      const { ChatClient } = g.lib
      const c = new ChatClient({ url: g.location.origin, transport })
      const states: string[] = []
      c.on('state', (e) => states.push(e.state))
      const session = await c.connect()
      const replies = []
      for (const text of ['Hi, my order #1234 has not arrived yet', '我的订单什么时候到？']) {
        const reply = c.send(text)
        const deltas: string[] = []
        for await (const d of reply) deltas.push(d)
        const result = await reply.result
        replies.push({
          deltas: deltas.length,
          joined: deltas.join(''),
          text: result.text,
          state: result.state
        })
      }
      c.close()
      return { state: session.state, resumed: session.resumed, states, replies, native: 'WebSocket' in g }
    }, transport)
    t.equal(out.state, 'HELLO', `${transport}: a new session`)
    t.equal(out.native, true)
    t.same(out.states, ['CHATTING'], `${transport}: the state event`)
    for (const r of out.replies) {
      t.ok(r.deltas > 1, `${transport}: streamed in ${r.deltas} deltas`)
      t.equal(r.joined, r.text, `${transport}: the deltas add up to the reply`)
      t.equal(r.state, 'CHATTING')
    }
  }

  // Resume: a client keeping its token in sessionStorage, its connection dropped by the server.
  const uid = await page.evaluate(async () => {
    const g = globalThis as unknown as PageGlobal
    const { ChatClient } = g.lib
    const store = {
      get: () => g.sessionStorage.getItem('t'),
      set: (v: string) => g.sessionStorage.setItem('t', v),
      delete: () => g.sessionStorage.removeItem('t')
    }
    const c = new ChatClient({ url: g.location.origin, tokenStore: store, reconnectBaseMs: 50 })
    g.sessions = []
    c.on('session', (e) => g.sessions.push(e))
    g.client = c
    const session = await c.connect()
    await c.send('where is my parcel?').result
    return session.uid
  })
  s.dropConnections()
  const resumed = await page.evaluate(async () => {
    const g = globalThis as unknown as PageGlobal
    while (g.sessions.length < 2) await new Promise((r) => setTimeout(r, 10))
    const result = await g.client.send('any news?').result
    return {
      session: g.sessions[1] as Lib.SessionFrame,
      state: result.state,
      stored: g.sessionStorage.getItem('t')
    }
  })
  t.equal(resumed.session.uid, uid, 'the same conversation')
  t.equal(resumed.session.resumed, true)
  t.equal(resumed.session.context.length, 2)
  t.equal(resumed.state, 'CHATTING')
  t.equal(resumed.stored, resumed.session.token, 'the fresh token is stored')
  t.same(problems, [], 'no page errors')
})
