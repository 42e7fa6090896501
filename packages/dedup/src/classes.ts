/**
 * Character classes of the tokenizer, one byte per UTF-16 code unit, built once on first use.
 *
 * A table lookup per code unit is what lets the hot path avoid `Intl.Segmenter` (about 140 µs per
 * 200 Chinese characters on the benchmark machine, against well under 1 µs for this scan).
 */

/** Whitespace, punctuation, symbols, emoji, controls, lone surrogates: never inside a token. */
export const HARD = 0
/** ASCII letter. */
export const ALPHA = 1
/** ASCII digit. */
export const DIGIT = 2
/** Latin-1 / Latin Extended / Greek / Cyrillic / fullwidth letter (key needs NFKC + lower). */
export const ALPHA_X = 3
/** Fullwidth digit (key needs NFKC). */
export const DIGIT_X = 4
/** UAX #29 MidLetter handled by the fast path: `:` and `·`. */
export const MID_LETTER = 5
/** UAX #29 MidNumLet handled by the fast path: `.`, `‘`, `’`. */
export const MID_NUM_LET = 6
/** UAX #29 MidNum handled by the fast path: `,` and `;`. */
export const MID_NUM = 7
/** UAX #29 Single_Quote: `'`. */
export const SINGLE_QUOTE = 8
/** Han, Hiragana, Katakana, Hangul syllable: one token per character. */
export const CJK = 9
/** A word character the fast path does not know (Thai, Arabic, `_`, ligatures...): Intl.Segmenter. */
export const SOFT = 10
/** Combining mark, variation selector, ZWJ and other format characters: joins the previous character. */
export const EXTEND = 11

let table: Uint8Array | undefined

function fill(t: Uint8Array, from: number, to: number, cls: number): void {
  t.fill(cls, from, to + 1)
}

function build(): Uint8Array {
  const t = new Uint8Array(0x10000).fill(SOFT)
  const hard = /[\p{P}\p{S}\p{Z}\s\p{Cc}\p{Co}\p{Cn}]/u
  const extend = /[\p{M}\p{Cf}]/u
  for (let c = 0x80; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xdfff
      continue
    }
    const s = String.fromCharCode(c)
    if (hard.test(s)) t[c] = HARD
    else if (extend.test(s)) t[c] = EXTEND
  }
  fill(t, 0, 0x7f, HARD)
  fill(t, 0x41, 0x5a, ALPHA)
  fill(t, 0x61, 0x7a, ALPHA)
  fill(t, 0x30, 0x39, DIGIT)
  t[0x5f] = SOFT // `_` (ExtendNumLet): rare in chat; Intl.Segmenter's handling of it is irregular
  t[0x3a] = MID_LETTER
  t[0xb7] = MID_LETTER
  t[0x2e] = MID_NUM_LET
  t[0x2018] = MID_NUM_LET
  t[0x2019] = MID_NUM_LET
  t[0x2c] = MID_NUM
  t[0x3b] = MID_NUM
  t[0x27] = SINGLE_QUOTE
  t[0x200b] = HARD // zero-width space separates words
  fill(t, 0xc0, 0xd6, ALPHA_X)
  fill(t, 0xd8, 0xf6, ALPHA_X)
  fill(t, 0xf8, 0x24f, ALPHA_X)
  t[0x386] = ALPHA_X
  fill(t, 0x388, 0x38a, ALPHA_X)
  t[0x38c] = ALPHA_X
  fill(t, 0x38e, 0x3a1, ALPHA_X)
  fill(t, 0x3a3, 0x3ce, ALPHA_X)
  fill(t, 0x400, 0x481, ALPHA_X)
  fill(t, 0xff21, 0xff3a, ALPHA_X)
  fill(t, 0xff41, 0xff5a, ALPHA_X)
  fill(t, 0xff10, 0xff19, DIGIT_X)
  // CJK: one token per character. Compatibility ideographs, half-width kana and conjoining jamo
  // stay SOFT: NFKC changes them, so they take the exact (Segmenter + NFKC) path.
  fill(t, 0x3041, 0x3096, CJK)
  fill(t, 0x309d, 0x309f, CJK)
  fill(t, 0x30a1, 0x30fa, CJK)
  fill(t, 0x30fc, 0x30fe, CJK)
  fill(t, 0x31f0, 0x31ff, CJK)
  fill(t, 0x3400, 0x4dbf, CJK)
  fill(t, 0x4e00, 0x9fff, CJK)
  fill(t, 0xac00, 0xd7a3, CJK)
  fill(t, 0x3005, 0x3007, CJK)
  fill(t, 0x3021, 0x3029, CJK)
  fill(t, 0x3031, 0x3035, CJK)
  fill(t, 0x303b, 0x303c, CJK)
  return t
}

/** The class of a BMP code unit (surrogates are classified by {@link astralClass}). */
export function classTable(): Uint8Array {
  if (table === undefined) table = build()
  return table
}

/** The class of a supplementary-plane code point. */
export function astralClass(cp: number): number {
  if (cp >= 0x1f3fb && cp <= 0x1f3ff) return EXTEND // emoji skin-tone modifiers
  if (cp >= 0xe0000 && cp <= 0xe0fff) return EXTEND // tags, variation selectors supplement
  if (cp >= 0x2f800 && cp <= 0x2fa1f) return SOFT // compatibility ideographs: NFKC maps them
  if (cp >= 0x20000 && cp <= 0x3ffff) return CJK // Han extensions B..H
  if (cp >= 0x1f000 && cp <= 0x1faff) return HARD // emoji and pictographs
  return SOFT
}
