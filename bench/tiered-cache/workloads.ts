import { mulberry32 } from '../lib/prng.ts'

/** Deterministic PRNG (mulberry32), so every contender sees the same request stream. */
export const rng = mulberry32

/** `count` ranks (0 = most popular) drawn from a Zipf(s) law over `keys` items. */
export function zipf(keys: number, s: number, count: number, seed = 42): Int32Array {
  const cdf = new Float64Array(keys)
  let sum = 0
  for (let i = 0; i < keys; i++) {
    sum += 1 / (i + 1) ** s
    cdf[i] = sum
  }
  for (let i = 0; i < keys; i++) cdf[i] = (cdf[i] as number) / sum
  const rand = rng(seed)
  const out = new Int32Array(count)
  for (let n = 0; n < count; n++) {
    const u = rand()
    let lo = 0
    let hi = keys - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((cdf[mid] as number) < u) lo = mid + 1
      else hi = mid
    }
    out[n] = lo
  }
  return out
}

/**
 * Zipf traffic with scans mixed in: every `every` requests, a burst of `burst` never-repeated keys
 * (ids >= `keys`), as when a batch job walks through cold sessions.
 */
export function scanMixed(keys: number, s: number, count: number, every: number, burst: number): Int32Array {
  const base = zipf(keys, s, count, 7)
  let next = keys
  for (let start = every; start + burst <= count; start += every) {
    for (let i = 0; i < burst; i++) base[start + i] = next++
  }
  return base
}
