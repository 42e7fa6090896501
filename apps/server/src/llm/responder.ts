import {
  EN,
  INTENTS,
  type Intent,
  type IntentTemplates,
  KEYWORDS,
  type LanguageTemplates,
  ORDER_WORDS,
  PRODUCTS,
  ZH
} from './responder-data.ts'

// The user's message is read in one pass over its UTF-16 code units, without regular expressions
// or substrings: words and CJK characters become 32-bit hashes looked up in one open-addressing
// table (keywords, products, and the token pairs the templates contain). Only the entities the
// reply quotes (an order number, an email) are sliced out.

const FNV = 0x811c9dc5
const PRIME = 0x01000193

/** murmur3's 32-bit finalizer: spreads a hash over all bits. */
function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h | 0 || 1
}

function hanHash(c: number): number {
  // The code unit itself: distinct per character, and pairHash mixes afterwards.
  return c
}

function pairHash(a: number, b: number): number {
  return fmix(Math.imul(a, 0x9e3779b1) ^ b)
}

/** Class tokens: any number, any product, any email are alike when pairs are compared. */
const NUM_H = fmix(0x6e756d)
const PRODUCT_H = fmix(0x70726f64)
const EMAIL_H = fmix(0x656d6c)

/** Placeholders of the compiled templates (control characters never appear in a template): 1 order, 2 product, 3 email. */
const SLOT_ORDER = 1
const SLOT_PRODUCT = 2

const SLOT_CHAR = ['', '\u0001', '\u0002', '\u0003']

/** Bits of a keyword entry: intent (3 bits, +1), weight (2), product (4, +1), order word (1). */
const KW_SHIFT = 12
const PID_MASK = 0xfff

/**
 * Open-addressing hash table of non-zero 32-bit keys to non-negative values, key and value side
 * by side in one array (one cache line per probe: the server calls this among much other work).
 */
class IntTable {
  readonly #slots: Int32Array
  readonly #mask: number
  size = 0

  constructor(capacity: number) {
    this.#slots = new Int32Array(capacity * 2)
    this.#mask = capacity - 1
  }

  get(key: number): number {
    const slots = this.#slots
    let i = key & this.#mask
    let k = slots[i << 1]
    while (k !== key) {
      if (k === 0) return -1
      i = (i + 1) & this.#mask
      k = slots[i << 1]
    }
    return slots[(i << 1) + 1] as number
  }

  set(key: number, val: number): void {
    const slots = this.#slots
    let i = key & this.#mask
    let k = slots[i << 1]
    while (k !== key && k !== 0) {
      i = (i + 1) & this.#mask
      k = slots[i << 1]
    }
    if (k === 0) {
      /* c8 ignore next: sized at build time for the data, with a wide margin */
      if (++this.size > this.#mask >> 1) throw new Error('responder table full')
      slots[i << 1] = key
    }
    slots[(i << 1) + 1] = val
  }
}

// About 1,600 entries (keywords and template token pairs): 4096 slots keep probes short.
const table = new IntTable(4096)
let pairCount = 0

function wordHashOf(word: string): number {
  let w = FNV
  for (let i = 0; i < word.length; i++) w = Math.imul(w ^ word.charCodeAt(i), PRIME)
  return fmix(w)
}

/** Key of a keyword: a word hash, or the pair hash of a two-character CJK word. */
function keywordKey(word: string): number {
  const c = word.charCodeAt(0)
  if (c >= 0x2e80) return pairHash(hanHash(c), hanHash(word.charCodeAt(1)))
  return wordHashOf(word)
}

/**
 * Per UTF-16 code unit: bit 0 a CJK character (a token of its own), bit 1 / bit 2 the first /
 * second character of a two-character keyword (the other pairs skip the lookup). One load per
 * character of a Chinese message.
 */
const CJK_CHAR = 1
const KW_FIRST = 2
const KW_SECOND = 4
const CJK_FLAGS = new Uint8Array(0x10000)

function addKeyword(word: string, bits: number): void {
  if (word.charCodeAt(0) >= 0x2e80) {
    CJK_FLAGS[word.charCodeAt(0)]! |= KW_FIRST
    CJK_FLAGS[word.charCodeAt(1)]! |= KW_SECOND
  }
  const key = keywordKey(word)
  const old = table.get(key)
  table.set(key, old < 0 ? bits << KW_SHIFT : old | (bits << KW_SHIFT))
}

for (let i = 0; i < INTENTS.length - 1; i++) {
  for (const entry of KEYWORDS[INTENTS[i] as Exclude<Intent, 'fallback'>]) {
    const [word, weight] = entry.split(' ') as [string, string]
    addKeyword(word, (i + 1) | (Number(weight) << 3))
  }
}
for (let p = 0; p < PRODUCTS.length; p++) {
  for (const name of (PRODUCTS[p] as (typeof PRODUCTS)[number]).names) addKeyword(name, (p + 1) << 5)
}
for (const word of ORDER_WORDS) addKeyword(word, 1 << 9)

function isWordChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7)
  )
}

