// The npm `hashring` package ships no types; the benchmark uses only this much of it.
declare module 'hashring' {
  export default class HashRing {
    constructor(
      servers: string[] | Record<string, number>,
      algorithm?: string,
      options?: Record<string, unknown>
    )
    get(key: string): string
  }
}
