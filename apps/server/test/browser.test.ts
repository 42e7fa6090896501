import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import t from 'tap'
import { startApp } from './fixtures/harness.ts'

// Page functions run in the browser; this file is type-checked without the DOM library.
declare const document: { querySelectorAll(selector: string): { length: number } }

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const artifacts = join(import.meta.dirname, '..', 'test-results')

t.test('the web page: two streamed replies, the state badge, resume after reload', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.fail(
      `Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`
    )
    return
  }
  const h = await startApp(t, { LLM_LATENCY_MS: '20', LLM_TOKENS_PER_S: '100', LLM_REPLY_TOKENS: '12' })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync'
    ]
  })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(err.message))

  await page.goto(`${h.url}/`)
  await page.waitForSelector('#state[data-state="HELLO"]')
  await page.waitForSelector('#conn[data-conn="open"]', { state: 'attached' })

  for (const [i, text] of ['my parcel is late, where is it?', '我的订单什么时候到？'].entries()) {
    await page.fill('#input', text)
    await page.click('#send')
    // Streaming: the reply bubble exists while the cursor class is on, then loses it.
    await page.waitForSelector('.msg.assistant.streaming', { timeout: 5000 })
    await page.waitForFunction(
      (n) => document.querySelectorAll('.msg.assistant:not(.streaming)').length === n,
      i + 1
    )
  }
  await page.waitForSelector('#state[data-state="CHATTING"]')
  const before = await page.$$eval('.msg', (els) => els.map((e) => `${e.className}|${e.textContent}`))
  t.equal(before.length, 4, 'two user messages and two replies')
  t.match(before[0], /user\|my parcel is late/)
  t.match(before[3], /assistant\|[\u4e00-\u9fff]+。/u, 'the Chinese message got a Chinese reply')

  mkdirSync(artifacts, { recursive: true })
  await page.screenshot({ path: join(artifacts, 'chat.png'), fullPage: true })

  await page.reload()
  await page.waitForSelector('#state[data-state="CHATTING"]')
  await page.waitForFunction(() => document.querySelectorAll('.msg').length === 4)
  const after = await page.$$eval('.msg', (els) => els.map((e) => `${e.className}|${e.textContent}`))
  t.same(after, before, 'the conversation is resumed after a reload')
  await page.screenshot({ path: join(artifacts, 'chat-resumed.png'), fullPage: true })

  await page.click('#bye')
  await page.waitForSelector('#state[data-state="END"]')
  t.same(problems, [], 'no page errors')
})
