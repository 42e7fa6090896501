import { createHash } from 'node:crypto'
import { AFFINITY_EMPTY_RING, AFFINITY_OPTION_RANGE } from './errors.ts'
import { lowerBound, normalizeServers, type Ring, type Server, type ServerSpec, show } from './servers.ts'

/** Options of {@link KetamaRing}. */
export interface KetamaOptions {
  /** Digests (of `server-i`) per server at equal weights; each gives 4 points. Integer >= 1. Default `40` (libketama). */
  vnodes?: number
}

function md5(text: string): Buffer {
  return createHash('md5').update(text).digest()
}

/**
 * A libketama ring (MD5, as memcached clients and the npm `hashring` package build it): a server
 * of weight w gets `floor(w / totalWeight * vnodes * serverCount)` digests of `"<server>-<i>"`, each
 * giving 4 points (its 4 little-endian 32-bit words); a key's point is the first word of its MD5,
 * looked up as the first point >= it, wrapping to the first. Down servers are left out.
 */
export class KetamaRing implements Ring {
  readonly servers: readonly Server[]
  readonly #names: string[]
  readonly #points: Uint32Array
  readonly #owners: Uint32Array

  constructor(servers: readonly ServerSpec[], opts: KetamaOptions = {}) {
    this.servers = normalizeServers(servers)
    const vnodes = opts.vnodes ?? 40
    if (!Number.isInteger(vnodes) || vnodes < 1) {
      throw new AFFINITY_OPTION_RANGE('vnodes', 'an integer >= 1', show(vnodes))
    }
    const up = this.servers.filter((s) => !s.down)
    this.#names = up.map((s) => s.server)
    let total = 0
    for (const s of up) total += s.weight
    const hashes: number[] = []
    const from: number[] = []
    up.forEach((s, i) => {
      // Same order of operations as hashring/libketama, so the float rounding agrees.
      const digests = Math.floor((s.weight / total) * vnodes * up.length)
      for (let d = 0; d < digests; d++) {
        const x = md5(`${s.server}-${d}`)
        for (let w = 0; w < 4; w++) {
          hashes.push(x.readUInt32LE(w * 4))
          from.push(i)
        }
      }
    })
    const order = Array.from({ length: hashes.length }, (_, i) => i)
    // Array#sort is stable (ES2019): on ties the server listed first wins, as in hashring.
    order.sort((a, b) => (hashes[a] as number) - (hashes[b] as number))
    this.#points = Uint32Array.from(order, (i) => hashes[i] as number)
    this.#owners = Uint32Array.from(order, (i) => from[i] as number)
  }

  /** Number of points on the ring. */
  get size(): number {
    return this.#points.length
  }

  /** The `server` a libketama client picks for `key`. */
  owner(key: string): string {
    const points = this.#points
    if (points.length === 0) throw new AFFINITY_EMPTY_RING()
    let i = lowerBound(points, md5(key).readUInt32LE(0))
    if (i === points.length) i = 0
    return this.#names[this.#owners[i] as number] as string
  }
}
