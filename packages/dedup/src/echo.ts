import { formulaOnly } from './formula.ts'
import { gramB, gramHash, UserGrams } from './grams.ts'
import { type DedupOptions, type NormalizedOptions, normalizeOptions } from './options.ts'
import { tidyJoin } from './tidy.ts'
import { codePointLimit, scan, TokenList } from './tokenize.ts'

/** The user's previous message, or the last few of them (oldest first). */
export type Previous = string | readonly string[]

/** A range of the original reply string: `reply.slice(start, end)`. */
export interface Span {
  /** Offset of the first UTF-16 code unit. */
  start: number
  /** Offset just past the last UTF-16 code unit. */
  end: number
}

/** Result of {@link echoScore}. */
export interface EchoScore {
  /**
   * Share of the user's tokens (0..1) reproduced by the reply in one near-contiguous copy (see
   * {@link Chain}: the user's n-grams, in order, skipping at most 2 tokens on either side per edit):
   * 1 when the whole message is repeated, robust to a few edited words; a name or a phrase shared
   * with the user gives a small share. The maximum over the messages.
   */
  score: number
  /** Share of the user's tokens covered by user n-grams found anywhere in the reply, same message. */
  coverage: number
  /** Share of the user's distinct n-grams that reappear in the reply (plain containment), same message. */
  containment: number
  /** The reply's range holding that copy (what drove `score`), or null when nothing matched. */
  copy: Span | null
  /** Index in `previous` of the message that scored highest, or -1 when none could be judged. */
  index: number
  /** Spans of the reply made of the user's n-grams, merged across gaps of up to 2 tokens. */
  matchedSpans: Span[]
}

/** Result of {@link stripEcho}. */
export interface StripResult {
  /** The reply with the echoed spans removed and the seams tidied (no dangling punctuation). */
  text: string
  /** The spans removed, as offsets and text of the original reply. Empty when it was not an echo. */
  removed: Array<Span & { text: string }>
  /** The echo score of the reply. */
  score: number
}

/** Largest gap, in tokens, bridged between two matched runs when building spans (an edited word). */
const MAX_GAP = 2

const replyList = new TokenList(256)
const userList = new TokenList(64)
const user = new UserGrams()
const chain = user.chain
let covered = new Uint8Array(64)
let seen = new Uint8Array(64)
let matched = new Uint8Array(256)
const bits = new Uint32Array(64)
let bestIndex = -1
let bestContainment = 0
let bestCoverage = 0
let bestStart = 0
let bestEnd = 0
let lastCoverage = 0

/** Start of the last `maxChars` of a user message, not splitting a surrogate pair. */
function tailFrom(text: string, maxChars: number): number {
  let from = text.length - maxChars
  if (from <= 0) return 0
  const c = text.charCodeAt(from)
  if (c >= 0xdc00 && c <= 0xdfff) from++
  return from
}

function scoreMessage(text: string, o: NormalizedOptions, m: number, spans: boolean): number {
  userList.count = 0
  scan(text, tailFrom(text, o.maxChars), text.length, true, userList, o.locale)
  user.load(userList, o.n, false)
  const { k, g } = user
  if (g === 0 || k < o.minTokens || m < g || formulaOnly(user.hash, k)) return -1
  const grams = k - g + 1
  if (spans) {
    // Coverage and containment are only reported by echoScore: isEcho needs the chain alone.
    if (covered.length < k) {
      covered = new Uint8Array(k * 2)
      seen = new Uint8Array(k * 2)
    }
    covered.fill(0, 0, k)
    seen.fill(0, 0, grams)
  }
  const { table, next } = user
  chain.reset(g)
  const hashes = replyList.hash
  // A 2048-bit filter of the user's token pairs (g >= 2): a reply gram can only match when its
  // first and last pairs are user pairs, so most positions skip hashing altogether. Pairs, not
  // single tokens: in Chinese the common characters (的, 是, 有 ...) are in nearly every message,
  // so a filter of characters let most positions through.
  bits.fill(0)
  const uh = user.hash
  for (let t = 0; t + 1 < k; t++) {
    const x = (Math.imul(uh[t]!, 0x9e3779b1) + uh[t + 1]!) >>> 21
    bits[x >>> 5]! |= 1 << (x & 31)
  }
  let coveredCount = 0
  let seenCount = 0
  // Grams of one token (option n = 1) have no pair: every position is looked up.
  const pairs = g >= 2
  for (let j = 0; j + g <= m; j++) {
    if (pairs) {
      const first = (Math.imul(hashes[j]!, 0x9e3779b1) + hashes[j + 1]!) >>> 21
      if ((bits[first >>> 5]! & (1 << (first & 31))) === 0) continue
      const last = (Math.imul(hashes[j + g - 2]!, 0x9e3779b1) + hashes[j + g - 1]!) >>> 21
      if ((bits[last >>> 5]! & (1 << (last & 31))) === 0) continue
    }
    const a = gramHash(hashes, j, g)
    const b = gramB
    const s = table.find(a, b)
    if (s < 0) continue
    chain.add(j, table.data[s]!, next)
    if (!spans) continue
    matched.fill(1, j, j + g)
    for (let u = table.data[s]!; u >= 0; u = next[u]!) {
      if (seen[u] === 1) continue
      seen[u] = 1
      seenCount++
      for (let t = u; t < u + g; t++) {
        if (covered[t] === 0) {
          covered[t] = 1
          coveredCount++
        }
      }
    }
  }
  bestContainment = seenCount / grams
  lastCoverage = coveredCount / k
  return chain.best / k
}

