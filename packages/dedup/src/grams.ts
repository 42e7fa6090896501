import type { TokenList } from './tokenize.ts'

/** @internal Bases of the two polynomial gram hashes. */
export const P1 = 0x01000193
/** @internal */
export const P2 = 0x5bd1e995

/** @internal `P1^e mod 2^32`. */
export function powP1(e: number): number {
  let p = 1
  for (let t = 0; t < e; t++) p = Math.imul(p, P1)
  return p
}

/** @internal `P2^e mod 2^32`. */
export function powP2(e: number): number {
  let p = 1
  for (let t = 0; t < e; t++) p = Math.imul(p, P2)
  return p
}

/** Second half of the last gram hash computed by {@link gramHash} (avoids returning a tuple). */
export let gramB = 0

/**
 * Hashes the `g` token hashes `h[i, i+g)` into two independent 32-bit polynomial hashes (bases
 * P1 and P2, mod 2^32): the return value is the probe key, {@link gramB} the check word. The
 * polynomial form lets {@link rollGrams} compute every gram of a text in O(1) per position
 * instead of O(g), measurably faster on CJK text where grams are dense.
 * @internal
 */
export function gramHash(h: Int32Array, i: number, g: number): number {
  let a = 0
  let b = 0
  for (let t = i; t < i + g; t++) {
    const x = h[t]!
    a = (Math.imul(a, P1) + x) | 0
    b = (Math.imul(b, P2) + x) | 0
  }
  gramB = b
  return a
}

/**
 * Writes the hash pair of every `g`-gram of `h[0, count)` to `outA` / `outB` (rolling hash, same
 * values as {@link gramHash}); returns the number of grams. Requires `count >= g >= 1`.
 * @internal
 */
export function rollGrams(
  h: Int32Array,
  count: number,
  g: number,
  outA: Int32Array,
  outB: Int32Array
): number {
  const grams = count - g + 1
  let a = gramHash(h, 0, g)
  let b = gramB
  outA[0] = a
  outB[0] = b
  const pa = powP1(g - 1)
  const pb = powP2(g - 1)
  for (let i = 1; i < grams; i++) {
    const out = h[i - 1]!
    const x = h[i + g - 1]!
    a = (Math.imul((a - Math.imul(out, pa)) | 0, P1) + x) | 0
    b = (Math.imul((b - Math.imul(out, pb)) | 0, P2) + x) | 0
    outA[i] = a
    outB[i] = b
  }
  return grams
}

/**
 * Open-addressing hash set of grams (two 32-bit words each), with one int of payload per slot.
 * Reset in O(capacity) without reallocating when it is big enough.
 * @internal
 */
export class GramTable {
  mask = 0
  shift = 28
  keyA: Int32Array = new Int32Array(0)
  keyB: Int32Array = new Int32Array(0)
  used: Uint8Array = new Uint8Array(0)
  data: Int32Array = new Int32Array(0)
  size = 0

  reset(expected: number): void {
    let cap = 16
    while (cap < expected * 2) cap *= 2
    if (cap > this.used.length) {
      this.keyA = new Int32Array(cap)
      this.keyB = new Int32Array(cap)
      this.used = new Uint8Array(cap)
      this.data = new Int32Array(cap)
    } else {
      this.used.fill(0, 0, cap)
    }
    this.mask = cap - 1
    this.shift = 32 - Math.log2(cap)
    this.size = 0
  }

  /** Slot of gram (a, b), or -1. */
  find(a: number, b: number): number {
    // Fibonacci hashing: polynomial hashes have weak low bits, the product's high bits are mixed.
    let s = Math.imul(a, 0x9e3779b1) >>> this.shift
    while (this.used[s] === 1) {
      if (this.keyA[s] === a && this.keyB[s] === b) return s
      s = (s + 1) & this.mask
    }
    return -1
  }

