// Deterministic generator of the labelled echo evaluation set.
//   cd bench && node --import tsx dedup/eval/generate.ts
// writes packages/dedup/test/fixtures/eval-set.jsonl (committed). Same seed, same file.
// How the set is made and what it cannot tell you: bench/dedup/README.md.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { mulberry32 } from '../../lib/prng.ts'
import { type Domain, domainsEn, fillersEn, leadInsEn, openersEn, reuseFramesEn } from './material-en.ts'
import { domainsZh, fillersZh, leadInsZh, openersZh, reuseFramesZh } from './material-zh.ts'

/** One labelled pair. */
export interface EvalPair {
  id: string
  lang: 'en' | 'zh'
  /** `echo`: the reply repeats all or most of the user message; `natural`: it does not. */
  label: 'echo' | 'natural'
  /** How the pair was made: natural, hard-negative, or echo-<placement>-<edit>. */
  kind: string
  user: string
  reply: string
}

export const SEED = 20261123
export const PER_LANGUAGE = 1200

interface Lang {
  code: 'en' | 'zh'
  domains: Domain[]
  openers: string[]
  frames: string[]
  leadIns: string[]
  fillers: string[]
  contexts: string[]
  /** Splits a message into editable units (words, or characters for Chinese). */
  units(s: string): string[]
  join(units: string[]): string
  sentence(s: string, end: string): string
  space: string
}

const en: Lang = {
  code: 'en',
  domains: domainsEn,
  openers: openersEn,
  frames: reuseFramesEn,
  leadIns: leadInsEn,
  fillers: fillersEn,
  contexts: [
    'Any advice would help.',
    'Thanks in advance.',
    'This has been bothering me for a while.',
    'I would appreciate an honest opinion.',
    'Please keep it simple.',
    ''
  ],
  units: (s) => s.split(/\s+/).filter(Boolean),
  join: (u) => u.join(' '),
  sentence: (s, end) => (/[.!?]$/.test(s) ? s : s + end),
  space: ' '
}

const zh: Lang = {
  code: 'zh',
  domains: domainsZh,
  openers: openersZh,
  frames: reuseFramesZh,
  leadIns: leadInsZh,
  fillers: fillersZh,
  contexts: [
    '有什么建议吗？',
    '先谢谢了。',
    '这件事困扰我好久了。',
    '希望听听真实的看法。',
    '说简单点就行。',
    ''
  ],
  units: (s) => Array.from(s),
  join: (u) => u.join(''),
  sentence: (s, end) => (/[。！？]$/.test(s) ? s : s + end),
  space: ''
}