/**
 * Per code unit below U+0250: 0 for a separator, else the code folded to lower case (letters and
 * digits). One table load per character instead of a chain of range tests.
 */
const WORD = new Uint16Array(0x250)
for (let c = 0; c < 0x250; c++) if (isWordChar(c)) WORD[c] = c >= 65 && c <= 90 ? c + 32 : c

function isCjk(c: number): boolean {
  return (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0xac00 && c <= 0xd7af)
  )
}

for (let c = 0x2e80; c < 0x10000; c++) if (isCjk(c)) CJK_FLAGS[c]! |= CJK_CHAR

function isEmailChar(c: number): boolean {
  return isWordChar(c) || c === 46 || c === 45 || c === 95 || c === 43 || c === 37
}

// Scan results: module-level scratch, filled by scan() and read synchronously right after.
const scores = new Int32Array(INTENTS.length)
const MAX_HITS = 32
/**
 * Below this many tokens, the echo detector compares pairs of tokens (its n-gram shrinks to 2 for
 * short messages), so one pair the reply shares with the message can make it look like an echo:
 * the reply then avoids sentences holding a pair of the message, also across sentence seams.
 */
const SHORT_MESSAGE_TOKENS = 9
const userPairs = new Int32Array(SHORT_MESSAGE_TOKENS)
const firstTokens = new Int32Array(SHORT_MESSAGE_TOKENS)
/** Tokens that seed the choice of variants (with the token count): enough to tell messages apart. */
const SEED_TOKENS = 24
const hits = new Int32Array(MAX_HITS)
let hitMark = new Uint8Array(PID_MASK + 1)
let hitCount = 0
let tokenCount = 0
let textHash = 0
let cjk = false
let product = -1
let orderStart = -1
let orderEnd = -1
let orderHashed = false
let atIndex = -1
let prevToken = 0
let orderUntil = -1
let firstToken = 0
/** Template mode: the pair hashes of the template being compiled. */
let templatePairs: number[] | null = null

/** Notes a pair of the message that a template sentence also holds. */
function hit(v: number): void {
  const pid = v & PID_MASK
  if (pid !== 0 && hitMark[pid] === 0 && hitCount < MAX_HITS) {
    hitMark[pid] = 1
    hits[hitCount++] = pid
  }
}

function keyword(kw: number): void {
  if (kw === 0) return
  const intent = kw & 7
  if (intent !== 0) scores[intent - 1]! += (kw >>> 3) & 3
  const p = (kw >>> 5) & 15
  if (p !== 0 && product < 0) product = p - 1
  if ((kw & (1 << 9)) !== 0) orderUntil = tokenCount + 3
}

/** The token hash of the word `text.slice(start, end)` (FNV `w`), after noting what it says. */
function word(text: string, start: number, end: number, w: number, digits: boolean): number {
  if (digits) {
    const len = end - start
    if (len >= 3 && len <= 12 && !orderHashed) {
      const before = start > 0 ? text.charCodeAt(start - 1) : 0
      if (before === 35 || before === 0xff03) {
        orderStart = start
        orderEnd = end
        orderHashed = true
      } else if (orderStart < 0 && tokenCount <= orderUntil) {
        orderStart = start
        orderEnd = end
      }
    }
    return NUM_H
  }
  const h = fmix(w)
  const v = table.get(h)
  if (v <= 0) return h
  const kw = v >>> KW_SHIFT
  if (templatePairs === null) keyword(kw)
  return ((kw >>> 5) & 15) !== 0 ? PRODUCT_H : h
}

