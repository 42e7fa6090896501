import envSchema from 'env-schema'
import { type Static, Type } from 'typebox'

/**
 * Every environment variable the server reads, with its default. The README's configuration
 * table is generated from the same descriptions.
 */
export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
    description: '`production` refuses to start without CHATBOT_SECRET.'
  }),
  HOST: Type.String({ default: '127.0.0.1', description: 'Address to listen on.' }),
  PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 3000,
    description: 'Port to listen on (0: any free port).'
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level.' }
  ),
  CHATBOT_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        'HMAC key that signs session tokens (at least 32 characters). Required in production; without it a random per-process key is used, so tokens do not survive a restart.'
    })
  ),
  TOKEN_TTL_S: Type.Integer({
    minimum: 60,
    default: 86_400,
    description: 'Lifetime of a session token, in seconds.'
  }),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description: 'Redis for the cold session tier; unset: in-process store.'
    })
  ),
  CACHE_PREFIX: Type.String({
    minLength: 1,
    default: 'chat:',
    description: 'Prefix of the session keys in Redis.'
  }),
  SESSION_TTL_MS: Type.Integer({
    minimum: 1000,
    default: 1_800_000,
    description: 'Cold-tier TTL of a session; an expired session ends its conversation.'
  }),
  HOT_MAX_SESSIONS: Type.Integer({
    minimum: 1,
    default: 50_000,
    description: 'Sessions held in the hot tier at most.'
  }),
  LLM_PROVIDER: Type.Union([Type.Literal('simulated'), Type.Literal('openai')], {
    default: 'simulated',
    description: '`simulated` (built in) or `openai` (any OpenAI-compatible server; needs LLM_BASE_URL).'
  }),
  LLM_BASE_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description: 'Base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1.'
    })
  ),
  LLM_API_KEY: Type.Optional(Type.String({ description: 'Bearer key for the OpenAI-compatible API.' })),
  LLM_MODEL: Type.String({
    default: 'gpt-4o-mini',
    description: 'Model name sent to the OpenAI-compatible API.'
  }),
  LLM_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 60_000,
    description: 'Whole-reply timeout of one LLM call.'
  }),
  LLM_RETRIES: Type.Integer({
    minimum: 0,
    maximum: 5,
    default: 2,
    description: 'Retries of an LLM call that failed before its first token (429, 5xx, network).'
  }),
  LLM_LATENCY_MS: Type.Integer({
    minimum: 0,
    default: 50,
    description: 'Simulated LLM: time to the first token.'
  }),
  LLM_TOKENS_PER_S: Type.Number({
    minimum: 0,
    default: 200,
    description: 'Simulated LLM: token rate after the first token (0: the whole reply at once, one delta).'
  }),
  LLM_REPLY_TOKENS: Type.Integer({
    minimum: 1,
    default: 20,
    description: 'Simulated LLM: tokens per reply.'
  }),
  LLM_ECHO_RATE: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0,
    description:
      'Simulated LLM: share of replies (0..1) that echo the user message after the answer, to see the echo guard work (the published design: 0.07 before the guard).'
  }),
  PAUSE_AFTER_MS: Type.Integer({
    minimum: 10,
    default: 30_000,
    description: 'CHATTING -> PAUSE after this long without a user message.'
  }),
  END_AFTER_MS: Type.Integer({ minimum: 10, default: 300_000, description: 'PAUSE -> END after this long.' }),
  MAX_TURNS: Type.Integer({
    minimum: 1,
    default: 5,
    description: 'Rounds (user + assistant) kept in the context.'
  }),
  MAX_CONTEXT_TOKENS: Type.Integer({
    minimum: 16,
    default: 2000,
    description: 'Token budget of the context sent to the LLM.'
  }),
  TOKENIZER: Type.Optional(
    Type.Union([Type.Literal('o200k_base'), Type.Literal('cl100k_base')], {
      description:
        'Count MAX_CONTEXT_TOKENS with a real tokenizer (gpt-tokenizer, loaded at start: o200k_base for GPT-4o-class models, cl100k_base for GPT-4/3.5); unset: the cheap estimate. Counts message text only: leave headroom for per-message framing.'
    })
  ),
  QUEUE_CAPACITY: Type.Integer({
    minimum: 1,
    default: 16_384,
    description: 'Turns waiting for an LLM slot at most.'
  }),
  QUEUE_CONCURRENCY: Type.Integer({ minimum: 1, default: 1024, description: 'LLM calls in flight at most.' }),
  CODEL_TARGET_MS: Type.Number({
    exclusiveMinimum: 0,
    default: 50,
    description: 'CoDel target queueing delay.'
  }),
  CODEL_INTERVAL_MS: Type.Number({
    exclusiveMinimum: 0,
    default: 100,
    description:
      "CoDel interval (RFC 8289's default). Request mode: the queue must have drained within it to count as not overloaded, and it bounds the wait at the onset of an overload."
  }),
  CODEL_MODE: Type.Union([Type.Literal('request'), Type.Literal('rfc8289')], {
    default: 'request',
    description:
      "Turn admission: `request` (request-queue CoDel: under sustained overload a turn is admitted only if it can start within CODEL_TARGET_MS, the rest shed with OVERLOADED + retryAfterMs) or `rfc8289` (RFC 8289 CoDel on the queue's sojourn time)."
  }),
  QUEUE_ADAPTIVE_LIFO: Type.Boolean({
    default: false,
    description:
      'With CODEL_MODE=request: serve the newest waiting turn first while overloaded (adaptive LIFO).'
  }),
  STREAM_FLUSH_MS: Type.Integer({
    minimum: 0,
    maximum: 1000,
    default: 30,
    description:
      'Stream coalescing: the deltas of a reply leave a connection at most once per this many ms (the first at once, the last with the reply); 0: one delta frame per LLM delta.'
  }),
  DEDUP_MODE: Type.Union([Type.Literal('strip'), Type.Literal('flag'), Type.Literal('cut')], {
    default: 'cut',
    description:
      'What the echo guard does with an echo on the stream: strip it, only flag it, or cut the reply.'
  }),
  LOG_SAMPLE_RATE: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.01,
    description: 'Share of conversations logged with full prompts.'
  }),
  WS_MAX_PAYLOAD_BYTES: Type.Integer({
    minimum: 256,
    default: 16_384,
    description: 'Largest WebSocket frame accepted.'
  }),
  WS_MAX_BUFFERED_BYTES: Type.Integer({
    minimum: 1024,
    default: 1_048_576,
    description: 'A connection whose unsent data passes this is closed (slow reader).'
  }),
  MAX_MESSAGE_CHARS: Type.Integer({
    minimum: 1,
    default: 4000,
    description: 'Longest user message, in characters.'
  }),
  MAX_CONNECTIONS_PER_USER: Type.Integer({
    minimum: 1,
    default: 4,
    description: 'Open WebSocket connections per user.'
  }),
  USER_RATE_PER_MIN: Type.Integer({
    minimum: 1,
    default: 120,
    description: 'User messages per minute per user.'
  }),
  AFFINITY_SELF: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "This node's `host:port` exactly as the balancer's upstream lists it: turns on user affinity (uids minted owned here, misrouted resumes redirected, handover on shutdown). Unset: off. Needs AFFINITY_NODES or AFFINITY_REDIS."
    })
  ),
  AFFINITY_NODES: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Static membership: the upstream list `host:port[=weight],...`, in the order of the nginx `upstream` block; must include AFFINITY_SELF.'
    })
  ),
  AFFINITY_REDIS: Type.Boolean({
    default: false,
    description:
      'Redis membership over REDIS_URL (heartbeat keys with a TTL, join/leave announcements) instead of AFFINITY_NODES.'
  }),
  AFFINITY_TTL_MS: Type.Integer({
    minimum: 100,
    default: 5000,
    description:
      'Redis membership: heartbeat TTL (a node that stops beating leaves every ring this long after its last beat); the heartbeat runs every TTL/5.'
  }),
  AFFINITY_ROUTED_BY_BALANCER: Type.Boolean({
    default: false,
    description:
      'The balancer already hashes on the uid (nginx `hash $arg_uid consistent`): a misroute then only happens during a membership change and is logged at warn; it is still redirected.'
  }),
  CORS_ORIGINS: Type.Optional(
    Type.String({
      pattern: '^https?://[^,\\s]+(,https?://[^,\\s]+)*$',
      description:
        'Origins allowed to call the HTTP API from a browser, comma-separated (e.g. https://app.example.com); unset: CORS off (same-origin only).'
    })
  ),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: 'Graceful shutdown deadline.'
  })
})

