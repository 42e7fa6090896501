import { EchoGuard, isEcho, selfRepetition } from '@chatbot-pro/dedup'
import t from 'tap'
import { createLlm } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { analyze, respond } from '../src/llm/responder.ts'
import { SimulatedLlm } from '../src/llm/simulated.ts'
import { client, startApp } from './fixtures/harness.ts'

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = []
  for await (const d of it) out.push(d)
  return out
}

const signal = new AbortController().signal

async function reply(llm: SimulatedLlm, text: string): Promise<string> {
  return (await collect(llm.stream([{ role: 'user', content: text }], signal))).join('')
}

// Customer messages as people write them: openers x phrasings x entities, both languages,
// short ones included (the echo detector is strictest on those).
const EN_OPENERS = ['', 'Hi, ', 'Hello, ', 'hey ', 'Good morning, ']
const EN_BODIES = [
  'my order {order} has not arrived yet, can you check?',
  'where is my order?',
  'where is order {order}',
  'what is the status of my order {order}',
  'check order {order} please',
  'order number {order}',
  'I ordered a {product} last week and it still has not shipped',
  'my parcel is late',
  'the package never arrived',
  'tracking says delivered but I have nothing',
  'when will my {product} arrive?',
  'can I change the delivery address for order {order}?',
  'I want a refund',
  'I want a refund for my {product}',
  'how do I return the {product}?',
  'my {product} is broken, I want my money back',
  'the {product} arrived damaged',
  'please cancel order {order}',
  'can I exchange my {product} for another colour?',
  'I want to return my {product}, order {order}',
  'I forgot my password',
  'I cannot log in to my account',
  'reset my password please, my email is {email}',
  'my account is locked',
  'I did not get the verification code',
  'thanks',
  'thank you so much for your help',
  'thanks for the help, bye',
  'ok bye',
  'hello',
  'hi there, is anyone here?',
  'what is the weather like today?',
  'do you sell gift cards?',
  'can I speak to a human?'
]
const ZH_OPENERS = ['', '你好，', '您好，', '在吗？']
const ZH_BODIES = [
  '我的订单{order}还没有到，能帮我查一下吗？',
  '我的订单什么时候到？',
  '查询订单',
  '订单号{order}',
  '我的快递到哪里了',
  '包裹还没收到',
  '物流信息一直没有更新',
  '我买的{product}什么时候发货？',
  '能改一下收货地址吗？订单号{order}',
  '我要退款',
  '我要退货',
  '{product}坏了，想退货',
  '我的{product}收到就是坏的，怎么退款？',
  '取消订单{order}',
  '可以换货吗',
  '忘记密码了',
  '账号登录不了',
  '我的邮箱是{email}，帮我重置密码',
  '账户被锁定了',
  '收不到验证码',
  '谢谢',
  '谢谢你的帮助，再见',
  '好的，拜拜',
  '你好',
  '在吗？',
  '今天天气怎么样？',
  '你们卖礼品卡吗？',
  '我想找人工客服'
]
const ENTITIES = [
  { order: '#1234', email: 'jane.doe@example.com', en: 'headphones', zh: '耳机' },
  { order: '88231', email: 'li.wei@mail.cn', en: 'phone', zh: '手机' },
  { order: '#5678', email: 'bob@shop.example.org', en: 'laptop', zh: '电脑' }
]

function messages(openers: string[], bodies: string[], zh: boolean): string[] {
  const out: string[] = []
  for (const o of openers) {
    for (const b of bodies) {
      for (const e of ENTITIES) {
        out.push(
          o +
            b
              .replaceAll('{order}', e.order)
              .replaceAll('{email}', e.email)
              .replaceAll('{product}', zh ? e.zh : e.en)
        )
      }
    }
  }
  return [...new Set(out)]
}

const EN_MESSAGES = messages(EN_OPENERS, EN_BODIES, false)
const ZH_MESSAGES = messages(ZH_OPENERS, ZH_BODIES, true)

