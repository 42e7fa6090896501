import * as zlib from 'node:zlib'

/** CRC-32 (IEEE 802.3, as zlib and nginx's `ngx_crc32_long`) of `data`, continuing from `value`. */
export type Crc32 = (data: string | Uint8Array, value?: number) => number

/**
 * `node:zlib`'s native `crc32` (Node >= 20.15 / 22.2). Checked once at load, so a too-old Node
 * fails here with what to do instead of with "crc32 is not a function" on the first lookup.
 */
export function loadCrc32(mod: { crc32?: unknown } = zlib): Crc32 {
  if (typeof mod.crc32 !== 'function') {
    throw new Error(
      `@chatbot-pro/affinity needs node:zlib crc32 (Node >= 20.15 or >= 22.2); this is Node ${process.version}. Upgrade Node.`
    )
  }
  return mod.crc32 as Crc32
}

export const crc32: Crc32 = loadCrc32()
