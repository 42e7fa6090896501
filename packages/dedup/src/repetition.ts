import { GramTable, gramB, gramHash } from './grams.ts'
import { normalizeOptions } from './options.ts'
import { codePointLimit, scan, TokenList } from './tokenize.ts'

/** Options of {@link selfRepetition}. */
export interface RepetitionOptions {
  /** N-gram size, in tokens. Default `8`. */
  n?: number
  /** How many times one n-gram may occur before it is a loop. Default `2` (the third is a loop). */
  maxRepeats?: number
  /** Work cap in UTF-16 code units (only the first `maxChars` are read). Default `10000`. */
  maxChars?: number
  /** Locale for `Intl.Segmenter` on scripts the fast tokenizer does not know. */
  locale?: string
}

/** Result of {@link selfRepetition}. */
export interface Repetition {
  /** True when some n-gram occurs more than `maxRepeats` times. */
  loop: boolean
  /**
   * Where to cut the reply: the start of the looping n-gram's second occurrence (whitespace
   * before it excluded), so one copy is kept. `reply.length` when there is no loop.
   */
  cutAt: number
  /** The looping n-gram as first written in the reply; `''` when there is no loop. */
  gram: string
}

/**
 * Counts n-grams of one reply and reports the first that occurs more than `maxRepeats` times, the
 * way `no_repeat_ngram_size` bans repeats during decoding but tolerant of a natural repeat or two.
 * Used whole-text by {@link selfRepetition} and incrementally by the streaming guard.
 * @internal
 */
export class LoopDetector {
  readonly n: number
  readonly maxRepeats: number
  #table = new GramTable()
  #count: Int32Array = new Int32Array(64)
  #first: Int32Array = new Int32Array(64)
  #second: Int32Array = new Int32Array(64)
  #entries = 0
  /** Token index of the first occurrence of the looping gram, after {@link feed} returned >= 0. */
  firstAt = -1

  constructor(n: number, maxRepeats: number) {
    this.n = n
    this.maxRepeats = maxRepeats
    this.#table.reset(64)
  }

  /** Forgets every gram, keeping the buffers (a pooled detector starts a new reply). */
  reset(): void {
    this.#table.reset(64)
    this.#entries = 0
    this.firstAt = -1
  }

  /**
   * Feeds the n-gram that starts at token `j` of `hashes`. Returns the token index to cut at (the
   * second occurrence) when this occurrence is one too many, else -1.
   */
  feed(hashes: Int32Array, j: number): number {
    const s = this.#table.add(gramHash(hashes, j, this.n), gramB)
    if (this.#table.inserted) {
      if (this.#entries === this.#count.length) this.#grow()
      const e = this.#entries++
      this.#table.data[s] = e
      this.#count[e] = 1
      this.#first[e] = j
      this.#second[e] = j
      return -1
    }
    const e = this.#table.data[s]!
    const c = ++this.#count[e]!
    if (c === 2) this.#second[e] = j
    if (c !== this.maxRepeats + 1) return -1
    this.firstAt = this.#first[e]!
    return this.#second[e]!
  }

  #grow(): void {
    const size = this.#count.length * 2
    for (const key of ['count', 'first', 'second'] as const) {
      const old = key === 'count' ? this.#count : key === 'first' ? this.#first : this.#second
      const a = new Int32Array(size)
      a.set(old)
      if (key === 'count') this.#count = a
      else if (key === 'first') this.#first = a
      else this.#second = a
    }
  }
}

/** Offset `at` moved back over whitespace. */
export function backOverSpace(text: string, at: number): number {
  while (at > 0 && /\s/.test(text[at - 1]!)) at--
  return at
}

const list = new TokenList(256)

/**
 * Detects a degenerate loop inside one reply: the same n-gram repeated more than `maxRepeats`
 * times ("I think that I think that I think that..."), and gives the offset to cut at.
 * Never throws on bad input.
 */
export function selfRepetition(reply: string, options?: RepetitionOptions): Repetition {
  const o = normalizeOptions(
    options === undefined
      ? undefined
      : {
          loopN: options.n,
          maxRepeats: options.maxRepeats,
          maxChars: options.maxChars,
          locale: options.locale
        }
  )
  const text = typeof reply === 'string' ? reply : ''
  list.count = 0
  scan(text, 0, codePointLimit(text, o.maxChars), true, list, o.locale)
  const n = o.loopN
  const detector = new LoopDetector(n, o.maxRepeats)
  for (let j = 0; j + n <= list.count; j++) {
    const cut = detector.feed(list.hash, j)
    if (cut < 0) continue
    const first = detector.firstAt
    return {
      loop: true,
      cutAt: backOverSpace(text, list.start[cut]!),
      gram: text.slice(list.start[first]!, list.end[first + n - 1]!)
    }
  }
  return { loop: false, cutAt: text.length, gram: '' }
}