/**
 * Reads `text` into the scratch state above. Tokens: words of letters and digits, and every CJK
 * character. The pair of a token with the one before is hashed and looked up only where it can
 * matter: a possible two-character keyword, or any pair of a short message (the echo-avoiding
 * choice applies to those only); the characters of a long Chinese message skip both.
 */
function scan(text: string): void {
  for (let i = 0; i < scores.length; i++) scores[i] = 0
  hitCount = 0
  cjk = false
  product = -1
  orderStart = -1
  orderEnd = -1
  orderHashed = false
  atIndex = -1
  orderUntil = -1
  firstToken = 0
  // Locals in the loop: module-level bindings are measurably slower to update per character.
  let prev = 0
  let count = 0
  let th = FNV
  let prevHan = 0
  let han = false
  const template = templatePairs !== null
  const len = text.length
  let i = 0
  while (i < len) {
    let c = text.charCodeAt(i)
    let t: number
    let kwPair = false
    if (c >= 0x2e80) {
      i++
      const f = CJK_FLAGS[c] as number
      if ((f & CJK_CHAR) === 0) {
        prevHan = 0
        continue
      }
      han = true
      t = hanHash(c)
      kwPair = (f & KW_SECOND) !== 0 && (prevHan & KW_FIRST) !== 0
      prevHan = f
      if (count >= SEED_TOKENS && !template) {
        // Deep in a Chinese message: a tight loop over the run of CJK characters, where only a
        // possible keyword needs a lookup (measurably faster than the general loop).
        for (;;) {
          if (kwPair) {
            const v = table.get(pairHash(prev, t))
            if (v > 0) {
              tokenCount = count
              keyword(v >>> KW_SHIFT)
            }
          }
          prev = t
          count++
          if (i === len) break
          c = text.charCodeAt(i)
          if (c < 0x2e80) break
          const g = CJK_FLAGS[c] as number
          if ((g & CJK_CHAR) === 0) break
          i++
          t = hanHash(c)
          kwPair = (g & KW_SECOND) !== 0 && (prevHan & KW_FIRST) !== 0
          prevHan = g
        }
        continue
      }
    } else if (c < 0x250 && WORD[c] !== 0) {
      const start = i
      let w = FNV
      let digits = true
      let f = WORD[c] as number
      for (;;) {
        // ASCII case folding; other letters keep their case (rare in this desk's keywords).
        w = Math.imul(w ^ f, PRIME)
        if (f > 57) digits = false
        if (++i === len) break
        c = text.charCodeAt(i)
        f = c < 0x250 ? (WORD[c] as number) : 0
        if (f !== 0) continue
        // An apostrophe between letters stays inside the word ("don't").
        if ((c === 39 || c === 0x2019) && i + 1 < len && isWordChar(text.charCodeAt(i + 1))) {
          w = Math.imul(w ^ 39, PRIME)
          digits = false
          continue
        }
        break
      }
      tokenCount = count
      t = word(text, start, i, w, digits)
      prevHan = 0
    } else {
      i++
      prevHan = 0
      if (c === 64) {
        if (atIndex < 0) atIndex = i - 1
        continue
      }
      if (c >= 4 || c === 0) continue
      t = c === SLOT_ORDER ? NUM_H : c === SLOT_PRODUCT ? PRODUCT_H : EMAIL_H
    }
    if (template) {
      if (prev === 0) firstToken = t
      else (templatePairs as number[]).push(pairHash(prev, t))
    } else if (kwPair) {
      const v = table.get(pairHash(prev, t))
      if (v > 0) {
        tokenCount = count
        keyword(v >>> KW_SHIFT)
        hit(v)
      }
    }
    if (count < SEED_TOKENS) {
      if (count < SHORT_MESSAGE_TOKENS) firstTokens[count] = t
      // The reply's variant seed: a hash of the message's first tokens (not of its punctuation).
      th = Math.imul(th ^ t, PRIME)
    }
    prev = t
    count++
  }
  prevToken = prev
  tokenCount = count
  cjk = han
  textHash = fmix(th ^ count)
  if (template || count >= SHORT_MESSAGE_TOKENS) return
  // A short message: every pair, for the echo-avoiding choice (most messages are longer and skip this).
  for (let j = 1; j < count; j++) {
    const key = pairHash(firstTokens[j - 1] as number, firstTokens[j] as number)
    userPairs[j - 1] = key
    const v = table.get(key)
    if (v > 0) hit(v)
  }
}

