/** Shared helpers of the end-to-end load test: messages, ready/stats lines, the simulated LLM time. */

/** Line a target prints once it listens: `READY <port>`. */
export const READY = 'READY'
/** Line a target prints every second: `STATS {"heapUsed":…,"rss":…}`. */
export const STATS = 'STATS'

/** Prints the periodic stats line (heap and RSS as the target itself sees them). */
export function printStats(): NodeJS.Timeout {
  const t = setInterval(() => {
    const m = process.memoryUsage()
    process.stdout.write(`${STATS} ${JSON.stringify({ heapUsed: m.heapUsed, rss: m.rss })}\n`)
  }, 1000)
  t.unref()
  return t
}

/** The simulated LLM settings every target shares. */
export interface LlmSettings {
  latencyMs: number
  tokensPerS: number
  replyTokens: number
  /** Stream coalescing interval (`STREAM_FLUSH_MS`), ms; 0: a frame per LLM delta. */
  streamFlushMs: number
}

/** Nominal simulated LLM time of one reply: first token latency, then the remaining tokens. */
export function llmMs(s: LlmSettings): number {
  return s.latencyMs + (s.tokensPerS > 0 ? (s.replyTokens * 1000) / s.tokensPerS : 0)
}

/** Reads the LLM settings from the environment the orchestrator sets. */
export function llmFromEnv(env: NodeJS.ProcessEnv = process.env): LlmSettings {
  return {
    latencyMs: Number(env.LLM_LATENCY_MS ?? 50),
    tokensPerS: Number(env.LLM_TOKENS_PER_S ?? 200),
    replyTokens: Number(env.LLM_REPLY_TOKENS ?? 20),
    streamFlushMs: Number(env.STREAM_FLUSH_MS ?? 30)
  }
}

const EN_WORDS = (
  'hello my order has not arrived yet and the tracking page says it left the warehouse three days ago ' +
  'could you check what happened I also want to change the delivery address to my office because I ' +
  'will not be home this week the product id is 4471 and I paid with a credit card is there a refund ' +
  'if it is late thanks for your help what about the warranty how long does it last can I return it'
).split(' ')
const ZH_CHARS =
  '你好我的订单还没有到物流页面显示三天前已经离开仓库能帮我查一下发生了什么吗我还想把收货地址改到公司因为这周我不在家产品编号是四四七一我用信用卡付款如果迟到可以退款吗谢谢你的帮助保修期多长时间可以退货吗'.split(
    ''
  )

/** xorshift32 PRNG, deterministic per seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

/**
 * A pool of realistic user messages, 30-200 characters, two thirds English and one third
 * Chinese, deterministic per seed.
 */
export function messagePool(seed: number, size = 512): string[] {
  const r = rng(seed)
  const out: string[] = []
  for (let i = 0; i < size; i++) {
    const len = 30 + Math.floor(r() * 171)
    let s = ''
    if (i % 3 === 2) {
      while (s.length < len) s += ZH_CHARS[Math.floor(r() * ZH_CHARS.length)]
      s = `${s.slice(0, len - 1)}？`
    } else {
      while (s.length < len) s += `${s.length === 0 ? '' : ' '}${EN_WORDS[Math.floor(r() * EN_WORDS.length)]}`
      s = `${s.slice(0, len - 1).trimEnd()}?`
    }
    out.push(s)
  }
  return out
}

/**
 * Runs `stop` on SIGTERM or SIGINT after printing which signal it was: the orchestrator flags a
 * stop it did not ask for.
 */
export function onStopSignal(stop: () => void): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      process.stdout.write(`SIGNAL ${signal}\n`)
      stop()
    })
  }
}