t.test('intents and languages', async (t) => {
  const cases: Array<[string, string, 'en' | 'zh']> = [
    ['Hi, my order #1234 has not arrived yet, can you check?', 'delivery', 'en'],
    ['what is the status of order 4471', 'order', 'en'],
    ['I want my money back for the broken charger', 'refund', 'en'],
    ['I forgot my password and cannot log in', 'account', 'en'],
    ['Hello!', 'greeting', 'en'],
    ['thanks, bye', 'thanks', 'en'],
    ['what is the meaning of life', 'fallback', 'en'],
    ['', 'fallback', 'en'],
    ['4471', 'fallback', 'en'],
    ['#4471', 'order', 'en'],
    ['it is jane@example.com', 'account', 'en'],
    ['我的订单号1234还没有到，能帮我查一下吗？', 'delivery', 'zh'],
    ['查询订单', 'order', 'zh'],
    ['我要退款', 'refund', 'zh'],
    ['密码忘了，登录不了', 'account', 'zh'],
    ['你好', 'greeting', 'zh'],
    ['谢谢，再见', 'thanks', 'zh'],
    ['今天天气怎么样？', 'fallback', 'zh']
  ]
  for (const [text, intent, language] of cases) {
    t.match(analyze(text), { intent, language }, text)
  }
  const zh = respond('我要退货', 20, false).join('')
  t.match(zh, /^[\u4e00-\u9fff，。！？：、“”]+$/u, 'a Chinese reply to a Chinese message')
  const en = respond('I want to return it', 20, false).join('')
  t.match(en, /^[A-Z][\w ,.:;'!?-]+[.!?]$/u, 'an English reply to an English message')
  t.match(respond('Hi, where is my parcel?', 20, false).join(''), /^(Hi there!|Hello!) /, 'greeting first')
})

t.test('entities: order number, product, email', async (t) => {
  t.match(analyze('Hi, my order #1234 has not arrived yet'), { order: '1234' })
  t.match(analyze('order number 98765 please'), { order: '98765' })
  t.match(analyze('订单号：20931，什么时候发货'), { order: '20931' })
  t.match(analyze('order 12 and #4471'), { order: '4471' }, 'a #number wins')
  t.match(analyze('I paid 3000 yen'), { order: null }, 'a number alone is not an order number')
  t.match(analyze('the AirPods case is cracked'), { product: 'headphones', intent: 'fallback' })
  t.match(analyze('我的耳机坏了'), { product: 'headphones', intent: 'refund' })
  t.match(analyze('mail me at jane.doe@example.com.'), { email: 'j***@example.com' })
  t.match(analyze('write to @someone or a@b'), { email: null }, 'not an address')
  t.match(analyze('don’t know'), { intent: 'fallback' })

  const delivery = respond('Hi, my order #1234 has not arrived yet, can you check?', 20, false).join('')
  t.match(delivery, /#1234/, `the order number is used: ${delivery}`)
  const zh = respond('你好，我的订单1234还没有到，能帮我查一下吗？', 20, false).join('')
  t.match(zh, /#1234/, `the order number is used in Chinese: ${zh}`)
  const refund = respond('I want to return my headphones because the left side is broken', 40, false).join('')
  t.match(refund, /your headphones/, `the product is named: ${refund}`)
  const zhRefund = respond('我上周买的耳机左边没有声音，想退货，怎么操作？', 60, false).join('')
  t.match(zhRefund, /耳机/, `the product is named in Chinese: ${zhRefund}`)
  const account = respond('I forgot my password, my email is jane.doe@example.com', 20, false).join('')
  t.match(account, /j\*\*\*@example\.com/, `the email is used, masked: ${account}`)
  t.notOk(account.includes('jane.doe'))
  const noOrder = respond('where is my parcel?', 20, false).join('')
  t.match(noOrder, /number/, `asks for the order number: ${noOrder}`)
})

t.test('deterministic; different messages get different replies', async (t) => {
  const llm = new SimulatedLlm({ latencyMs: 0, tokensPerS: 0, replyTokens: 20 })
  const user = 'my phone battery drains overnight, what should I do'
  const a = await collect(llm.stream([{ role: 'user', content: user }], signal))
  const b = await collect(llm.stream([{ role: 'user', content: user }], signal))
  t.same(a, b, 'same text, same reply')
  t.equal(a.length, 1, 'tokensPerS 0: one delta')
  const all = new Set(EN_MESSAGES.map((m) => respond(m, 20, false).join('')))
  t.ok(all.size > EN_MESSAGES.length / 4, `${all.size} distinct replies to ${EN_MESSAGES.length} messages`)
})

t.test('reply length follows replyTokens', async (t) => {
  const all = [...EN_MESSAGES, ...ZH_MESSAGES]
  for (const target of [8, 20, 60, 200, 2000]) {
    let sum = 0
    let min = Number.POSITIVE_INFINITY
    let max = 0
    for (const m of all) {
      const n = respond(m, target, false).length
      sum += n
      min = Math.min(min, n)
      max = Math.max(max, n)
    }
    const mean = sum / all.length
    // At least one sentence (about 10-25 tokens); beyond that within about half a sentence.
    const slack = Math.max(12, target * 0.1)
    t.ok(
      Math.abs(mean - Math.max(target, 16)) <= slack && max <= Math.max(target, 30) + 16,
      `replyTokens ${target}: mean ${mean.toFixed(1)}, min ${min}, max ${max}`
    )
  }
  const huge = respond('where is my order?', 250_000, false)
  t.ok(huge.length >= 250_000 && huge.length < 250_020, 'very long replies are padded to the budget')
})

t.test('never an echo or a loop at echo rate 0, over many messages and lengths', async (t) => {
  let checked = 0
  const flagged: string[] = []
  for (const target of [8, 20, 60, 300]) {
    const llm = new SimulatedLlm({ latencyMs: 0, tokensPerS: 0, replyTokens: target })
    for (const m of [...EN_MESSAGES, ...ZH_MESSAGES]) {
      const r = await reply(llm, m)
      checked++
      if (r.includes(m) || isEcho(r, m)) flagged.push(`${m} -> ${r}`)
      if (selfRepetition(r).loop) flagged.push(`loop: ${r}`)
      // The streaming guard the server runs, reused across replies of every length (pooled
      // buffers: a table that grew in an earlier reply must not hang a later, longer one).
      const g = new EchoGuard(m)
      let out = ''
      for (const tok of llm.replyTokens(m)) out += g.push(tok)
      out += g.end()
      if (g.verdict !== null || out !== r) flagged.push(`guard ${g.verdict?.kind}: ${m} -> ${r}`)
    }
  }
  t.same(flagged, [], `${checked} replies, none flagged`)
})

t.test('echo rate: deterministic, about the configured share, caught by the detector', async (t) => {
  const turns = [...EN_MESSAGES, ...ZH_MESSAGES]
  for (const rate of [0.07, 0.5]) {
    const run = async (): Promise<boolean[]> => {
      const llm = new SimulatedLlm({ latencyMs: 0, tokensPerS: 0, replyTokens: 20, echoRate: rate })
      const out: boolean[] = []
      for (let i = 0; i < 4000; i++) {
        const m = turns[i % turns.length] as string
        const r = await reply(llm, m)
        out.push(r.includes(m))
      }
      return out
    }
    const a = await run()
    t.same(await run(), a, 'same turns, same echoes')
    const share = a.filter(Boolean).length / a.length
    // Binomial standard deviation at 4000 turns: 0.4% at 7%, 0.8% at 50%.
    t.ok(Math.abs(share - rate) < 0.02, `echo share ${(share * 100).toFixed(1)}% for ${rate * 100}%`)
  }
  const always = new SimulatedLlm({ latencyMs: 0, tokensPerS: 0, replyTokens: 20, echoRate: 1 })
  for (const m of [
    'Hi, my order #1234 has not arrived yet, can you check?',
    '你好，我的订单1234还没有到，能帮我查一下吗？'
  ]) {
    const r = await reply(always, m)
    t.ok(r.includes(m), `echoed: ${r}`)
    t.ok(isEcho(r, m), 'the detector flags it')
    t.notOk(r.startsWith(m), 'the answer comes first')
  }
  t.equal(always.replyTokens('hello').join(''), respond('hello', 20, false).join(''), 'replyTokens: no echo')
  t.ok(always.replyTokens('hello there, how are you', true).join('').includes('hello there, how are you'))
  t.throws(() => new SimulatedLlm({ latencyMs: 0, tokensPerS: 0, replyTokens: 20, echoRate: 1.5 }), {
    name: 'RangeError',
    message: /echoRate/
  })
  t.throws(
    () => new SimulatedLlm({ latencyMs: 0, tokensPerS: 0, replyTokens: 20, echoRate: Number.NaN }),
    RangeError
  )
})

t.test('the last user message drives the reply; latency and token rate are honoured', async (t) => {
  const llm = new SimulatedLlm({ latencyMs: 30, tokensPerS: 500, replyTokens: 10 })
  const messages = [
    { role: 'system' as const, content: 'be nice' },
    { role: 'user' as const, content: 'first question' },
    { role: 'assistant' as const, content: 'first answer' },
    { role: 'user' as const, content: 'where is my refund?' }
  ]
  const t0 = performance.now()
  const deltas = await collect(llm.stream(messages, signal))
  const ms = performance.now() - t0
  const tokens = llm.replyTokens('where is my refund?')
  t.ok(deltas.length > 1, `streamed in ${deltas.length} deltas`)
  t.equal(deltas.join(''), tokens.join(''))
  t.ok(ms >= 30, 'not before the first-token latency')
  // The last token is due (tokens - 1) / rate after the first.
  t.ok(ms >= 30 + ((tokens.length - 1) * 1000) / 500 - 2, `${ms.toFixed(0)} ms for ${tokens.length} tokens`)
  const none = await collect(
    new SimulatedLlm({ latencyMs: 0, tokensPerS: 0, replyTokens: 3 }).stream([], signal)
  )
  t.equal(none.length, 1, 'no user message still answers')
})

t.test('abort stops the stream', async (t) => {
  const llm = new SimulatedLlm({ latencyMs: 1000, tokensPerS: 10, replyTokens: 10 })
  const ac = new AbortController()
  setTimeout(() => ac.abort(), 10)
  await t.rejects(collect(llm.stream([{ role: 'user', content: 'hi' }], ac.signal)), { name: 'AbortError' })
  const midway = new SimulatedLlm({ latencyMs: 0, tokensPerS: 50, replyTokens: 20 })
  const ac2 = new AbortController()
  const got: string[] = []
  await t.rejects(
    (async () => {
      for await (const d of midway.stream([{ role: 'user', content: 'where is my parcel' }], ac2.signal)) {
        got.push(d)
        ac2.abort()
      }
    })(),
    { name: 'AbortError' }
  )
  t.equal(got.length, 1, 'nothing after the abort')
  const fast = new SimulatedLlm({ latencyMs: 0, tokensPerS: 0, replyTokens: 3 })
  const aborted = new AbortController()
  aborted.abort()
  await t.rejects(collect(fast.stream([{ role: 'user', content: 'hi' }], aborted.signal)))
})

t.test('LLM_ECHO_RATE: configured, checked, and the echo guard acts on it in the server', async (t) => {
  t.throws(() => loadConfig({ LLM_ECHO_RATE: '1.5' }), /LLM_ECHO_RATE/)
  t.equal(loadConfig({}).LLM_ECHO_RATE, 0, 'default 0')
  const user = 'Hi, my order #1234 has not arrived yet, can you check?'
  const llm = createLlm(loadConfig({ LLM_ECHO_RATE: '1', LLM_LATENCY_MS: '0', LLM_TOKENS_PER_S: '0' }))
  t.ok((await reply(llm as SimulatedLlm, user)).includes(user), 'createLlm passes the rate on')

  const h = await startApp(t, { LLM_ECHO_RATE: '1' })
  const c = client(t, h.wsUrl)
  await c.hello()
  c.send({ v: 1, type: 'text', id: 'e1', text: user })
  const frame = await c.next('reply')
  t.equal(frame.echo, true, 'the guard flagged the echo')
  t.notOk(frame.text.includes('has not arrived yet'), `the echo is cut, the answer kept: ${frame.text}`)
  t.match(frame.text, /#1234/)
})
