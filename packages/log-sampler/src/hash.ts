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
 * What {@link ContextHasher.sync} reads: a context window with a fixed first message (`system`)
 * and turns appended at the end and dropped from the front, each turn a new object.
 * `@chatbot-pro/fsm`'s `ConversationContext` fits as it is.
 */
export interface TurnWindow {
  /** The system prompt, hashed as the first turn `{ role: 'system', content }`; `null` for none. */
  readonly system: string | null
  /** Number of turns kept. */
  readonly size: number
  /** The kept turn at `index` (0 = oldest). */
  at(index: number): Turn | undefined
}

// Splitting a 64-bit hash into two 32-bit lanes through an aliased buffer: no BigInt arithmetic,
// no allocation. LO/HI index the lanes so that a BigUint64Array over the same words reads the
// original value on either byte order.
const split64 = new BigUint64Array(1)
const split32 = new Uint32Array(split64.buffer)
/* c8 ignore next: the big-endian branch */
const LO = LITTLE_ENDIAN ? 0 : 1
const HI = 1 - LO

// The combine input (pinned turn, then the window, oldest first) is assembled here: the ring wraps,
// and the documented hash is over consecutive le64 words. Byte views of each length are made once.
let combined = new Uint32Array(64)
let views: Uint8Array[] = []

function viewOf(turns: number): Uint8Array {
  let v = views[turns]
  if (v === undefined) {
    v = new Uint8Array(combined.buffer, 0, turns * 8)
    if (turns < 256) views[turns] = v
  }
  return v
}

const SLOT = 3 // uint32 words per turn: hash low, hash high, UTF-8 bytes

// Conversations share their system prompt: one frozen turn object per prompt text, not per hasher.
let systemTurn: Readonly<{ role: string; content: string }> = Object.freeze({ role: 'system', content: '' })

function systemTurnOf(content: string): Turn {
  if (systemTurn.content !== content) systemTurn = Object.freeze({ role: 'system', content })
  return systemTurn
}

/**
 * Incremental context hash of a sliding window: `[pinned turn?, ...turns]`. Each turn is hashed
 * once, when appended; dropping the oldest is O(1); `hash` combines the stored 64-bit per-turn
 * hashes (8 bytes a turn, one native call: ~90 bytes for a 5-round window however long its
 * messages). Same result as `hashContext` over the same turns, so a logged hash can be recomputed
 * from a stored context. Keeps references to the turns (no copies) so a full log can print them.
 *
 * State: one `Uint32Array` ring (12 bytes a turn) and an array of turn references, growing by
 * doubling; nothing is allocated per append or drop. Follow a context window by calling `append`
 * and `dropFirst` as it changes, or `sync(window)` after any number of changes.
 */
export class ContextHasher {
  #ring: Uint32Array
  #items: Array<Turn | undefined>
  #head = 0
  #count = 0
  #bytes = 0
  #pinned: Turn | null = null
  #pinLo = 0
  #pinHi = 0
  #pinBytes = 0
  /** The `system` text the pinned turn was made from by `sync` (`undefined`: not set by sync). */
  #system: string | null | undefined = undefined

  /** Starts with `turns` already appended. `capacity`: turns room is made for at first (grows). */
  constructor(turns?: Iterable<Turn>, capacity = 16) {
    let cap = 4
    while (cap < capacity) cap *= 2
    this.#ring = new Uint32Array(cap * SLOT)
    this.#items = new Array(cap)
    if (turns) for (const t of turns) this.append(t)
  }

