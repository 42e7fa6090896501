/**
 * ARC, the reference for the trace benchmark only (not shipped): Megiddo and Modha, "ARC: A
 * Self-Tuning, Low Overhead Replacement Cache", USENIX FAST '03, Fig. 4, implemented as printed
 * (cases I-IV, REPLACE, the adaptation of p by delta1/delta2), over dense integer keys
 * `0..universe-1` so the four LRU lists are typed arrays (no allocation per request).
 */
export class Arc {
  readonly #c: number
  #p = 0
  /** 0 absent, 1 T1, 2 T2, 3 B1, 4 B2. */
  readonly #where: Uint8Array
  readonly #prev: Int32Array
  readonly #next: Int32Array
  /** Per list (index 1..4): least recent, most recent, length. */
  readonly #lru = new Int32Array(5).fill(-1)
  readonly #mru = new Int32Array(5).fill(-1)
  readonly #len = new Int32Array(5)

  constructor(c: number, universe: number) {
    this.#c = c
    this.#where = new Uint8Array(universe)
    this.#prev = new Int32Array(universe)
    this.#next = new Int32Array(universe)
  }

  /** Target size of T1 (the paper's p). */
  get p(): number {
    return this.#p
  }

  /** Resident pages (|T1| + |T2|). */
  get size(): number {
    return (this.#len[1] as number) + (this.#len[2] as number)
  }

  #remove(x: number): void {
    const l = this.#where[x] as number
    const p = this.#prev[x] as number
    const n = this.#next[x] as number
    if (p === -1) this.#lru[l] = n
    else this.#next[p] = n
    if (n === -1) this.#mru[l] = p
    else this.#prev[n] = p
    this.#len[l] = (this.#len[l] as number) - 1
    this.#where[x] = 0
  }

  #pushMru(l: number, x: number): void {
    const m = this.#mru[l] as number
    this.#prev[x] = m
    this.#next[x] = -1
    if (m === -1) this.#lru[l] = x
    else this.#next[m] = x
    this.#mru[l] = x
    this.#len[l] = (this.#len[l] as number) + 1
    this.#where[x] = l
  }

  /** REPLACE(x, p): demote the LRU page of T1 (to B1) or of T2 (to B2). */
  #replace(inB2: boolean): void {
    const t1 = this.#len[1] as number
    if (t1 >= 1 && ((inB2 && t1 === this.#p) || t1 > this.#p)) {
      const y = this.#lru[1] as number
      this.#remove(y)
      this.#pushMru(3, y)
    } else {
      const y = this.#lru[2] as number
      this.#remove(y)
      this.#pushMru(4, y)
    }
  }

  /** One request; returns whether it was a hit (x in T1 or T2). */
  access(x: number): boolean {
    const c = this.#c
    const w = this.#where[x] as number
    if (w === 1 || w === 2) {
      // Case I: hit; move to the MRU position of T2.
      this.#remove(x)
      this.#pushMru(2, x)
      return true
    }
    const b1 = this.#len[3] as number
    const b2 = this.#len[4] as number
    if (w === 3) {
      // Case II: ghost hit in B1: favour recency.
      const d1 = b1 >= b2 ? 1 : b2 / b1
      this.#p = Math.min(c, this.#p + d1)
      this.#replace(false)
      this.#remove(x)
      this.#pushMru(2, x)
      return false
    }
    if (w === 4) {
      // Case III: ghost hit in B2: favour frequency.
      const d2 = b2 >= b1 ? 1 : b1 / b2
      this.#p = Math.max(0, this.#p - d2)
      this.#replace(true)
      this.#remove(x)
      this.#pushMru(2, x)
      return false
    }
    // Case IV: a miss in all four lists.
    const t1 = this.#len[1] as number
    const t2 = this.#len[2] as number
    if (t1 + b1 === c) {
      // Case A: L1 has exactly c pages.
      if (t1 < c) {
        this.#remove(this.#lru[3] as number)
        this.#replace(false)
      } else {
        this.#remove(this.#lru[1] as number)
      }
    } else if (t1 + t2 + b1 + b2 >= c) {
      // Case B: L1 has fewer than c pages.
      if (t1 + t2 + b1 + b2 === 2 * c) this.#remove(this.#lru[4] as number)
      this.#replace(false)
    }
    this.#pushMru(1, x)
    return false
  }
}