/**
 * Scores `reply` against each user message; returns the best score and leaves the reply's tokens
 * in `replyList` (and, with `spans`, the matched tokens flagged in `matched`).
 */
function analyze(reply: unknown, previous: unknown, o: NormalizedOptions, spans: boolean): number {
  const text = typeof reply === 'string' ? reply : ''
  replyList.count = 0
  scan(text, 0, codePointLimit(text, o.maxChars), true, replyList, o.locale)
  const m = replyList.count
  if (spans) {
    if (matched.length < m) matched = new Uint8Array(m * 2)
    matched.fill(0, 0, m)
  }
  let best = 0
  let containment = 0
  let coverage = 0
  bestIndex = -1
  bestStart = 0
  bestEnd = 0
  if (typeof previous === 'string') {
    const s = scoreMessage(previous, o, m, spans)
    if (s >= 0) {
      best = s
      containment = bestContainment
      coverage = lastCoverage
      bestIndex = 0
      bestStart = chain.bestStart
      bestEnd = chain.bestEnd
    }
  } else if (Array.isArray(previous)) {
    for (let i = Math.max(0, previous.length - o.maxPrevious); i < previous.length; i++) {
      const p: unknown = previous[i]
      if (typeof p !== 'string') continue
      const s = scoreMessage(p, o, m, spans)
      if (s > best || (s >= 0 && bestIndex < 0)) {
        best = s
        containment = bestContainment
        coverage = lastCoverage
        bestIndex = i
        bestStart = chain.bestStart
        bestEnd = chain.bestEnd
      }
    }
  }
  bestContainment = containment
  bestCoverage = coverage
  return best
}

const sentenceEnd = /[.!?。！？\n]/

function collectSpans(text: string): Span[] {
  const out: Span[] = []
  const m = replyList.count
  const { start, end } = replyList
  let j = 0
  while (j < m) {
    if (matched[j] === 0) {
      j++
      continue
    }
    let last = j
    let t = j + 1
    // Bridge an edited word or two inside one echo, never a sentence boundary.
    while (t < m && t - last - 1 <= MAX_GAP) {
      if (matched[t] === 1) {
        if (t > last + 1 && sentenceEnd.test(text.slice(end[last]!, start[t]!))) break
        last = t
      }
      t++
    }
    out.push({ start: replyList.start[j]!, end: replyList.end[last]! })
    j = last + 1
  }
  return out
}

/**
 * How much of the user's message(s) the reply repeats. Tokens are compared after
 * {@link normalize}; n-grams are words in space-separated scripts and characters in CJK runs.
 * `previous` may be one message or the last few user messages: each is scored and the best kept.
 * Never throws on bad input (a non-string counts as empty).
 */
export function echoScore(reply: string, previous: Previous, options?: DedupOptions): EchoScore {
  const o = normalizeOptions(options)
  const score = analyze(reply, previous, o, true)
  return {
    score,
    coverage: bestCoverage,
    containment: bestContainment,
    copy:
      bestEnd > bestStart ? { start: replyList.start[bestStart]!, end: replyList.end[bestEnd - 1]! } : null,
    index: bestIndex,
    matchedSpans: collectSpans(typeof reply === 'string' ? reply : '')
  }
}

/**
 * Whether `reply` echoes the user: `echoScore(...).score >= threshold` (default 0.54, measured on
 * the development set). Allocates nothing per call in the common case.
 */
export function isEcho(reply: string, previous: Previous, options?: DedupOptions): boolean {
  const o = normalizeOptions(options)
  return analyze(reply, previous, o, false) >= o.threshold
}

/**
 * Removes the echoed spans from an echoing reply and tidies the seams (empty quotes or brackets,
 * doubled or dangling punctuation, spaces, capital letter at the start). A reply below the
 * threshold is returned unchanged: reusing a phrase of the user's is not an echo.
 */
export function stripEcho(reply: string, previous: Previous, options?: DedupOptions): StripResult {
  const o = normalizeOptions(options)
  const text = typeof reply === 'string' ? reply : ''
  const score = analyze(text, previous, o, true)
  if (score < o.threshold) return { text, removed: [], score }
  const spans = collectSpans(text)
  const removed = spans.map((s) => ({ start: s.start, end: s.end, text: text.slice(s.start, s.end) }))
  let out = text.slice(0, spans[0]!.start)
  for (let i = 0; i < spans.length; i++) {
    const end = i + 1 < spans.length ? spans[i + 1]!.start : text.length
    out = tidyJoin(out, text.slice(spans[i]!.end, end))
  }
  return { text: out, removed, score }
}
