/** What the cold store holds for one entry: a string or bytes. */
export type Payload = string | Buffer

/** Turns values into cold-store payloads and back. */
export interface Serializer {
  /**
   * Must throw, or return `undefined`, for a value it cannot represent. Called at flush time, once
   * per cold write (not on every `set()`), on the value current at that moment.
   */
  serialize(value: unknown): Payload | undefined
  deserialize(payload: Payload): unknown
  /**
   * Optional cheap synchronous check run by `set()`: returns why the value cannot be serialised, or
   * `undefined`. Anything it lets through and `serialize` then refuses is reported at flush time
   * (`'invalidValue'` event, `stats().invalidValues`; the write stays in the hot tier, not durable).
   */
  check?(value: unknown): string | undefined
}

/**
 * The JSON check: the top-level type, then (for an object without `toJSON`) its own enumerable
 * properties one level deep: a BigInt or a direct self-reference. Deeper problems are found at flush.
 */
function checkJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return 'the value is undefined'
    case 'function':
    case 'symbol':
      return `a ${typeof value} is not JSON`
    case 'bigint':
      return 'Do not know how to serialize a BigInt'
    case 'object': {
      if (value === null || typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined
      const o = value as Record<string, unknown>
      for (const k in o) {
        const v = o[k]
        if (v === value) return `Converting circular structure to JSON (property "${k}")`
        if (typeof v === 'bigint') return `Do not know how to serialize a BigInt (property "${k}")`
      }
      return undefined
    }
    default:
      return undefined
  }
}

/** The default serializer: `JSON.stringify` / `JSON.parse` (Buffers are read as UTF-8). */
export const jsonSerializer: Serializer = Object.freeze({
  serialize(value: unknown): Payload | undefined {
    return JSON.stringify(value)
  },
  deserialize(payload: Payload): unknown {
    return JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'))
  },
  check: checkJson
})