/** The email address around `atIndex`, masked as a support desk would (`j***@example.com`). */
function maskedEmail(text: string): string | null {
  let a = atIndex
  while (a > 0 && isEmailChar(text.charCodeAt(a - 1))) a--
  let b = atIndex + 1
  let dot = false
  while (b < text.length && isEmailChar(text.charCodeAt(b))) {
    if (text.charCodeAt(b) === 46 && b + 1 < text.length && isWordChar(text.charCodeAt(b + 1))) dot = true
    b++
  }
  while (b > atIndex + 1 && text.charCodeAt(b - 1) === 46) b--
  if (a === atIndex || !dot) return null
  return `${text[a]}***${text.slice(atIndex, b)}`
}

/** A compiled template sentence. */
interface Sentence {
  /** Output tokens; a token starting with a slot character is replaced by the entity. */
  tokens: string[]
  /** Token 0 when the sentence does not open the reply (English: with its leading space). */
  lead: string
  /** Ids of the token pairs of the sentence, for the echo-avoiding choice. */
  pairs: Int32Array
  /** Bit per slot used. */
  slots: number
  /** Hashes of the first and last token, for the pair across the seam with the next sentence. */
  first: number
  last: number
}

interface CompiledIntent {
  core: Sentence[]
  withOrder: Sentence[] | null
  withEmail: Sentence[] | null
  product: Sentence[] | null
  more: Sentence[]
}

interface CompiledLanguage {
  zh: boolean
  intents: CompiledIntent[]
  hello: Sentence[]
  closing: Sentence[]
  history: Sentence
  entries: string[][]
  echo: readonly string[]
}

function slotted(source: string): string {
  return source
    .replaceAll('{order}', '\u0001')
    .replaceAll('{product}', '\u0002')
    .replaceAll('{email}', '\u0003')
}

const ZH_PUNCTUATION = new Set(['，', '。', '！', '？', '：', '、', '”'])

/** Chinese punctuation joins the token before it, as English punctuation does its word. */
function attachPunctuation(parts: string[]): string[] {
  const out: string[] = []
  for (const p of parts) {
    if (out.length > 0 && ZH_PUNCTUATION.has(p)) out[out.length - 1] += p
    else out.push(p)
  }
  return out
}

function compile(source: string, zh: boolean): Sentence {
  const parts = slotted(source).split(' ')
  const tokens = zh ? attachPunctuation(parts) : parts.map((p, i) => (i === 0 ? p : ` ${p}`))
  let slots = 0
  for (const p of parts) {
    const c = p.charCodeAt(0)
    if (c > 0 && c < 4) slots |= 1 << c
  }
  templatePairs = []
  scan(zh ? parts.join('') : parts.join(' '))
  const ids = new Set<number>()
  for (const key of templatePairs) {
    const v = table.get(key)
    let pid = v < 0 ? 0 : v & PID_MASK
    if (pid === 0) {
      pid = ++pairCount
      /* c8 ignore next: the data has about a thousand distinct pairs */
      if (pid > PID_MASK) throw new Error('too many template token pairs')
      table.set(key, v < 0 ? pid : v | pid)
    }
    ids.add(pid)
  }
  templatePairs = null
  return {
    tokens,
    lead: zh ? (tokens[0] as string) : ` ${tokens[0]}`,
    pairs: Int32Array.from(ids),
    slots,
    first: firstToken,
    last: prevToken
  }
}

