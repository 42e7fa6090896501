import { xxh64 } from '@node-rs/xxhash'

/**
 * One turn of a conversation context: a plain string, or a chat message. A message's `role` (when a
 * string) and `content` are hashed; non-string `content` (multimodal parts) is hashed as its
 * `JSON.stringify` — the only case where anything is serialised.
 */
export type Turn = string | { readonly role?: string; readonly content: unknown }

/** A context's fingerprint: what a sampled-out turn logs instead of the context itself. */
export interface ContextDigest {
  /** 64-bit hash of the context, 16 lowercase hex digits (see `hashContext` for the algorithm). */
  hash: string
  /** UTF-8 bytes of the hashed text (roles and contents). */
  bytes: number
  /** Number of turns. */
  turns: number
}

// UTF-8 is written into one reused buffer: a single conversion gives both the bytes to hash and
// their count (Buffer.byteLength would scan the string a second time). It is sized for the worst
// case (3 bytes per UTF-16 unit) so `write` never truncates; larger texts use a one-off buffer.
const MAX_SCRATCH = 1 << 20
let scratch = Buffer.allocUnsafe(64 * 1024)
let lastBytes = 0

/** XXH64 of the UTF-8 bytes of `text`; leaves their count in `lastBytes`. */
function hashUtf8(text: string, seed: bigint): bigint {
  const need = text.length * 3
  if (need > scratch.length) {
    if (need > MAX_SCRATCH) {
      const buf = Buffer.from(text, 'utf8')
      lastBytes = buf.length
      return xxh64(buf, seed)
    }
    scratch = Buffer.allocUnsafe(need)
  }
  lastBytes = scratch.write(text, 0, 'utf8')
  return xxh64(scratch.subarray(0, lastBytes), seed)
}

/**
 * XXH64 (seed `seed`) of the UTF-8 bytes of `text`, as a bigint. This is the sampling hash:
 * `sampled(key)` is `hashKey(String(key), seed) < floor(rate * 2^64)`.
 */
export function hashKey(text: string, seed = 0n): bigint {
  return hashUtf8(text, seed)
}

let turnBytes = 0

// Roles repeat ('system', 'user', 'assistant', 'tool'): remember their hashes instead of crossing
// into the native binding for them on every turn. Bounded so arbitrary role strings cannot grow it.
const roleSeeds = new Map<string, { seed: bigint; bytes: number }>()
const MAX_ROLES = 64
let roleBytes = 0

function roleSeed(role: string): bigint {
  let r = roleSeeds.get(role)
  if (r === undefined) {
    r = { seed: hashUtf8(role, 0n), bytes: lastBytes }
    if (roleSeeds.size < MAX_ROLES) roleSeeds.set(role, r)
  }
  roleBytes = r.bytes
  return r.seed
}

/** Per-turn hash: XXH64(content) seeded with XXH64(role) when the turn has a string role, else 0. */
function hashTurn(turn: Turn): bigint {
  if (typeof turn !== 'object' || turn === null) {
    // Not a documented Turn, but logging must never throw: hash its string form.
    const h = hashUtf8(typeof turn === 'string' ? turn : String(turn), 0n)
    turnBytes = lastBytes
    return h
  }
  let seed = 0n
  let bytes = 0
  if (typeof turn.role === 'string') {
    seed = roleSeed(turn.role)
    bytes = roleBytes
  }
  const content = typeof turn.content === 'string' ? turn.content : String(JSON.stringify(turn.content))
  const h = hashUtf8(content, seed)
  turnBytes = bytes + lastBytes
  return h
}

// Per-turn hashes live in BigUint64Arrays, so combining them hashes the array's own bytes: no
// per-element conversion. The documented byte order is little-endian, which is the platform order
// everywhere Node ships except s390x; there a little-endian copy is made.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** XXH64 (seed 0) of `u64[from..to)` as consecutive unsigned 64-bit little-endian integers. */
function combine(u64: BigUint64Array, from: number, to: number): bigint {
  if (LITTLE_ENDIAN) return xxh64(new Uint8Array(u64.buffer, from * 8, (to - from) * 8), 0n)
  /* c8 ignore start */
  const le = Buffer.allocUnsafe((to - from) * 8)
  for (let i = from; i < to; i++) le.writeBigUInt64LE(u64[i]!, (i - from) * 8)
  return xxh64(le, 0n)
}
/* c8 ignore stop */

