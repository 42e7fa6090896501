/** What the cold store holds for one entry: a string or bytes. */
export type Payload = string | Buffer

/** Turns values into cold-store payloads and back. */
export interface Serializer {
  /** Must throw, or return `undefined`, for a value it cannot represent. */
  serialize(value: unknown): Payload | undefined
  deserialize(payload: Payload): unknown
}

/** The default serializer: `JSON.stringify` / `JSON.parse` (Buffers are read as UTF-8). */
export const jsonSerializer: Serializer = Object.freeze({
  serialize(value: unknown): Payload | undefined {
    return JSON.stringify(value)
  },
  deserialize(payload: Payload): unknown {
    return JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'))
  }
})