/** The validated configuration. */
export type Config = Static<typeof ConfigSchema>

/**
 * Reads and validates the configuration from `env` (default `process.env`). Throws an Error whose
 * message names the offending variable; refuses production without `CHATBOT_SECRET` and the
 * `openai` provider without `LLM_BASE_URL`.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  let config: Config
  // DESIGN.md §4.6: setting LLM_BASE_URL alone switches to the OpenAI-compatible provider.
  const data = env.LLM_BASE_URL && !env.LLM_PROVIDER ? { ...env, LLM_PROVIDER: 'openai' } : env
  try {
    config = envSchema<Config>({ schema: ConfigSchema, data, env: false, dotenv: false })
  } catch (err) {
    throw new Error(`Invalid configuration: ${(err as Error).message}`)
  }
  if (config.NODE_ENV === 'production' && !config.CHATBOT_SECRET) {
    throw new Error(
      'Invalid configuration: CHATBOT_SECRET is required when NODE_ENV=production (at least 32 random characters, e.g. `openssl rand -hex 32`).'
    )
  }
  if (config.LLM_PROVIDER === 'openai' && !config.LLM_BASE_URL) {
    throw new Error(
      'Invalid configuration: LLM_PROVIDER=openai needs LLM_BASE_URL (e.g. https://api.openai.com/v1).'
    )
  }
  checkAffinity(config)
  return Object.freeze(config)
}

/** `host:port[=weight],...` -> the upstream list. Throws an Error naming AFFINITY_NODES and the bad entry. */
export function parseNodes(text: string): Array<{ server: string; weight?: number }> {
  const out: Array<{ server: string; weight?: number }> = []
  for (const raw of text.split(',')) {
    const item = raw.trim()
    const m = /^([^\s=,]+:\d{1,5})(?:=(\d{1,4}))?$/.exec(item)
    if (m === null) {
      throw new Error(
        `Invalid configuration: AFFINITY_NODES entry ${JSON.stringify(item)} is not \`host:port\` or \`host:port=weight\` (e.g. 10.0.0.1:3000,10.0.0.2:3000=2)`
      )
    }
    const weight = m[2] === undefined ? undefined : Number(m[2])
    if (weight !== undefined && (weight < 1 || weight > 1000)) {
      throw new Error(`Invalid configuration: AFFINITY_NODES weight of ${m[1]} must be 1-1000, got ${weight}`)
    }
    if (out.some((s) => s.server === m[1])) {
      throw new Error(
        `Invalid configuration: AFFINITY_NODES lists ${m[1]} twice: list each upstream server once`
      )
    }
    out.push(weight === undefined ? { server: m[1] as string } : { server: m[1] as string, weight })
  }
  return out
}

