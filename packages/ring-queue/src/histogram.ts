// Sub-buckets per power of two: 16 gives at most 1/16 (6.25%) relative error on a percentile.
const SUB_BITS = 4
const SUB = 1 << SUB_BITS
const MAX_EXP = 31
const BUCKETS = (MAX_EXP - SUB_BITS + 2) * SUB

/**
 * A fixed-size log-linear histogram of durations (recorded in microseconds, read in milliseconds),
 * HDR-histogram style: 16 linear sub-buckets per power of two, ~450 counters in one Uint32Array.
 * Recording is two integer operations and an increment; nothing is allocated after construction.
 * Values above 2^31 µs (~36 min) land in the last bucket.
 */
export class LatencyHistogram {
  readonly #counts = new Uint32Array(BUCKETS)
  #total = 0

  /** Number of recorded values. */
  get count(): number {
    return this.#total
  }

  /** Records one duration in milliseconds (negative values count as 0). */
  record(ms: number): void {
    let us = Math.round(ms * 1000)
    if (!(us > 0)) us = 0
    else if (us > 0x7fffffff) us = 0x7fffffff
    this.#counts[bucketOf(us)]!++
    this.#total++
  }

  /**
   * The value at quantile `q` (0..1), in milliseconds: the upper edge of the bucket that holds it,
   * so the answer is never below the true value and at most 1/16 above it. `0` when empty.
   */
  quantile(q: number): number {
    if (this.#total === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.#total))
    let seen = 0
    let i = 0
    for (; i < BUCKETS - 1; i++) {
      seen += this.#counts[i]!
      if (seen >= rank) break
    }
    return upperEdge(i) / 1000
  }

  /** Forgets every recorded value. */
  reset(): void {
    this.#counts.fill(0)
    this.#total = 0
  }
}

function bucketOf(us: number): number {
  if (us < SUB) return us
  const exp = 31 - Math.clz32(us)
  return (exp - SUB_BITS + 1) * SUB + ((us >>> (exp - SUB_BITS)) & (SUB - 1))
}

function upperEdge(bucket: number): number {
  if (bucket < SUB) return bucket
  const exp = (bucket >>> SUB_BITS) + SUB_BITS - 1
  const sub = bucket & (SUB - 1)
  return (SUB + sub + 1) * 2 ** (exp - SUB_BITS) - 1
}
