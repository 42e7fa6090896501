import {
  ALPHA,
  ALPHA_X,
  astralClass,
  CJK,
  classTable,
  DIGIT,
  DIGIT_X,
  EXTEND,
  HARD,
  MID_LETTER,
  MID_NUM,
  SINGLE_QUOTE,
  SOFT
} from './classes.ts'
import { tokenKey } from './normalize.ts'

/** One token of a text: its normalized value and where it sits in the original string. */
export interface Token {
  /** The token as written: `text.slice(start, end)`. */
  text: string
  /** The normalized token ({@link normalize} of `text`): what n-grams compare. */
  value: string
  /** Offset of the first UTF-16 code unit in the original string. */
  start: number
  /** Offset just past the last UTF-16 code unit in the original string. */
  end: number
}

/** Options of {@link tokens}. */
export interface TokensOptions {
  /**
   * BCP 47 locale handed to `Intl.Segmenter` for the words the fast path does not know (Thai,
   * Arabic, ...). Default: `undefined` (the runtime's default locale).
   */
  locale?: string
}

/**
 * Growable struct-of-arrays token list: offsets and 32-bit hashes of normalized values. Reused
 * between calls so the hot path allocates nothing per token.
 * @internal
 */
export class TokenList {
  count = 0
  start: Int32Array
  end: Int32Array
  hash: Int32Array

  constructor(capacity = 64) {
    this.start = new Int32Array(capacity)
    this.end = new Int32Array(capacity)
    this.hash = new Int32Array(capacity)
  }

  push(start: number, end: number, hash: number): void {
    if (this.count === this.start.length) this.#grow()
    const i = this.count++
    this.start[i] = start
    this.end[i] = end
    this.hash[i] = hash
  }

  #grow(): void {
    const size = this.start.length * 2
    const s = new Int32Array(size)
    s.set(this.start)
    this.start = s
    const e = new Int32Array(size)
    e.set(this.end)
    this.end = e
    const h = new Int32Array(size)
    h.set(this.hash)
    this.hash = h
  }
}

/** FNV-1a over UTF-16 code units: the hash of a normalized token value. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h | 0
}

const segmenters = new Map<string, Intl.Segmenter>()
const graphemers = new Map<string, Intl.Segmenter>()

function segmenter(cache: Map<string, Intl.Segmenter>, locale: string | undefined, word: boolean) {
  const key = locale ?? ''
  let s = cache.get(key)
  if (s === undefined) {
    try {
      s = new Intl.Segmenter(locale, { granularity: word ? 'word' : 'grapheme' })
    } catch {
      s = new Intl.Segmenter(undefined, { granularity: word ? 'word' : 'grapheme' })
    }
    cache.set(key, s)
  }
  return s
}

const cjkScript = /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}]/u

function isLetter(cls: number): boolean {
  return cls === ALPHA || cls === ALPHA_X
}
function isDigit(cls: number): boolean {
  return cls === DIGIT || cls === DIGIT_X
}

/**
 * Fast path for a piece made only of ASCII / Latin / Greek / Cyrillic / fullwidth letters and
 * digits and the mid-word punctuation `' . : , ; · ‘ ’`: the UAX #29 word rules WB5-WB11 that
 * apply to those characters, which is exactly what `Intl.Segmenter` does on them (property-tested).
 */
function fastPiece(text: string, a: number, b: number, out: TokenList): void {
  const t = classTable()
  let j = a
  while (j < b) {
    const cls = t[text.charCodeAt(j)]!
    if (cls < ALPHA || cls > DIGIT_X) {
      j++
      continue
    }
    let k = j + 1
    let ascii = cls === ALPHA || cls === DIGIT
    let prev = cls
    while (k < b) {
      const c = t[text.charCodeAt(k)]!
      if (c >= ALPHA && c <= DIGIT_X) {
        if (c === ALPHA_X || c === DIGIT_X) ascii = false
        prev = c
        k++
        continue
      }
      if (k + 1 < b) {
        const next = t[text.charCodeAt(k + 1)]!
        const letters = isLetter(prev) && isLetter(next) && c !== MID_NUM
        const digits = isDigit(prev) && isDigit(next) && c !== MID_LETTER
        if (letters || digits) {
          if (c !== SINGLE_QUOTE && text.charCodeAt(k) > 0x7f) ascii = false
          if (next === ALPHA_X || next === DIGIT_X) ascii = false
          prev = next
          k += 2
          continue
        }
      }
      break
    }
    let h: number
    if (ascii) {
      // Lower-case ASCII inline: no string is built for the common case.
      h = 0x811c9dc5
      for (let i = j; i < k; i++) {
        let c = text.charCodeAt(i)
        if (c >= 0x41 && c <= 0x5a) c += 0x20
        h = Math.imul(h ^ c, 0x01000193)
      }
      h |= 0
    } else {
      h = hashString(tokenKey(text.slice(j, k)))
    }
    out.push(j, k, h)
    j = k
  }
}