function generate(lang: Lang, seed: number): EvalPair[] {
  const rnd = mulberry32(seed)
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1))
  const cap = (s: string): string => (lang.code === 'en' ? s.charAt(0).toUpperCase() + s.slice(1) : s)
  const lowerFirst = (s: string): string =>
    lang.code === 'en' && !/^I\b/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s
  const stripEnd = (s: string): string => s.replace(/[.!?。！？]+$/, '')
  const end = (q: boolean): string => (lang.code === 'en' ? (q ? '?' : '.') : q ? '？' : '。')

  let lastEntity = ''
  let lastAspect = ''
  function userMessage(d: Domain): string {
    const t = pick(d.user)
    lastEntity = pick(d.entities)
    lastAspect = t.includes('{a}') ? pick(d.aspects) : ''
    let s = cap(t.replaceAll('{e}', lastEntity).replaceAll('{a}', lastAspect))
    const question = /[?？]$/.test(s)
    if (!question && rnd() < 0.6)
      s = lang.sentence(s, lang.code === 'en' ? pick(['.', '!', '.']) : pick(['。', '！', '。']))
    if (rnd() < 0.25) {
      const c = pick(lang.contexts)
      if (c) s = lang.sentence(s, end(false)) + lang.space + c
    }
    return s
  }

  function naturalReply(d: Domain, sentences: number): string {
    const pool = [...d.reply]
    const parts: string[] = []
    const o = pick(lang.openers)
    for (let i = 0; i < sentences && pool.length; i++)
      parts.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0]!)
    let body = parts.join(lang.space)
    if (o.endsWith(',') || o.endsWith('，') || o === 'Right, so') body = lowerFirst(body)
    return o ? o + lang.space + body : body
  }

  /** Content units of the user message (punctuation-free words or characters). */
  function contentUnits(u: string): string[] {
    return lang
      .units(u)
      .map((w) => w.replace(/[.,!?;:"“”。，！？；：、]/g, ''))
      .filter(Boolean)
  }

  /**
   * A natural reply that legitimately reuses a few of the user's words: the entity, the aspect,
   * both, or a random run of 2-3 words (2-4 characters in Chinese), never more than ~40% of them.
   */
  function hardNegative(d: Domain, u: string): string {
    const units = contentUnits(u)
    const budget = Math.max(2, Math.floor(units.length * 0.4))
    const size = (c: string): number => contentUnits(c).length
    const chunks: string[] = []
    const r = rnd()
    if (r < 0.35) chunks.push(lastEntity.replace(/^(the|my|our) /i, ''))
    else if (r < 0.55 && lastAspect) chunks.push(lastAspect)
    else if (r < 0.7 && lastAspect) chunks.push(lastEntity.replace(/^(the|my|our) /i, ''), lastAspect)
    if (chunks.length === 0 || chunks.reduce((a, c) => a + size(c), 0) > budget) {
      chunks.length = 0
      const len = Math.min(budget, lang.code === 'en' ? int(2, 3) : int(2, 4))
      const at = int(0, Math.max(0, units.length - len))
      chunks.push(lang.join(units.slice(at, at + len)))
    }
    let reply = naturalReply(d, int(1, 2))
    for (const c of chunks) {
      const frame = pick(lang.frames).replace('{c}', c)
      reply =
        rnd() < 0.5
          ? frame + lowerFirst(reply)
          : reply +
            lang.space +
            cap(frame).replace(/[,:，：.]\s*$/, '') +
            pick(
              lang.code === 'en'
                ? [' is worth a second look.', ' matters too.', ' is a common concern.']
                : ['也值得留意。', '是很多人关心的问题。', '可以再看看。']
            )
    }
    return reply
  }

  function edit(u: string): { text: string; edit: string } {
    const r = rnd()
    const units = lang.units(stripEnd(u))
    const n = units.length
    if (r < 0.35) return { text: u, edit: 'exact' }
    if (r < 0.45) {
      if (lang.code === 'en') {
        const t = rnd() < 0.5 ? u.toLowerCase() : u.replace(/[.,!?]/g, '')
        return { text: t, edit: 'case-punct' }
      }
      return { text: u.replace(/[，。！？]/g, (c) => (c === '，' ? ' ' : '')), edit: 'case-punct' }
    }
    if (r < 0.6) {
      const i = int(1, n - 1)
      units[i] = pick(lang.fillers)
      return { text: lang.join(units), edit: 'substitute' }
    }
    if (r < 0.7) {
      units.splice(int(1, n - 1), 1)
      return { text: lang.join(units), edit: 'delete' }
    }
    if (r < 0.8) {
      units.splice(int(1, n - 1), 0, pick(lang.fillers))
      return { text: lang.join(units), edit: 'insert' }
    }
    if (r < 0.95 || n < 10) {
      const drop = int(1, Math.max(1, Math.floor(n * 0.3)))
      const kept = rnd() < 0.5 ? units.slice(drop) : units.slice(0, n - drop)
      return { text: lang.join(kept), edit: 'most' }
    }
    units[int(1, Math.floor(n / 2))] = pick(lang.fillers)
    units.splice(int(Math.floor(n / 2) + 1, n - 1), 1)
    return { text: lang.join(units), edit: 'two-edits' }
  }

  function echo(d: Domain, u: string): { reply: string; kind: string } {
    const e = edit(u)
    const body = stripEnd(e.text)
    const r = naturalReply(d, int(1, 2))
    const p = rnd()
    const zhText = lang.code === 'zh'
    let reply: string
    let place: string
    if (p < 0.25) {
      place = 'prefix'
      reply = lang.sentence(body, end(/[?？]$/.test(e.text))) + lang.space + r
    } else if (p < 0.45) {
      place = 'lead-in'
      const lead = pick(lang.leadIns)
      reply = zhText ? `${lead}${body}，${r}` : `${lead} ${lowerFirst(body)}. ${cap(r)}`
    } else if (p < 0.65) {
      place = 'quoted'
      reply = zhText
        ? pick([`你说“${body}”。${r}`, `“${body}”——${r}`, `关于“${body}”这个问题，${r}`])
        : pick([
            `You said "${body}". ${r}`,
            `"${body}" - ${r}`,
            `Regarding your question "${body}", ${lowerFirst(r)}`
          ])
    } else if (p < 0.85) {
      place = 'middle'
      const s1 = naturalReply(d, 1)
      const lead = pick(lang.leadIns)
      reply = zhText ? `${s1}${lead}${body}。${r}` : `${s1} ${lead} ${lowerFirst(body)}. ${cap(r)}`
    } else {
      place = 'suffix'
      const lead = pick(lang.leadIns)
      reply = zhText ? `${r}${lead}${body}。` : `${r} ${lead} ${lowerFirst(body)}.`
    }
    return { reply, kind: `echo-${place}-${e.edit}` }
  }

  const out: EvalPair[] = []
  for (let i = 0; i < PER_LANGUAGE; i++) {
    const d = lang.domains[i % lang.domains.length]!
    const user = userMessage(d)
    const id = `${lang.code}-${String(i).padStart(4, '0')}`
    if (i % 2 === 0) {
      const hard = i % 4 === 2
      const reply = hard ? hardNegative(d, user) : naturalReply(d, int(1, 3))
      out.push({
        id,
        lang: lang.code,
        label: 'natural',
        kind: hard ? 'hard-negative' : 'natural',
        user,
        reply
      })
    } else {
      const e = echo(d, user)
      out.push({ id, lang: lang.code, label: 'echo', kind: e.kind, user, reply: e.reply })
    }
  }
  return out
}

export function generateAll(): EvalPair[] {
  return [...generate(en, SEED), ...generate(zh, SEED + 1)]
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const pairs = generateAll()
  const file = join(
    import.meta.dirname,
    '..',
    '..',
    '..',
    'packages',
    'dedup',
    'test',
    'fixtures',
    'eval-set.jsonl'
  )
  writeFileSync(file, `${pairs.map((p) => JSON.stringify(p)).join('\n')}\n`)
  console.log(`wrote ${pairs.length} pairs to ${file}`)
}
