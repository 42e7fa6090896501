import { crc32 } from './crc32.ts'
import { AFFINITY_EMPTY_RING } from './errors.ts'
import { lowerBound, normalizeServers, type Ring, type Server, type ServerSpec } from './servers.ts'

/** Points nginx places per unit of weight (`ngx_http_upstream_init_chash`). */
export const NGINX_POINTS_PER_WEIGHT = 160

const NUL = new Uint8Array(1)

/**
 * Splits an upstream `server` string the way nginx does before hashing it: `unix:` (any case) is
 * dropped and the rest is the host with no port; otherwise a trailing `:digits` is the port and
 * everything before the last `:` is the host; a name with no such suffix (`backend`, `[::1]`) is
 * all host and an empty port (not the default 80).
 */
export function splitServer(server: string): { host: string; port: string } {
  if (server.length >= 5 && server.slice(0, 5).toLowerCase() === 'unix:') {
    return { host: server.slice(5), port: '' }
  }
  for (let j = server.length - 1; j >= 0; j--) {
    const c = server.charCodeAt(j)
    if (c === 0x3a) return { host: server.slice(0, j), port: server.slice(j + 1) }
    if (c < 0x30 || c > 0x39) break
  }
  return { host: server, port: '' }
}

/**
 * The points nginx derives for one server, in generation order: with
 * `base = crc32(host, NUL, port)`, point k is `crc32` continued from `base` over the previous
 * point as 4 little-endian bytes (0 for the first). Exported for tests and tools.
 */
export function nginxPoints(server: string, weight: number): Uint32Array {
  const { host, port } = splitServer(server)
  const base = crc32(port, crc32(NUL, crc32(host)))
  const n = weight * NGINX_POINTS_PER_WEIGHT
  const out = new Uint32Array(n)
  const prev = new Uint8Array(4)
  const view = new DataView(prev.buffer)
  for (let k = 0; k < n; k++) {
    const h = crc32(prev, base)
    out[k] = h
    view.setUint32(0, h, true)
  }
  return out
}

/**
 * The ring of nginx `hash $key consistent` (ngx_http_upstream_hash_module), bit for bit: the key's
 * CRC-32 is looked up as the first point >= it, wrapping to the first point; points with equal
 * hashes keep the one of the server listed first; a `down` server's points pass the key on
 * clockwise to the next server that is up. See the README for the rule and its limits.
 */
export class NginxRing implements Ring {
  readonly servers: readonly Server[]
  readonly #names: string[]
  readonly #points: Uint32Array
  /** For each point, the index of the server that answers for it (down servers resolved away). */
  readonly #owners: Uint32Array
  #empty = false

  constructor(servers: readonly ServerSpec[]) {
    this.servers = normalizeServers(servers)
    this.#names = this.servers.map((s) => s.server)
    let total = 0
    for (const s of this.servers) total += s.weight * NGINX_POINTS_PER_WEIGHT
    const hashes = new Uint32Array(total)
    const from = new Uint32Array(total)
    let at = 0
    this.servers.forEach((s, i) => {
      hashes.set(nginxPoints(s.server, s.weight), at)
      from.fill(i, at, at + s.weight * NGINX_POINTS_PER_WEIGHT)
      at += s.weight * NGINX_POINTS_PER_WEIGHT
    })
    // nginx sorts with libc qsort (glibc: a stable merge sort) and keeps the first of equal
    // hashes, i.e. the point of the server listed first; Array#sort is stable too (ES2019).
    const order = Array.from({ length: total }, (_, i) => i)
    order.sort((a, b) => (hashes[a] as number) - (hashes[b] as number))
    const points: number[] = []
    const owners: number[] = []
    for (const i of order) {
      const h = hashes[i] as number
      if (points.length > 0 && points[points.length - 1] === h) continue
      points.push(h)
      owners.push(from[i] as number)
    }
    this.#points = Uint32Array.from(points)
    this.#owners = Uint32Array.from(owners)
    this.#resolveDown()
  }

  // nginx walks clockwise from a down server's point to the next point whose server is up (up to
  // 20 points, then it falls back to round robin); resolving that once keeps owner() a lookup.
  #resolveDown(): void {
    const n = this.#owners.length
    const up = (i: number): boolean => !(this.servers[this.#owners[i] as number] as Server).down
    let next = -1
    for (let i = 0; i < n; i++) {
      if (up(i)) {
        next = i
        break
      }
    }
    if (next === -1) {
      this.#owners.fill(0)
      this.#empty = true
      return
    }
    const resolved = new Uint32Array(n)
    // Walk backwards, so each point learns the nearest up point clockwise of it; past the last
    // point that is the first up point of the ring (`next`).
    let owner = this.#owners[next] as number
    for (let i = n - 1; i >= 0; i--) {
      if (up(i)) owner = this.#owners[i] as number
      resolved[i] = owner
    }
    this.#owners.set(resolved)
  }

  /** Number of distinct points on the ring (160 x total weight, less hash collisions). */
  get size(): number {
    return this.#points.length
  }

  /** The `server` nginx picks for `key` (the key as nginx sees it: query arguments stay percent-encoded). */
  owner(key: string): string {
    if (this.#empty) throw new AFFINITY_EMPTY_RING()
    const points = this.#points
    let i = lowerBound(points, crc32(key))
    if (i === points.length) i = 0
    return this.#names[this.#owners[i] as number] as string
  }
}