/**
 * One ASCII word starting at `i` (UAX #29 rules of {@link fastPiece}), emitted only when what
 * follows proves the piece ends with it: a hard boundary, a CJK character, or a single mid-word
 * mark followed by a hard boundary (`word. `). Returns where scanning resumes, or -1 to let the
 * generic path handle the piece (non-ASCII letters, `_`, end of the text, ...).
 */
function asciiWord(text: string, i: number, to: number, t: Uint8Array, out: TokenList): number {
  let h = 0x811c9dc5
  let k = i
  let prev = 0
  while (k < to) {
    let c = text.charCodeAt(k)
    if (c < 0x80) {
      const cls = t[c]!
      if (cls === ALPHA || cls === DIGIT) {
        if (c <= 0x5a && c >= 0x41) c += 0x20
        h = Math.imul(h ^ c, 0x01000193)
        prev = cls
        k++
        continue
      }
      if (cls >= MID_LETTER && cls <= SINGLE_QUOTE && k + 1 < to) {
        let d = text.charCodeAt(k + 1)
        const next = d < 0x80 ? t[d]! : HARD
        const join =
          (prev === ALPHA && next === ALPHA && cls !== MID_NUM) ||
          (prev === DIGIT && next === DIGIT && cls !== MID_LETTER)
        if (join) {
          if (d <= 0x5a && d >= 0x41) d += 0x20
          h = Math.imul(Math.imul(h ^ c, 0x01000193) ^ d, 0x01000193)
          prev = next
          k += 2
          continue
        }
      }
    }
    break
  }
  if (k >= to) return -1
  const c = text.charCodeAt(k)
  let resume = k
  if (c >= 0xd800 && c <= 0xdfff) return -1
  const cls = t[c]!
  if (cls >= MID_LETTER && cls <= SINGLE_QUOTE) {
    if (k + 1 >= to) return -1
    const d = text.charCodeAt(k + 1)
    if (d >= 0xd800 && d <= 0xdfff) return -1
    if (t[d] !== HARD) return -1
    resume = k + 1
  } else if (cls !== HARD && cls !== CJK) return -1
  out.push(i, k, h | 0)
  return resume
}

/** Exact path: `Intl.Segmenter` word-like segments, with CJK graphemes split one per token. */
function slowPiece(text: string, a: number, b: number, out: TokenList, locale: string | undefined): void {
  const piece = text.slice(a, b)
  const graphemes = segmenter(graphemers, locale, false)
  for (const seg of segmenter(segmenters, locale, true).segment(piece)) {
    if (!seg.isWordLike) continue
    const base = a + seg.index
    let runStart = -1
    let runEnd = -1
    for (const g of graphemes.segment(seg.segment)) {
      const gs = base + g.index
      const ge = gs + g.segment.length
      if (cjkScript.test(g.segment)) {
        if (runStart >= 0) {
          out.push(runStart, runEnd, hashString(tokenKey(text.slice(runStart, runEnd))))
          runStart = -1
        }
        out.push(gs, ge, hashString(tokenKey(g.segment)))
      } else {
        if (runStart < 0) runStart = gs
        runEnd = ge
      }
    }
    if (runStart >= 0) out.push(runStart, runEnd, hashString(tokenKey(text.slice(runStart, runEnd))))
  }
}

/**
 * Tokenizes `text[from, to)` into `out` and returns the offset up to which the result is final.
 *
 * The text is cut into pieces at hard boundaries (whitespace, punctuation other than the mid-word
 * marks, symbols, emoji, lone surrogates) and around CJK characters, which are one token each.
 * A piece of known characters takes the fast path; any other piece goes to `Intl.Segmenter`.
 * Because pieces never span a hard boundary, tokenizing a text in pieces gives the same tokens as
 * tokenizing it whole: this is what makes the streaming guard agree with the whole-text functions.
 * With `final` false, the trailing piece (or CJK character, or half surrogate pair), which more
 * text could still extend, is left out and its start returned.
 * @internal
 */
