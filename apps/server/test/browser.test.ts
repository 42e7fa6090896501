import { existsSync, mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { redisForTest } from '@chatbot-pro/test-utils'
import { type Browser, chromium, type Page } from 'playwright-core'
import t, { type Test } from 'tap'

import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { SimulatedLlm } from '../src/llm/simulated.ts'
import type { ChatMessage, LlmProvider } from '../src/llm/types.ts'
import { client, SECRET, startApp } from './fixtures/harness.ts'

// Page functions run in the browser; this file is type-checked without the DOM library.
declare const document: {
  querySelectorAll(selector: string): { length: number }
  querySelector(selector: string): { textContent: string | null } | null
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const artifacts = join(import.meta.dirname, '..', 'test-results')
const HAN = /[\u4e00-\u9fff]/u

let browser: Promise<Browser> | undefined

/** One Chromium for the file (a launch costs seconds); a new page per test. */
async function open(test: Test, url: string): Promise<{ page: Page; problems: string[] }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`
    )
  }
  if (browser === undefined) {
    browser = chromium.launch({
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
    const launched = browser
    t.teardown(async () => (await launched).close())
  }
  const context = await (await browser).newContext()
  test.teardown(() => context.close())
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(err.message))
  await page.goto(`${url}/`)
  await page.waitForSelector('#conn[data-conn="open"]', { state: 'attached' })
  return { page, problems }
}

/** Sends `text` and waits until its reply has finished streaming; returns the reply's text. */
async function chat(page: Page, text: string): Promise<string> {
  const replies = await page.$$eval('.msg.assistant', (els) => els.length)
  await page.fill('#input', text)
  await page.click('#send')
  await page.waitForFunction(
    (n) => document.querySelectorAll('.msg.assistant:not(.streaming)').length === n,
    replies + 1
  )
  return page.$eval('.msg.assistant:last-of-type .text', (el) => el.textContent ?? '')
}

const messages = (page: Page) =>
  page.$$eval('.msg', (els) => els.map((e) => `${e.className}|${e.querySelector('.text')?.textContent}`))

t.test(
  'the web page: English and Chinese replies stream, the state badge, resume after reload',
  async (t) => {
    const h = await startApp(t, { LLM_LATENCY_MS: '20', LLM_TOKENS_PER_S: '100', LLM_REPLY_TOKENS: '12' })
    const { page, problems } = await open(t, h.url)
    await page.waitForSelector('#state[data-state="HELLO"]')

    const english = 'Hi, my order #1234 has not arrived yet, can you check?'
    await page.fill('#input', english)
    await page.click('#send')
    // Streaming: the reply bubble exists while the cursor class is on, then loses it.
    await page.waitForSelector('.msg.assistant.streaming', { timeout: 5000 })
    await page.waitForFunction(() => document.querySelectorAll('.msg.assistant:not(.streaming)').length === 1)
    const en = await page.$eval('.msg.assistant .text', (el) => el.textContent ?? '')
    t.match(en, /[a-z]{2,}/i, 'an English reply is rendered')
    // Readable: the support-desk responder's own answer (its templates, the user's order number),
    // never the user's words.
    const model = new SimulatedLlm({ latencyMs: 0, tokensPerS: 0, replyTokens: 12 })
    t.equal(en, model.replyTokens(english).join(''), "the simulated support desk's reply, as streamed")
    t.match(en, /#1234/, 'it answers about the order the user named')
    t.notMatch(en, /has not arrived yet/, 'without repeating the message')
    await page.waitForSelector('#state[data-state="CHATTING"]')
    t.equal(await page.textContent('#state'), 'CHATTING', 'the badge says the state')

    const chinese = '你好，我的订单1234还没到，能帮我查一下吗？'
    const zh = await chat(page, chinese)
    t.match(zh, HAN, 'the Chinese message got a reply in Chinese characters')
    t.equal(zh, model.replyTokens(chinese).join(''), 'the support desk answers in Chinese')
    t.notMatch(zh, /还没到，能帮我查一下/, 'without repeating the message')
    t.match(await page.textContent('.msg.assistant:last-of-type .text'), HAN, 'rendered as Chinese text')
    const before = await messages(page)
    t.equal(before.length, 4, 'two user messages and two replies')
    t.match(before[0], /^msg user\|Hi, my order #1234/)
    t.match(before[3], /^msg assistant\|/)
    t.equal(await page.isHidden('#error'), true, 'no error shown')

    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: join(artifacts, 'chat.png'), fullPage: true })

    const token = await page.evaluate(() =>
      (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem(
        'chatbot-pro.token'
      )
    )
    t.match(token, /^v1\./, 'the resume token is kept in localStorage')
    await page.reload()
    await page.waitForSelector('#state[data-state="CHATTING"]')
    await page.waitForFunction(() => document.querySelectorAll('.msg').length === 4)
    t.same(await messages(page), before, 'the conversation is resumed after a reload')
    t.match(await chat(page, 'thanks!'), /\S/, 'and goes on')
    await page.screenshot({ path: join(artifacts, 'chat-resumed.png'), fullPage: true })

    await page.click('#bye')
    await page.waitForSelector('#state[data-state="END"]')
    t.equal(await page.isDisabled('#input'), true, 'no input after the end')
    await page.click('#new')
    await page.waitForSelector('#state[data-state="HELLO"]')
    t.equal(await page.$$eval('.msg', (els) => els.length), 0, 'a new conversation starts empty')
    t.same(problems, [], 'no page errors')
  }
)

t.test('the web page resumes after a server restart (Redis)', async (t) => {
  const redis = await redisForTest(t)
  const env = {
    NODE_ENV: 'test' as const,
    LOG_LEVEL: 'silent' as const,
    CHATBOT_SECRET: SECRET,
    REDIS_URL: redis.url,
    LLM_LATENCY_MS: '5',
    LLM_TOKENS_PER_S: '2000'
  }
  const start = async (port: number) => {
    const app = await buildApp(loadConfig({ ...env, PORT: String(port) }), { logger: false })
    await app.listen({ host: '127.0.0.1', port })
    t.teardown(() => app.close())
    return app
  }
  const first = await start(0)
  const { port } = first.server.address() as AddressInfo
  const { page, problems } = await open(t, `http://127.0.0.1:${port}`)
  await chat(page, 'my parcel is late')
  await first.close()
  await page.waitForSelector('#conn[data-conn="reconnecting"]')
  await start(port)
  await page.waitForSelector('#conn[data-conn="open"]', { state: 'attached', timeout: 15_000 })
  await page.waitForSelector('#state[data-state="CHATTING"]')
  t.equal(await page.$$eval('.msg', (els) => els.length), 2, 'the conversation is still on the page')
  t.match(await chat(page, 'any news?'), /\S/, 'and goes on after the restart')
  t.equal(await page.$$eval('.msg.system', (els) => els.length), 0, 'no "new conversation" note')
  t.same(problems, [], 'no page errors')
})