function checkAffinity(config: Config): void {
  const self = config.AFFINITY_SELF
  if (self === undefined) {
    if (config.AFFINITY_NODES !== undefined || config.AFFINITY_REDIS) {
      throw new Error(
        "Invalid configuration: AFFINITY_NODES / AFFINITY_REDIS need AFFINITY_SELF (this node's host:port as the balancer lists it)."
      )
    }
    return
  }
  if (!/^[^\s=,]+:\d{1,5}$/.test(self)) {
    throw new Error(
      `Invalid configuration: AFFINITY_SELF must be \`host:port\` as the balancer lists this node, got ${JSON.stringify(self)}`
    )
  }
  if ((config.AFFINITY_NODES !== undefined) === config.AFFINITY_REDIS) {
    throw new Error(
      'Invalid configuration: AFFINITY_SELF needs exactly one membership: AFFINITY_NODES (the static upstream list) or AFFINITY_REDIS=true (over REDIS_URL).'
    )
  }
  if (config.AFFINITY_REDIS && !config.REDIS_URL) {
    throw new Error(
      'Invalid configuration: AFFINITY_REDIS=true needs REDIS_URL (the membership lives in Redis).'
    )
  }
  if (
    config.AFFINITY_NODES !== undefined &&
    !parseNodes(config.AFFINITY_NODES).some((n) => n.server === self)
  ) {
    throw new Error(
      `Invalid configuration: AFFINITY_NODES does not list AFFINITY_SELF ${self}: list this node exactly as the balancer does.`
    )
  }
}
