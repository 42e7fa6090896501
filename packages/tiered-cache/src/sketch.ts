/**
 * A 32-bit hash of a string: FNV-1a over UTF-16 code units, then murmur3's finaliser so every
 * output bit depends on every input bit (the sketch takes its indexes from different bit ranges).
 */
export function hashKey(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

function nextPow2(n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

const SEEDS = [0x97cb3127, 0xb9bba9d5, 0x3c6ef372, 0xa54ff53a] as const

/**
 * The TinyLFU frequency estimate (Einziger, Friedman, Manes 2017): a count-min sketch of 4-bit
 * counters (8 per `Uint32` word, 4 rows) with periodic halving ("reset") after `10 x capacity`
 * additions, behind a doorkeeper Bloom filter that absorbs one-hit wonders so they never reach the
 * counters. Works on precomputed 32-bit hashes so the hot path never re-hashes a string.
 */
export class FrequencySketch {
  readonly #table: Uint32Array
  readonly #mask: number
  readonly #door: Uint32Array
  readonly #doorMask: number
  readonly #sampleSize: number
  #additions = 0

  /** @param capacity the number of entries of the cache the sketch serves */
  constructor(capacity: number) {
    const words = nextPow2(Math.max(16, capacity * 2))
    this.#table = new Uint32Array(words)
    this.#mask = words - 1
    this.#sampleSize = Math.max(160, capacity * 10)
    const doorBits = nextPow2(this.#sampleSize * 4)
    this.#door = new Uint32Array(doorBits >>> 5)
    this.#doorMask = doorBits - 1
  }

  /** Additions since the last halving; resets to half of it at each halving. */
  get additions(): number {
    return this.#additions
  }

  /** Records one access. */
  increment(h: number): void {
    // Doorkeeper (two bit positions from one hash): the first sighting in a sample only sets bits.
    const b1 = h & this.#doorMask
    const b2 = Math.imul(h, 0x9e3779b1) >>> 0
    const b2m = b2 & this.#doorMask
    const door = this.#door
    const w1 = door[b1 >>> 5] as number
    const w2 = door[b2m >>> 5] as number
    const m1 = 1 << (b1 & 31)
    const m2 = 1 << (b2m & 31)
    if ((w1 & m1) === 0 || (w2 & m2) === 0) {
      door[b1 >>> 5] = w1 | m1
      door[b2m >>> 5] = (door[b2m >>> 5] as number) | m2
    } else {
      const table = this.#table
      const mask = this.#mask
      for (let i = 0; i < 4; i++) {
        let x = Math.imul(h ^ (SEEDS[i] as number), 0x85ebca6b)
        x ^= x >>> 15
        const idx = x & mask
        const shift = (x >>> 27) & 28
        const w = table[idx] as number
        if (((w >>> shift) & 15) !== 15) table[idx] = w + (1 << shift)
      }
    }
    if (++this.#additions >= this.#sampleSize) this.#reset()
  }

  /** Estimated accesses in the current sample (0..16). */
  frequency(h: number): number {
    const table = this.#table
    const mask = this.#mask
    let min = 15
    for (let i = 0; i < 4; i++) {
      let x = Math.imul(h ^ (SEEDS[i] as number), 0x85ebca6b)
      x ^= x >>> 15
      const c = ((table[x & mask] as number) >>> ((x >>> 27) & 28)) & 15
      if (c < min) min = c
    }
    const b1 = h & this.#doorMask
    const b2m = (Math.imul(h, 0x9e3779b1) >>> 0) & this.#doorMask
    const inDoor =
      ((this.#door[b1 >>> 5] as number) & (1 << (b1 & 31))) !== 0 &&
      ((this.#door[b2m >>> 5] as number) & (1 << (b2m & 31))) !== 0
    return inDoor ? min + 1 : min
  }

  #reset(): void {
    const table = this.#table
    for (let i = 0; i < table.length; i++) table[i] = ((table[i] as number) >>> 1) & 0x77777777
    this.#door.fill(0)
    this.#additions = this.#additions >>> 1
  }
}
