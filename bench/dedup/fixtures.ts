// Benchmark inputs: 200-character replies (English and Chinese) paired with user messages, drawn
// from the committed evaluation set so the text is realistic: half echoes, half natural replies.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Pair {
  id: string
  lang: 'en' | 'zh'
  label: 'echo' | 'natural'
  kind: string
  user: string
  reply: string
}

export const evalSet: Pair[] = readFileSync(
  join(import.meta.dirname, '..', '..', 'packages', 'dedup', 'test', 'fixtures', 'eval-set.jsonl'),
  'utf8'
)
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Pair)

/** `count` (user, reply) pairs of one language with replies of exactly `chars` UTF-16 units. */
export function samples(lang: 'en' | 'zh', chars = 200, count = 256): Array<{ user: string; reply: string }> {
  const pool = evalSet.filter((p) => p.lang === lang)
  const out: Array<{ user: string; reply: string }> = []
  for (let i = 0; out.length < count; i++) {
    const p = pool[(i * 7) % pool.length]!
    let reply = p.reply
    // Pad with other natural replies of the set until the reply is long enough, then cut.
    for (let j = 1; reply.length < chars; j++) {
      const q = pool[(i * 7 + j * 13) % pool.length]!
      if (q.label === 'natural') reply += (lang === 'en' ? ' ' : '') + q.reply
    }
    out.push({ user: p.user, reply: reply.slice(0, chars) })
  }
  return out
}

export const utf8 = (s: string): number => Buffer.byteLength(s)