  /** Slot of gram (a, b), inserted if absent; `inserted` tells which. Grows when half full. */
  add(a: number, b: number): number {
    let s = Math.imul(a, 0x9e3779b1) >>> this.shift
    while (this.used[s] === 1) {
      if (this.keyA[s] === a && this.keyB[s] === b) {
        this.inserted = false
        return s
      }
      s = (s + 1) & this.mask
    }
    // Half full of the capacity in use (mask + 1), not of the buffers: a table reset to a smaller
    // capacity than its buffers (pooled, after a long reply) would otherwise fill up and probe
    // forever (the throughput bench hung on its second 200-character Chinese reply).
    if ((this.size + 1) * 2 > this.mask + 1) {
      this.#grow()
      return this.add(a, b)
    }
    this.used[s] = 1
    this.keyA[s] = a
    this.keyB[s] = b
    this.data[s] = 0
    this.size++
    this.inserted = true
    return s
  }

  inserted = false

  #grow(): void {
    const { keyA, keyB, used, data } = this
    const old = this.mask + 1
    const cap = old * 2
    this.keyA = new Int32Array(cap)
    this.keyB = new Int32Array(cap)
    this.used = new Uint8Array(cap)
    this.data = new Int32Array(cap)
    this.mask = cap - 1
    this.shift = 32 - Math.log2(cap)
    for (let i = 0; i < old; i++) {
      if (used[i] !== 1) continue
      let s = Math.imul(keyA[i]!, 0x9e3779b1) >>> this.shift
      while (this.used[s] === 1) s = (s + 1) & this.mask
      this.used[s] = 1
      this.keyA[s] = keyA[i]!
      this.keyB[s] = keyB[i]!
      this.data[s] = data[i]!
    }
  }
}

/**
 * Gram size for a user message of `k` tokens: 0 (not judged) below `n` tokens; otherwise `n`,
 * shrunk to `floor(k / 3)` (at least 2) for messages shorter than `3n`, so that one edited token
 * in a short message still leaves grams that match.
 * @internal
 */
export function gramSize(k: number, n: number): number {
  if (k < n) return 0
  const g = Math.floor(k / 3)
  return g >= n ? n : g < 2 ? Math.min(2, n) : g
}

let scratchA = new Int32Array(256)
let scratchB = new Int32Array(256)

/**
 * A user message prepared for matching: its token hashes, gram size and gram table, where each
 * slot's payload is the first user position of that gram and `next` chains repeated grams.
 * @internal
 */
export class UserGrams {
  k = 0
  g = 0
  hash: Int32Array = new Int32Array(0)
  table = new GramTable()
  next: Int32Array = new Int32Array(0)
  /** For the streaming guard: tables of user j-grams (j < g) that begin a full gram. */
  prefixes: GramTable[] = []
  /** The copy of this message being found in a reply. */
  chain = new Chain()

  load(list: TokenList, n: number, withPrefixes: boolean): void {
    const k = list.count
    this.k = k
    const g = gramSize(k, n)
    this.g = g
    if (this.hash.length < k) {
      this.hash = new Int32Array(k)
      this.next = new Int32Array(k)
    }
    if (scratchA.length < k) {
      scratchA = new Int32Array(k * 2)
      scratchB = new Int32Array(k * 2)
    }
    const src = list.hash
    const dst = this.hash
    for (let i = 0; i < k; i++) dst[i] = src[i]!
    if (g === 0) return
    const grams = rollGrams(this.hash, k, g, scratchA, scratchB)
    this.table.reset(grams)
    for (let u = 0; u < grams; u++) {
      const s = this.table.add(scratchA[u]!, scratchB[u]!)
      this.next[u] = this.table.inserted ? -1 : this.table.data[s]!
      this.table.data[s] = u
    }
    if (!withPrefixes) return
    // Tables are reused across loads (only the first g - 1 are read): typed-array allocation
    // dominated the cost of building a guard per reply.
    for (let j = 1; j < g; j++) {
      let t = this.prefixes[j - 1]
      if (t === undefined) {
        t = new GramTable()
        this.prefixes.push(t)
      }
      t.reset(grams)
      for (let u = 0; u < grams; u++) t.add(gramHash(this.hash, u, j), gramB)
    }
  }
}

