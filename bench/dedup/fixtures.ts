// Benchmark inputs: the package's committed (synthetic) evaluation set, the real-dialogue
// development set when it is there, and 200-character replies (English and Chinese) paired with
// user messages for the throughput bench.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Pair {
  id: string
  lang: 'en' | 'zh'
  label: 'echo' | 'natural'
  kind: string
  user: string
  reply: string
}

function jsonl(path: string): Pair[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Pair)
}

export const evalSet: Pair[] = jsonl(
  join(import.meta.dirname, '..', '..', 'packages', 'dedup', 'test', 'fixtures', 'eval-set.jsonl')
)

/** `../shared/data/echo-devset/echo-devset.jsonl` from the repository root; `[]` when absent. */
export const devSetPath = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'shared',
  'data',
  'echo-devset',
  'echo-devset.jsonl'
)
export const devSet: Pair[] = existsSync(devSetPath) ? jsonl(devSetPath) : []

function fnv(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** The tuning and held-out halves: a pair is held out when the hash of its texts is odd. */
export function split(set: Pair[]): { tune: Pair[]; heldOut: Pair[] } {
  const tune: Pair[] = []
  const heldOut: Pair[] = []
  for (const p of set) (fnv(`${p.user}\u0000${p.reply}`) & 1 ? heldOut : tune).push(p)
  return { tune, heldOut }
}

/**
 * `count` (user, reply) pairs of one language with replies of exactly `chars` UTF-16 units and
 * user messages of `userChars` (cut, or padded with the next message of the set), from the
 * package set: half of the replies echo the user.
 */
export function samples(
  lang: 'en' | 'zh',
  chars = 200,
  count = 256,
  userChars = 60
): Array<{ user: string; reply: string }> {
  const pool = evalSet.filter((p) => p.lang === lang)
  const sep = lang === 'en' ? ' ' : ''
  const out: Array<{ user: string; reply: string }> = []
  for (let i = 0; out.length < count; i++) {
    const p = pool[(i * 7) % pool.length]!
    let reply = p.reply
    // Pad with other natural replies of the set until the reply is long enough, then cut.
    for (let j = 1; reply.length < chars; j++) {
      const q = pool[(i * 7 + j * 13) % pool.length]!
      if (q.label === 'natural') reply += sep + q.reply
    }
    let user = p.user
    for (let j = 1; user.length < userChars; j++) user += sep + pool[(i * 7 + j * 11) % pool.length]!.user
    out.push({ user: user.slice(0, userChars), reply: reply.slice(0, chars) })
  }
  return out
}

export const utf8 = (s: string): number => Buffer.byteLength(s)