function compileLanguage(t: LanguageTemplates, zh: boolean): CompiledLanguage {
  const all = (list: readonly string[] | undefined): Sentence[] | null =>
    list === undefined ? null : list.map((s) => compile(s, zh))
  return {
    zh,
    intents: INTENTS.map((name) => {
      const i: IntentTemplates = t.intents[name]
      return {
        core: all(i.core) as Sentence[],
        withOrder: all(i.withOrder),
        withEmail: all(i.withEmail),
        product: all(i.product),
        more: all(i.more) as Sentence[]
      }
    }),
    hello: all(t.hello) as Sentence[],
    closing: all(t.closing) as Sentence[],
    history: compile(t.history, zh),
    entries: t.entries.map((e) => e.split(' ')),
    echo: t.echo
  }
}

const LANGS = [compileLanguage(EN, false), compileLanguage(ZH, true)] as const
hitMark = new Uint8Array(pairCount + 1)

const ORDER_INTENT = INTENTS.indexOf('order')
const ACCOUNT_INTENT = INTENTS.indexOf('account')
const GREETING_INTENT = INTENTS.indexOf('greeting')
const THANKS_INTENT = INTENTS.indexOf('thanks')
const FALLBACK_INTENT = INTENTS.indexOf('fallback')

let avoid = false
let avoidProduct = false
/** Last token hash of the reply so far (0 at the start). */
let lastToken = 0

function clashes(s: Sentence): boolean {
  if (!avoid) return false
  if (avoidProduct && (s.slots & (1 << SLOT_PRODUCT)) !== 0) return true
  const p = s.pairs
  for (let i = 0; i < p.length; i++) if (hitMark[p[i]!] === 1) return true
  if (lastToken !== 0) {
    const seam = pairHash(lastToken, s.first)
    for (let i = 0; i < tokenCount - 1; i++) if (userPairs[i] === seam) return true
  }
  return false
}

function pick(list: Sentence[], salt: number): Sentence {
  const from = (fmix(textHash + salt) >>> 0) % list.length
  for (let j = 0; j < list.length; j++) {
    const s = list[(from + j) % list.length] as Sentence
    if (!clashes(s)) return s
  }
  return list[from] as Sentence
}

/** Entity values of the current reply (English slot tokens get their leading space on output). */
let slotOrder = ''
let slotProduct = ''
let slotEmail = ''