/** Largest gap, in tokens, on either side (reply or user) that one echo may skip: an edit. @internal */
export const CHAIN_GAP = 2
/**
 * User positions kept per reply gram: a gram the user repeated more often keeps its last ones (the
 * copy of such a message may then score a little low; real messages rarely repeat a gram twice).
 */
const PER_POS = 8
/** Longest run of tokens replaced on both sides (as many, +-1) that one copy may bridge. */
const SUB_GAP = 4

/**
 * The longest near-contiguous copy of one user message in the reply, found incrementally over the
 * reply's matching grams in order of position (the same order for the whole-text functions and
 * the streaming guard, which is what makes them agree).
 *
 * A *chain* is a sequence of gram matches (reply gram at `j`, user gram at `u`) that moves forward
 * in both texts: two grams that overlap (in either text) must lie on the same diagonal, and two
 * that do not may skip at most {@link CHAIN_GAP} tokens on each side — a dropped, changed or added
 * word — or replace up to 4 tokens by as many (+-1) — two edits close together. A chain's value is the number of user tokens it covers; {@link best} is the largest one:
 * how much of the user's message the reply reproduces in one piece. Sharing a name, a date or a
 * phrase gives a short chain; parroting the message, even edited, gives one covering most of it.
 * @internal
 */
export class Chain {
  g = 0
  /** Ring size: positions that can still precede the next gram. */
  #r = 1
  #pos = new Int32Array(0)
  #n = new Int32Array(0)
  #u = new Int32Array(0)
  #v = new Int32Array(0)
  #s = new Int32Array(0)
  /** Value of the best chain (user tokens covered). */
  best = 0
  /** Reply token range of the best chain: `[bestStart, bestEnd)`. */
  bestStart = 0
  bestEnd = 0

  reset(g: number): void {
    this.g = g
    const r = g + SUB_GAP + 1
    this.#r = r
    if (this.#pos.length < r) {
      this.#pos = new Int32Array(r)
      this.#n = new Int32Array(r)
      this.#u = new Int32Array(r * PER_POS)
      this.#v = new Int32Array(r * PER_POS)
      this.#s = new Int32Array(r * PER_POS)
    }
    this.#pos.fill(-1, 0, r)
    this.best = 0
    this.bestStart = 0
    this.bestEnd = 0
  }

  /**
   * Records that the reply gram starting at token `j` equals the user grams at `first`,
   * `next[first]`, ... (a -1 terminated chain). Calls come in increasing `j`.
   */
  add(j: number, first: number, next: Int32Array): void {
    const g = this.g
    const r = this.#r
    const slot = j % r
    const pos = this.#pos
    const cu = this.#u
    const cv = this.#v
    const cs = this.#s
    pos[slot] = j
    let count = 0
    const base = slot * PER_POS
    const from = Math.max(j - g - SUB_GAP, 0)
    for (let u = first; u >= 0 && count < PER_POS; u = next[u]!) {
      let v = g
      let s = j
      for (let j2 = from; j2 < j; j2++) {
        const slot2 = j2 % r
        if (pos[slot2] !== j2) continue
        const dj = j - j2
        const n2 = this.#n[slot2]!
        for (let q = slot2 * PER_POS; q < slot2 * PER_POS + n2; q++) {
          const du = u - cu[q]!
          if (du <= 0) continue
          if (dj < g || du < g) {
            if (dj !== du) continue
          } else if (du > g + CHAIN_GAP || dj > g + CHAIN_GAP) {
            // A longer gap only as a substitution: as many tokens replaced on both sides, +-1.
            const d = du - dj
            if (du > g + SUB_GAP || dj > g + SUB_GAP || d > 1 || d < -1) continue
          }
          const w = cv[q]! + Math.min(du, g)
          if (w > v) {
            v = w
            s = cs[q]!
          }
        }
      }
      cu[base + count] = u
      cv[base + count] = v
      cs[base + count] = s
      count++
      if (v > this.best) {
        this.best = v
        this.bestStart = s
        this.bestEnd = j + g
      }
    }
    this.#n[slot] = count
  }
}
