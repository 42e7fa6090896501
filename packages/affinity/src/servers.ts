import { AFFINITY_DUPLICATE_SERVER, AFFINITY_INVALID_OPTION, AFFINITY_OPTION_RANGE } from './errors.ts'

/** One upstream server, as in an nginx `upstream` block. */
export interface ServerSpec {
  /** `host:port` exactly as written after `server` (`127.0.0.1:8080`, `node-a:8080`, `unix:/run/a.sock`). */
  server: string
  /** nginx `weight=`: an integer in [1, 1000]. Default `1`. */
  weight?: number
  /** nginx `down`: keeps its points on the ring, but keys that land on them go to the next server clockwise. Default `false`. */
  down?: boolean
}

/** A validated server: every field present. */
export interface Server {
  readonly server: string
  readonly weight: number
  readonly down: boolean
}

/** The highest weight a server may have (nginx places 160 points per unit of weight). */
export const MAX_WEIGHT = 1000

/** Renders a value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint') return `${value}n`
  try {
    return String(JSON.stringify(value))
  } catch {
    return typeof value
  }
}

/** Validates one server spec (`name` is the option path used in errors). */
export function normalizeServer(spec: unknown, name: string): Server {
  if (spec === null || typeof spec !== 'object') {
    throw new AFFINITY_INVALID_OPTION(name, 'an object { server, weight?, down? }', show(spec))
  }
  const { server, weight = 1, down = false } = spec as ServerSpec
  if (typeof server !== 'string' || server === '') {
    throw new AFFINITY_INVALID_OPTION(`${name}.server`, 'a non-empty "host:port" string', show(server))
  }
  if (typeof weight !== 'number')
    throw new AFFINITY_INVALID_OPTION(`${name}.weight`, 'a number', show(weight))
  if (!Number.isInteger(weight) || weight < 1 || weight > MAX_WEIGHT) {
    throw new AFFINITY_OPTION_RANGE(`${name}.weight`, `an integer in [1, ${MAX_WEIGHT}]`, show(weight))
  }
  if (typeof down !== 'boolean') throw new AFFINITY_INVALID_OPTION(`${name}.down`, 'a boolean', show(down))
  return Object.freeze({ server, weight, down })
}

/** Validates a server list (in order; a server may appear once). */
export function normalizeServers(list: unknown, name = 'servers'): readonly Server[] {
  if (!Array.isArray(list))
    throw new AFFINITY_INVALID_OPTION(name, 'an array of { server, weight? }', show(list))
  const seen = new Set<string>()
  const out = list.map((spec, i) => {
    const s = normalizeServer(spec, `${name}[${i}]`)
    if (seen.has(s.server)) throw new AFFINITY_DUPLICATE_SERVER(s.server)
    seen.add(s.server)
    return s
  })
  return Object.freeze(out)
}

/** What both rings offer. */
export interface Ring {
  /** The servers the ring was built from, validated, in the order given. */
  readonly servers: readonly Server[]
  /** The `server` string that owns `key`. Throws `AFFINITY_EMPTY_RING` when no server is up. */
  owner(key: string): string
}

/** Index of the first element of the sorted `points` that is >= `hash`; `points.length` when none is. */
export function lowerBound(points: Uint32Array, hash: number): number {
  let lo = 0
  let hi = points.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((points[mid] as number) < hash) lo = mid + 1
    else hi = mid
  }
  return lo
}