let oneShot = new BigUint64Array(64)

/** 16 lowercase hex digits. */
export function toHex(h: bigint): string {
  return h.toString(16).padStart(16, '0')
}

/**
 * Hashes a whole context in one go. The algorithm (stable across processes and versions):
 * each turn `t` gets `h(t) = XXH64(utf8(content), seed = role ? XXH64(utf8(role), 0) : 0)`
 * (a string context is one turn); the context hash is `XXH64(le64(h(t1)) ‖ … ‖ le64(h(tn)), 0)`,
 * printed as 16 lowercase hex digits. `ContextHasher` gives the same result incrementally.
 */
export function hashContext(context: string | readonly Turn[]): ContextDigest {
  if (typeof context === 'string') {
    oneShot[0] = hashTurn(context)
    return { hash: toHex(combine(oneShot, 0, 1)), bytes: turnBytes, turns: 1 }
  }
  const n = context.length
  if (n > oneShot.length) oneShot = new BigUint64Array(n * 2)
  let bytes = 0
  for (let i = 0; i < n; i++) {
    oneShot[i] = hashTurn(context[i]!)
    bytes += turnBytes
  }
  return { hash: toHex(combine(oneShot, 0, n)), bytes, turns: n }
}

/**
 * Incremental context hash: each turn is hashed once, when appended; `hash` then only combines
 * 8 bytes per turn. Keeps references to the turns (no copies) so a full log can print them.
 * `dropFirst()` follows a context window that forgets old turns. Same result as `hashContext`.
 */
export class ContextHasher {
  // Turns [#head, #tail) of three parallel stores; compacted or grown when #tail hits the end.
  #hashes = new BigUint64Array(32)
  #sizes: number[] = []
  #items: Turn[] = []
  #head = 0
  #tail = 0
  #bytes = 0
  #hash: string | null = null

  /** Starts with `turns` already appended. */
  constructor(turns?: Iterable<Turn>) {
    if (turns) for (const t of turns) this.append(t)
  }

  /** Hashes `turn` and adds it at the end. */
  append(turn: Turn): this {
    if (this.#tail === this.#hashes.length) this.#makeRoom()
    const i = this.#tail++
    this.#hashes[i] = hashTurn(turn)
    this.#sizes[i] = turnBytes
    this.#items[i] = turn
    this.#bytes += turnBytes
    this.#hash = null
    return this
  }

  /** Forgets the `count` oldest turns (no rehashing). */
  dropFirst(count = 1): this {
    const n = Math.min(count, this.#tail - this.#head)
    for (let i = 0; i < n; i++) {
      this.#bytes -= this.#sizes[this.#head]!
      this.#items[this.#head] = undefined as unknown as Turn
      this.#head++
    }
    if (n > 0) this.#hash = null
    return this
  }

  /** Forgets every turn. */
  clear(): this {
    this.#items = []
    this.#sizes = []
    this.#head = this.#tail = this.#bytes = 0
    this.#hash = null
    return this
  }

  /** The context hash (16 hex digits), computed lazily and cached until the next change. */
  get hash(): string {
    if (this.#hash === null) this.#hash = toHex(combine(this.#hashes, this.#head, this.#tail))
    return this.#hash
  }

  /** UTF-8 bytes of the turns' text. */
  get bytes(): number {
    return this.#bytes
  }

  /** Number of turns. */
  get turns(): number {
    return this.#tail - this.#head
  }

  /** The current turns, oldest first (a new array of the same references). */
  toArray(): Turn[] {
    return this.#items.slice(this.#head, this.#tail)
  }

  // Amortised O(1): move the live window to the front when at most half is in use (a sliding
  // window keeps hitting this), otherwise double the capacity. Never Array.shift per drop.
  #makeRoom(): void {
    const live = this.#tail - this.#head
    const cap = this.#hashes.length
    const target = live * 2 <= cap ? this.#hashes : new BigUint64Array(cap * 2)
    target.set(this.#hashes.subarray(this.#head, this.#tail))
    this.#hashes = target
    this.#sizes = this.#sizes.slice(this.#head, this.#tail)
    this.#items = this.#items.slice(this.#head, this.#tail)
    this.#head = 0
    this.#tail = live
  }
}