t.test('the web page says what a refusal means (RATE_LIMITED)', async (t) => {
  const h = await startApp(t, { USER_RATE_PER_MIN: '1' })
  const { page } = await open(t, h.url)
  await chat(page, 'hello')
  await page.fill('#input', 'hello again')
  await page.click('#send')
  await page.waitForSelector('#error[data-code="RATE_LIMITED"]')
  t.match(await page.textContent('#error'), /too quickly: sending yours in \d+ s/)
})

t.test('the web page says the server is overloaded, with its retry time, then gets the reply', async (t) => {
  const h = await startApp(t, {
    LLM_LATENCY_MS: '600',
    QUEUE_CAPACITY: '1',
    QUEUE_CONCURRENCY: '1',
    CODEL_TARGET_MS: '10000',
    CODEL_INTERVAL_MS: '1000'
  })
  const { page, problems } = await open(t, h.url)
  // Two other users take the one LLM slot and the one queue place.
  const queue = (h.app as unknown as { queues: { turns: { inFlight: number; depth: number } } }).queues.turns
  for (const [i, full] of [() => queue.inFlight === 1, () => queue.depth === 1].entries()) {
    const other = client(t, h.wsUrl)
    await other.hello()
    other.send({ v: 1, type: 'text', id: `o${i}`, text: 'taking the capacity' })
    while (!full()) await new Promise((r) => setTimeout(r, 5))
  }
  await page.fill('#input', 'is anyone there?')
  await page.click('#send')
  await page.waitForSelector('#error[data-code="OVERLOADED"]')
  t.match(await page.textContent('#error'), /overloaded: retrying in \d+ s \(attempt 1\)/)
  await page.waitForFunction(
    () => document.querySelectorAll('.msg.assistant:not(.streaming)').length === 1,
    null,
    {
      timeout: 10_000
    }
  )
  t.equal(await page.isHidden('#error'), true, 'the message went through on its retry')
  t.same(problems, [], 'no page errors')
})

/** A model that repeats the user's message inside its reply: the echo guard strips the repetition. */
const echoing: LlmProvider = {
  name: 'echoing',
  async *stream(msgs: readonly ChatMessage[]) {
    const user = [...msgs].reverse().find((m) => m.role === 'user')?.content ?? ''
    for (const word of `Sure, let me check that for you. ${user} I will get back to you shortly.`.split(
      /(?<= )/
    ))
      yield word
  }
}

t.test('the web page marks a reply whose echo the server removed', async (t) => {
  const h = await startApp(t, { DEDUP_MODE: 'strip' }, { llm: echoing })
  const { page, problems } = await open(t, h.url)
  const text = await chat(page, 'my order number 1234 has not arrived and I am getting worried about it')
  t.notMatch(text, /getting worried about it/, 'the echoed words are gone')
  await page.waitForSelector('.msg.assistant[data-echo="removed"] .echo-marker')
  t.equal(await page.textContent('.msg.assistant .echo-marker'), 'echo removed')
  mkdirSync(artifacts, { recursive: true })
  await page.screenshot({ path: join(artifacts, 'chat-echo.png'), fullPage: true })
  t.same(problems, [], 'no page errors')
})

t.test(
  'LLM_ECHO_RATE=1: the simulated model echoes the user and the page marks the echo removed',
  async (t) => {
    const h = await startApp(t, { LLM_ECHO_RATE: '1' })
    const { page, problems } = await open(t, h.url)
    const message = 'I want to return the headphones I bought last week because the left side is silent'
    const text = await chat(page, message)
    t.notMatch(text, /left side is silent/, 'the echo is cut before it reaches the page')
    await page.waitForSelector('.msg.assistant[data-echo="removed"] .echo-marker')
    t.equal(await page.textContent('.msg.assistant .echo-marker'), 'echo removed')
    t.same(problems, [], 'no page errors')
  }
)
