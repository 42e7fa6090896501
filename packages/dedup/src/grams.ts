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
    if ((this.size + 1) * 2 > this.used.length) {
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
    const cap = used.length * 2
    this.keyA = new Int32Array(cap)
    this.keyB = new Int32Array(cap)
    this.used = new Uint8Array(cap)
    this.data = new Int32Array(cap)
    this.mask = cap - 1
    this.shift = 32 - Math.log2(cap)
    for (let i = 0; i < used.length; i++) {
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
