import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'

/** A verified token's claims. */
export interface TokenClaims {
  uid: string
  /** Expiry, in seconds since the epoch. */
  exp: number
}

/** Why a token was refused; `undefined` from {@link TokenSigner.verify} means it is valid. */
export type TokenProblem = 'malformed' | 'bad-signature' | 'expired'

const UID = /^[A-Za-z0-9_-]{1,64}$/

/**
 * Session tokens: `v1.<uid>.<exp>.<sig>`, where `sig` is base64url(HMAC-SHA256(secret,
 * "v1.<uid>.<exp>")). Stateless, so any node holding the secret verifies them; compared in
 * constant time.
 */
export class TokenSigner {
  readonly #key: Buffer
  readonly #ttlS: number
  readonly #now: () => number

  constructor(secret: string | undefined, ttlS: number, now: () => number = Date.now) {
    // Without a configured secret (development only) tokens are valid for this process only.
    this.#key = secret ? Buffer.from(secret) : randomBytes(32)
    this.#ttlS = ttlS
    this.#now = now
  }

  /** A new random user id. */
  newUid(): string {
    return randomUUID()
  }

  /** Signs a token for `uid`, valid for the configured lifetime. */
  sign(uid: string): string {
    if (!UID.test(uid)) throw new TypeError(`uid must match ${UID}, got ${JSON.stringify(uid)}`)
    const exp = Math.floor(this.#now() / 1000) + this.#ttlS
    const body = `v1.${uid}.${exp}`
    return `${body}.${this.#mac(body)}`
  }

  /** Returns the claims of a valid token, or the reason it is not valid. */
  verify(token: unknown): TokenClaims | TokenProblem {
    if (typeof token !== 'string' || token.length > 256) return 'malformed'
    const parts = token.split('.')
    if (parts.length !== 4 || parts[0] !== 'v1') return 'malformed'
    const [, uid, expText, sig] = parts as [string, string, string, string]
    if (!UID.test(uid) || !/^\d{1,12}$/.test(expText)) return 'malformed'
    const expected = Buffer.from(this.#mac(`v1.${uid}.${expText}`))
    const given = Buffer.from(sig)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad-signature'
    const exp = Number(expText)
    if (exp * 1000 <= this.#now()) return 'expired'
    return { uid, exp }
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url')
  }
}