function emit(out: string[], s: Sentence): void {
  lastToken = s.last
  const toks = s.tokens
  const from = out.length
  out.push(from > 0 ? s.lead : (toks[0] as string))
  for (let i = 1; i < toks.length; i++) out.push(toks[i] as string)
  if (s.slots === 0) return
  // Only sentences with an entity pay for finding and filling its slot.
  for (let i = from; i < out.length; i++) {
    const tok = out[i] as string
    for (let c = 1; c < 4; c++) {
      const at = tok.indexOf(SLOT_CHAR[c] as string)
      if (at < 0) continue
      const value = c === SLOT_ORDER ? slotOrder : c === SLOT_PRODUCT ? slotProduct : slotEmail
      out[i] = tok.slice(0, at) + value + tok.slice(at + 1)
    }
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** A padding entry: every entry has its own number, so a long reply never loops on itself. */
function entry(out: string[], L: CompiledLanguage, n: number): void {
  const parts = L.entries[(n + (textHash >>> 0)) % L.entries.length] as string[]
  const time = `${pad2(8 + (n % 12))}:${pad2((n * 7) % 60)}`
  for (const p of parts) {
    const v = p === '{n}' ? String(n) : p.startsWith('{time}') ? time + p.slice(6) : p
    out.push(L.zh ? v : ` ${v}`)
  }
}

/** Adds the sentences of `list` (from a hashed start) that fit in what is left of `target`. */
function extend(out: string[], list: Sentence[], target: number, salt: number): void {
  const n = list.length
  if (n === 0) return
  const from = (fmix(textHash + salt) >>> 0) % n
  for (let j = 0; j < n && out.length < target; j++) {
    const s = list[(from + j) % n] as Sentence
    // Never past the budget by more than a couple of tokens: the answer sentence already often is.
    if (out.length + s.tokens.length > target + 2) continue
    if (clashes(s)) continue
    emit(out, s)
  }
}

function echoTokens(out: string[], L: CompiledLanguage, text: string): void {
  // The echo path allocates freely: it exists to be caught, at a configured rate.
  const form = L.echo[(textHash >>> 8) % L.echo.length] as string
  const echo = form.replace('{text}', text)
  if (!L.zh) {
    for (const w of echo.split(' ')) if (w.length > 0) out.push(out.length === 0 ? w : ` ${w}`)
    return
  }
  for (let i = 0; i < echo.length; ) {
    let end = Math.min(echo.length, i + 2)
    // Never end a token between the two halves of a surrogate pair.
    const last = echo.charCodeAt(end - 1)
    if (last >= 0xd800 && last <= 0xdbff && end < echo.length) end++
    out.push(echo.slice(i, end))
    i = end
  }
}

/** What {@link analyze} found in a message. */
export interface Analysis {
  intent: Intent
  language: 'en' | 'zh'
  /** The order number as written, without `#`. */
  order: string | null
  /** The product's English name. */
  product: string | null
  /** The email address, masked. */
  email: string | null
}

function intentOf(text: string): number {
  let best = -1
  let bestScore = 0
  for (let i = 0; i <= ORDER_INTENT; i++) {
    if (scores[i]! > bestScore) {
      bestScore = scores[i]!
      best = i
    }
  }
  if (best >= 0) return best
  if (orderStart >= 0) return ORDER_INTENT
  if (atIndex >= 0 && maskedEmail(text) !== null) return ACCOUNT_INTENT
  if (scores[THANKS_INTENT]! > 0) return THANKS_INTENT
  if (scores[GREETING_INTENT]! > 0) return GREETING_INTENT
  return FALLBACK_INTENT
}

/** The intent, language and entities the responder reads in `text` (for tests and logs). */
export function analyze(text: string): Analysis {
  scan(text)
  const intent = INTENTS[intentOf(text)] as Intent
  for (let i = 0; i < hitCount; i++) hitMark[hits[i]!] = 0
  return {
    intent,
    language: cjk ? 'zh' : 'en',
    order: orderStart < 0 ? null : text.slice(orderStart, orderEnd),
    product: product < 0 ? null : (PRODUCTS[product] as (typeof PRODUCTS)[number]).en,
    email: atIndex < 0 ? null : maskedEmail(text)
  }
}

/**
 * The reply of the support desk to `text`, as tokens (English words with their leading space,
 * Chinese words of one to three characters), about `target` of them: one answer sentence, then
 * follow-ups while they bring the length closer to `target`, then numbered case-history entries
 * for budgets longer than every template. With `echo`, the reply ends by repeating the user's
 * message, as a model that parrots its input would.
 */
export function respond(text: string, target: number, echo: boolean): string[] {
  scan(text)
  const intent = intentOf(text)
  const L = LANGS[cjk ? 1 : 0]
  const zh = L.zh
  const it = L.intents[intent] as CompiledIntent
  avoid = tokenCount >= 3 && tokenCount < SHORT_MESSAGE_TOKENS
  avoidProduct = zh && product >= 0
  const out: string[] = []
  lastToken = 0
  let core = it.core
  if (orderStart >= 0 && it.withOrder !== null) {
    core = it.withOrder
    slotOrder = `#${text.slice(orderStart, orderEnd)}`
  } else if (atIndex >= 0 && it.withEmail !== null) {
    const email = maskedEmail(text)
    if (email !== null) {
      core = it.withEmail
      slotEmail = email
    }
  }
  if (intent <= ORDER_INTENT && scores[GREETING_INTENT]! > 0) emit(out, pick(L.hello, 1))
  emit(out, pick(core, 2))
  if (product >= 0 && it.product !== null && out.length < target) {
    const p = PRODUCTS[product] as (typeof PRODUCTS)[number]
    slotProduct = zh ? p.zh : p.en
    const s = pick(it.product, 3)
    if (!clashes(s)) emit(out, s)
  }
  extend(out, it.more, target, 4)
  extend(out, L.closing, target, 5)
  if (target - out.length > 8) {
    emit(out, L.history)
    for (let n = 1; out.length < target; n++) entry(out, L, n)
  }
  if (echo) echoTokens(out, L, text)
  for (let i = 0; i < hitCount; i++) hitMark[hits[i]!] = 0
  return out
}
