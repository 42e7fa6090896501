const ignorable = /\p{Default_Ignorable_Code_Point}/gu
const caseFold = /[ßς’‘ẞ]/g
const caseFoldMap: Record<string, string> = { ß: 'ss', ẞ: 'ss', ς: 'σ', '’': "'", '‘': "'" }
const quotes = /[“”„‟«»「」『』〝〞＂″]/g
const apostrophes = /[‚‛′`´]/g
const dashes = /\p{Pd}/gu
const cjkPunct = /[。｡、､〜～【】〔〕〈〉《》]/g
const cjkPunctMap: Record<string, string> = {
  '。': '.',
  '｡': '.',
  '、': ',',
  '､': ',',
  '〜': '~',
  '～': '~',
  '【': '[',
  '】': ']',
  '〔': '(',
  '〕': ')',
  '〈': '<',
  '〉': '>',
  '《': '<',
  '》': '>'
}
const spaces = /\s+/g

/**
 * The normalized value of one token: NFKC, lower case (plus the full case folds `ß`->`ss`,
 * final `ς`->`σ`), curly apostrophes to `'`, default-ignorable characters (ZWJ, variation
 * selectors, soft hyphen) removed.
 * @internal
 */
export function tokenKey(s: string): string {
  let k = s.normalize('NFKC').toLowerCase()
  if (k.length === s.length && !/[^ -~]/.test(k)) return k
  k = k.replace(caseFold, (c) => caseFoldMap[c]!)
  return k.replace(ignorable, '')
}

/**
 * Normalizes text the way echo detection compares it:
 *
 * 1. Unicode NFKC (fullwidth `ＡＢＣ１２３` -> `ABC123`, `ﬁ` -> `fi`, `，` -> `,`).
 * 2. Case folding: `toLowerCase()` plus `ß`->`ss` and final `ς`->`σ`.
 * 3. Default-ignorable characters removed (ZWJ, ZWNJ, variation selectors, soft hyphen, BOM).
 * 4. Punctuation folded: curly and CJK quotes -> `"` or `'`, every dash -> `-`, `。`->`.`,
 *    `、`->`,`, CJK brackets -> ASCII brackets.
 * 5. Whitespace: every run (including ideographic space and newlines) -> one space; trimmed.
 *
 * Never throws; a non-string gives `''`. Lone surrogates are kept as they are.
 */
export function normalize(text: string): string {
  if (typeof text !== 'string' || text.length === 0) return ''
  return tokenKey(text)
    .replace(quotes, '"')
    .replace(apostrophes, "'")
    .replace(dashes, '-')
    .replace(cjkPunct, (c) => cjkPunctMap[c]!)
    .replace(spaces, ' ')
    .trim()
}