  /** Hashes `turn` and adds it at the end. O(1) (amortised: the ring doubles when full). */
  append(turn: Turn): this {
    if (this.#count * SLOT === this.#ring.length) this.#grow()
    const cap = this.#items.length
    const i = (this.#head + this.#count) & (cap - 1)
    split64[0] = hashTurn(turn)
    const r = this.#ring
    r[i * SLOT] = split32[LO]!
    r[i * SLOT + 1] = split32[HI]!
    r[i * SLOT + 2] = turnBytes
    this.#items[i] = turn
    this.#bytes += turnBytes
    this.#count++
    return this
  }

  /** Forgets the `count` oldest turns (never the pinned one). O(count), no rehashing. */
  dropFirst(count = 1): this {
    const n = Math.min(count, this.#count)
    const mask = this.#items.length - 1
    for (let k = 0; k < n; k++) {
      const h = this.#head
      this.#bytes -= this.#ring[h * SLOT + 2]!
      this.#items[h] = undefined
      this.#head = (h + 1) & mask
    }
    this.#count -= n
    return this
  }

  /**
   * Sets the turn kept first and never dropped (a system prompt), hashed once; `null` removes it.
   */
  pin(turn: Turn | null): this {
    if (this.#pinned !== null) this.#bytes -= this.#pinBytes
    this.#pinned = turn
    this.#system = undefined
    if (turn !== null) {
      split64[0] = hashTurn(turn)
      this.#pinLo = split32[LO]!
      this.#pinHi = split32[HI]!
      this.#pinBytes = turnBytes
      this.#bytes += turnBytes
    }
    return this
  }

  /**
   * Brings the hasher in step with `window` after any number of appends and trims: hashes only the
   * turns appended since the last sync (usually the user's message and the reply) and drops the
   * ones trimmed, matched by identity (every appended turn is a new object), so the result equals
   * `hashContext([system, ...turns])` of the window as it is now. When the newest turn it holds is
   * no longer in the window (a first sync, a cleared or a different window, more trims than turns
   * between two syncs) it rehashes the window once. The system prompt is re-hashed only when its
   * text changes. Costs O(turns appended since the last sync).
   */
  sync(window: TurnWindow): this {
    const system = window.system
    if (system !== this.#system) {
      this.pin(system === null ? null : systemTurnOf(system))
      this.#system = system
    }
    const size = window.size
    const mask = this.#items.length - 1
    let j = -1
    if (this.#count > 0) {
      // Find the newest turn we hold, scanning back from the window's end (1-2 steps per turn).
      const newest = this.#items[(this.#head + this.#count - 1) & mask]
      for (let k = size - 1; k >= 0; k--) {
        if (window.at(k) === newest) {
          j = k
          break
        }
      }
    }
    if (
      j < 0 ||
      this.#count < j + 1 ||
      this.#items[(this.#head + this.#count - 1 - j) & mask] !== window.at(0)
    ) {
      this.dropFirst(this.#count)
      for (let k = 0; k < size; k++) this.append(window.at(k) as Turn)
      return this
    }
    this.dropFirst(this.#count - (j + 1))
    for (let k = j + 1; k < size; k++) this.append(window.at(k) as Turn)
    return this
  }

  /** Forgets every turn and the pinned one. */
  clear(): this {
    this.dropFirst(this.#count)
    this.pin(null)
    this.#head = 0
    this.#bytes = 0
    return this
  }

  /** The context hash (16 hex digits): one XXH64 over 8 bytes per turn, computed on each read. */
  get hash(): string {
    const p = this.#pinned === null ? 0 : 1
    const n = this.#count + p
    if (n * 2 > combined.length) {
      combined = new Uint32Array(n * 4)
      views = []
    }
    const out = combined
    if (p === 1) {
      out[LO] = this.#pinLo
      out[HI] = this.#pinHi
    }
    const r = this.#ring
    const mask = this.#items.length - 1
    for (let k = 0, i = this.#head, o = p * 2; k < this.#count; k++, i = (i + 1) & mask, o += 2) {
      out[o + LO] = r[i * SLOT]!
      out[o + HI] = r[i * SLOT + 1]!
    }
    if (LITTLE_ENDIAN) return toHex(xxh64(viewOf(n), 0n))
    /* c8 ignore next 2: big-endian hosts (s390x); the lanes hold the right 64-bit values there too */
    return toHex(combine(new BigUint64Array(combined.buffer, 0, n), 0, n))
  }

  /** UTF-8 bytes of the turns' text (roles and contents, the pinned turn included). */
  get bytes(): number {
    return this.#bytes
  }

  /** Number of turns, the pinned one included. */
  get turns(): number {
    return this.#count + (this.#pinned === null ? 0 : 1)
  }

  /** The current turns, oldest first, the pinned one first (a new array of the same references). */
  toArray(): Turn[] {
    const out: Turn[] = this.#pinned === null ? [] : [this.#pinned]
    const mask = this.#items.length - 1
    for (let k = 0; k < this.#count; k++) out.push(this.#items[(this.#head + k) & mask] as Turn)
    return out
  }

  // Doubles the ring, unwrapping the window to the front. Rare: a window longer than ever before.
  #grow(): void {
    const cap = this.#items.length
    const ring = new Uint32Array(cap * 2 * SLOT)
    const items = new Array<Turn | undefined>(cap * 2)
    for (let k = 0; k < this.#count; k++) {
      const i = (this.#head + k) & (cap - 1)
      ring[k * SLOT] = this.#ring[i * SLOT]!
      ring[k * SLOT + 1] = this.#ring[i * SLOT + 1]!
      ring[k * SLOT + 2] = this.#ring[i * SLOT + 2]!
      items[k] = this.#items[i]
    }
    this.#ring = ring
    this.#items = items
    this.#head = 0
  }
}
