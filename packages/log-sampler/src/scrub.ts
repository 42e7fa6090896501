/** What a scrubbed secret is replaced with. */
export const REDACTED = '[REDACTED]'

/**
 * Patterns `scrubSecrets` removes from free text (prompts, replies, context turns). Each is applied
 * in order with its replacement; `$1` keeps a prefix such as `Bearer ` or `api_key=`.
 * Exported so applications can extend the list in their own `scrub` function.
 */
export const SECRET_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = Object.freeze([
  // PEM private keys, whole block.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, REDACTED],
  // JSON Web Tokens: three base64url segments, the header always starts with `{"` = `eyJ`.
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // HTTP credentials: `Bearer <token>` / `Basic <base64>`; the scheme is kept.
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // OpenAI, Anthropic (`sk-ant-`), DeepSeek... keys: `sk-` then 16+ key characters.
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
  // Stripe secret / restricted keys.
  [/\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, REDACTED],
  // GitHub tokens (classic and fine-grained).
  [/\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/g, REDACTED],
  // Slack tokens.
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, REDACTED],
  // AWS access key ids.
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
  // Google API keys.
  [/\bAIza[0-9A-Za-z_-]{35}/g, REDACTED],
  // `api_key=...`, `"token": "..."`, `password: ...` style assignments; the name is kept.
  [
    /\b((?:api[_-]?key|access[_-]?token|refresh[_-]?token|auth[_-]?token|client[_-]?secret|secret|password|passwd|token)["']?\s*[:=]\s*["']?)[^\s"'&,;]{6,}/gi,
    `$1${REDACTED}`
  ]
] as Array<readonly [RegExp, string]>)

// Every pattern above starts with one of these (case-insensitively); keep the two lists in step.
const TRIGGER =
  /-----BEGIN|eyJ|bearer|basic|token|sk-|[rs]k_|gh[pousr]_|github_pat_|xox|AKIA|ASIA|AIza|api[_-]?key|secret|passw/i

/**
 * The default `scrub`: replaces substrings that look like credentials (see `SECRET_PATTERNS`) with
 * `[REDACTED]`. Returns the same string when nothing matched. Heuristic: a secret of an unknown
 * shape (a bare random string with no prefix or label) is not recognised.
 */
export function scrubSecrets(text: string): string {
  // One scan for any pattern's fixed prefix first: most text has none, and then the ten pattern
  // passes (measured several times the cost of pino serialising the same text) are skipped.
  if (!TRIGGER.test(text)) return text
  let out = text
  for (let i = 0; i < SECRET_PATTERNS.length; i++) {
    const [re, replacement] = SECRET_PATTERNS[i]!
    re.lastIndex = 0
    out = out.replace(re, replacement)
  }
  return out
}

/**
 * pino `redact` paths for places whose shape is known: credentials in request/response headers
 * and commonly named secret fields at the top level or one level down. Pass them to Fastify:
 * `Fastify({ logger: { redact: redactPaths } })` (merge with your own paths as needed).
 */
export const redactPaths: readonly string[] = Object.freeze([
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'apiKey',
  'api_key',
  'token',
  'accessToken',
  'refreshToken',
  'password',
  'secret',
  '*.apiKey',
  '*.api_key',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.password',
  '*.secret'
])