export function scan(
  text: string,
  from: number,
  to: number,
  final: boolean,
  out: TokenList,
  locale?: string
): number {
  const t = classTable()
  let pieceStart = -1
  let pieceFast = true
  let cjkStart = -1
  let cjkEnd = -1
  let cjkHash = 0
  let i = from
  while (i < to) {
    const c = text.charCodeAt(i)
    if (c < 0x80 && pieceStart < 0) {
      // ASCII between pieces: skip separators and take whole ASCII words in one pass, without
      // the generic piece bookkeeping (about 2x faster on English text).
      if (cjkStart >= 0) {
        out.push(cjkStart, cjkEnd, cjkHash)
        cjkStart = -1
      }
      const cls = t[c]!
      if (cls === HARD) {
        i++
        continue
      }
      if (cls === ALPHA || cls === DIGIT) {
        const k = asciiWord(text, i, to, t, out)
        if (k >= 0) {
          i = k
          continue
        }
      }
    }
    let cls: number
    let width = 1
    if (c >= 0xd800 && c <= 0xdbff) {
      if (i + 1 < to) {
        const d = text.charCodeAt(i + 1)
        if (d >= 0xdc00 && d <= 0xdfff) {
          cls = astralClass(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000)
          width = 2
        } else cls = HARD
      } else if (!final) {
        break
      } else cls = HARD
    } else if (c >= 0xdc00 && c <= 0xdfff) cls = HARD
    else cls = t[c]!

    if (cls === EXTEND) {
      if (cjkStart >= 0) cjkEnd = i + width
      else if (pieceStart >= 0) pieceFast = false
      i += width
      continue
    }
    if (cjkStart >= 0) {
      out.push(cjkStart, cjkEnd, cjkHash)
      cjkStart = -1
    }
    if (cls === HARD || cls === CJK) {
      if (pieceStart >= 0) {
        if (pieceFast) fastPiece(text, pieceStart, i, out)
        else slowPiece(text, pieceStart, i, out, locale)
        pieceStart = -1
      }
      if (cls === CJK) {
        let j = i
        if (width === 1) {
          // A run of BMP CJK characters: each one is a token as soon as the next is also CJK
          // (so no combining mark can follow it); only the run's last one waits as pending.
          while (j + 1 < to) {
            const d = text.charCodeAt(j + 1)
            if (d >= 0xd800 && d <= 0xdfff) break
            if (t[d] !== CJK) break
            out.push(j, j + 1, Math.imul(0x811c9dc5 ^ text.charCodeAt(j), 0x01000193) | 0)
            j++
          }
        }
        cjkStart = j
        cjkEnd = j + width
        let h = Math.imul(0x811c9dc5 ^ text.charCodeAt(j), 0x01000193)
        if (width === 2) h = Math.imul(h ^ text.charCodeAt(j + 1), 0x01000193)
        cjkHash = h | 0
        i = j + width
        continue
      }
    } else if (pieceStart < 0) {
      pieceStart = i
      pieceFast = cls !== SOFT && width === 1
    } else if (cls === SOFT || width === 2) pieceFast = false
    i += width
  }
  if (!final) {
    if (cjkStart >= 0) return cjkStart
    if (pieceStart >= 0) return pieceStart
    return i
  }
  if (cjkStart >= 0) out.push(cjkStart, cjkEnd, cjkHash)
  if (pieceStart >= 0) {
    if (pieceFast) fastPiece(text, pieceStart, to, out)
    else slowPiece(text, pieceStart, to, out, locale)
  }
  return to
}

/** The largest `end <= limit` that does not split a surrogate pair. */
export function codePointLimit(text: string, limit: number): number {
  if (limit >= text.length) return text.length
  const c = text.charCodeAt(limit - 1)
  return c >= 0xd800 && c <= 0xdbff ? limit - 1 : limit
}

/**
 * Splits `text` into word tokens with offsets into the original string.
 *
 * - Space-separated scripts: the word-like segments of `Intl.Segmenter` (granularity `word`), e.g.
 *   `don't`, `3.14`, `naïve`. Latin, Greek, Cyrillic and fullwidth words take an equivalent fast path.
 * - Han, Hiragana/Katakana and Hangul: one token per character, so "我也觉得" is 4 tokens.
 * - Punctuation, symbols, emoji and whitespace are never tokens.
 *
 * Each token's `value` is its {@link normalize}d form. Never throws; a non-string gives `[]`.
 */
export function tokens(text: string, options?: TokensOptions): Token[] {
  if (typeof text !== 'string' || text.length === 0) return []
  const list = new TokenList()
  scan(text, 0, text.length, true, list, options?.locale)
  const result: Token[] = new Array(list.count)
  for (let i = 0; i < list.count; i++) {
    const start = list.start[i]!
    const end = list.end[i]!
    const raw = text.slice(start, end)
    result[i] = { text: raw, value: tokenKey(raw), start, end }
  }
  return result
}
