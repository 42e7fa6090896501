import type { Previous } from './echo.ts'
import { formulaOnly } from './formula.ts'
import { CHAIN_GAP, gramB, gramHash, UserGrams } from './grams.ts'
import { type DedupOptions, type NormalizedOptions, normalizeOptions } from './options.ts'
import { backOverSpace, LoopDetector } from './repetition.ts'
import { tidyJoin } from './tidy.ts'
import { codePointLimit, scan, TokenList } from './tokenize.ts'

/** What the guard found. */
export interface GuardVerdict {
  /** `'echo'`: the reply is repeating the user's message; `'loop'`: the reply repeats itself. */
  kind: 'echo' | 'loop'
  /** Offset in the reply where the echoed run (or the repetition to cut) starts. */
  at: number
  /** Echo score at the moment of the verdict (0 for a loop). */
  score: number
}

/** What {@link EchoGuard.end} reports to `onEnd`. */
export interface GuardSummary {
  /** The first verdict, or null when the reply was clean. */
  verdict: GuardVerdict | null
  /** Final echo score of the whole reply (as {@link echoScore} would give, within `maxChars`). */
  score: number
  /** UTF-16 code units received. */
  received: number
  /** UTF-16 code units released to the caller. */
  released: number
}

/** Options of {@link EchoGuard}: the shared options plus an end-of-reply callback. */
export interface EchoGuardOptions extends DedupOptions {
  /** Called once by `end()` with the summary (used by the Fastify plugin's counters). */
  onEnd?: (summary: GuardSummary) => void
}

const cjkChar = /[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ud800-\udfff]/

/**
 * Streaming echo and loop guard for an LLM reply: feed it each delta, send on what it returns.
 *
 * ```ts
 * const g = new EchoGuard(userText)
 * for await (const delta of stream) send(g.push(delta))
 * send(g.end())
 * if (g.verdict) ...
 * ```
 *
 * Hold-back: text is released once it is known not to start a copy of the user's text. The guard
 * holds at most the last `n - 1` tokens (the ones that could still begin one of the user's
 * n-grams), plus the word still being written; while the reply is reproducing a run of the user's
 * text, that run is held until it breaks off (then released: reusing a phrase is not an echo) or
 * the share of the user's message it covers reaches `threshold` (then verdict `'echo'`). With
 * mode `'strip'` the echoed run is dropped and the rest of the reply flows on; with `'cut'`
 * nothing more is released; with `'flag'` nothing is held and everything is released as it comes.
 * A loop (see {@link selfRepetition}) stops the release in modes `'strip'` and `'cut'`.
 *
 * Feeding a reply one character at a time or all at once releases the same text and gives the same
 * verdict. Never throws; never releases half of a surrogate pair.
 */
// The constructor tokenises the user's messages into this list and copies the hashes out
// (UserGrams.load) before returning, so one list serves every guard.
const scratchTokens = new TokenList(64)

// A server builds one guard per reply. Its typed-array buffers (gram tables, token lists, the
// loop detector) are recycled through these pools when the guard ends, instead of ~20 typed
// arrays allocated per reply; nothing reads them after end(). Bounded, so a burst of long
// replies cannot pin memory.
const MAX_POOLED = 32
const userPool: UserGrams[] = []
const tokenPool: TokenList[] = []
const loopPool: LoopDetector[] = []

export class EchoGuard {
  /** The first verdict, or null while the reply is clean. */
  verdict: GuardVerdict | null = null

  readonly #o: NormalizedOptions
  readonly #onEnd: ((summary: GuardSummary) => void) | undefined
  readonly #users: UserGrams[] = []
  /** Tokens without a match that end a run of copied text: no later gram can extend its copy. */
  #bridge = 0
  readonly #tokens: TokenList
  readonly #loop: LoopDetector
  #text = ''
  #scanFrom = 0
  #analysing = true
  #released = 0
  #releasable = 0
  #stopped = false
  #ended = false
  #regionStart = -1
  #lastMatch = -1
  #score = 0
  #out = ''

  constructor(previous: Previous, options?: EchoGuardOptions) {
    this.#o = normalizeOptions(options)
    this.#onEnd = options?.onEnd
    const tokens = tokenPool.pop()
    if (tokens === undefined) {
      this.#tokens = new TokenList(128)
    } else {
      tokens.count = 0
      this.#tokens = tokens
    }
    const loop = loopPool.pop()
    if (loop !== undefined && loop.n === this.#o.loopN && loop.maxRepeats === this.#o.maxRepeats) {
      loop.reset()
      this.#loop = loop
    } else {
      this.#loop = new LoopDetector(this.#o.loopN, this.#o.maxRepeats)
    }
    // One guard per reply on the server: no array is built for the messages (no slice, no filter).
    if (typeof previous === 'string') this.#addUser(previous)
    else if (Array.isArray(previous)) {
      for (let i = Math.max(0, previous.length - this.#o.maxPrevious); i < previous.length; i++) {
        const p: unknown = previous[i]
        if (typeof p === 'string') this.#addUser(p)
      }
    }
  }

  #addUser(p: string): void {
    const tmp = scratchTokens
    tmp.count = 0
    const from = Math.max(0, p.length - this.#o.maxChars)
    const c = p.charCodeAt(from)
    scan(p, c >= 0xdc00 && c <= 0xdfff ? from + 1 : from, p.length, true, tmp, this.#o.locale)
    const u = userPool.pop() ?? new UserGrams()
    u.load(tmp, this.#o.n, true)
    if (u.g === 0 || u.k < this.#o.minTokens || formulaOnly(u.hash, u.k)) {
      userPool.push(u)
      return
    }
    u.chain.reset(u.g)
    if (u.g + CHAIN_GAP > this.#bridge) this.#bridge = u.g + CHAIN_GAP
    this.#users.push(u)
  }

  /** Appends a delta of the reply; returns the text that is safe to send now (possibly `''`). */
  push(delta: string): string {
    if (this.#ended || typeof delta !== 'string' || delta.length === 0) return ''
    this.#text += delta
    this.#out = ''
    this.#advance(false)
    return this.#out
  }

  /** Ends the reply; returns the rest that may be sent and reports the summary to `onEnd`. */
  end(): string {
    if (this.#ended) return ''
    this.#out = ''
    this.#advance(true)
    this.#ended = true
    this.#onEnd?.({
      verdict: this.verdict,
      score: this.#score,
      received: this.#text.length,
      released: this.#releasedCount
    })
    // Ended: push() and end() return '' from now on and never touch the buffers again.
    if (tokenPool.length < MAX_POOLED) tokenPool.push(this.#tokens)
    if (loopPool.length < MAX_POOLED) loopPool.push(this.#loop)
    for (const u of this.#users) if (userPool.length < MAX_POOLED) userPool.push(u)
    return this.#out
  }

  /** Current echo score of what has been received (share of the user's message repeated). */
  get score(): number {
    return this.#score
  }

  #releasedCount = 0

  #capitalize = false

  #emit(to: number): void {
    if (to > this.#released) {
      let piece = this.#text.slice(this.#released, to)
      if (this.#capitalize) {
        this.#capitalize = false
        const c = piece.charCodeAt(0)
        if (c >= 0x61 && c <= 0x7a) piece = String.fromCharCode(c - 0x20) + piece.slice(1)
      }
      this.#out += piece
      this.#releasedCount += to - this.#released
      this.#released = to
    }
  }

  #advance(final: boolean): void {
    const text = this.#text
    if (this.#analysing) {
      // The analysis stops at the work cap; the same cut point whether the text came whole or not.
      const done = final || text.length >= this.#o.maxChars
      const to = done ? codePointLimit(text, this.#o.maxChars) : text.length
      const first = this.#tokens.count
      this.#scanFrom = scan(text, this.#scanFrom, to, done, this.#tokens, this.#o.locale)
      for (let i = first; i < this.#tokens.count && !this.#stopped; i++) this.#token(i)
      if (done) {
        this.#analysing = false
        if (!this.#stopped) this.#closeRegion(this.#tokens.count, to, true)
      }
    }
    if (this.#stopped) return
    if (!this.#analysing || this.#o.mode === 'flag') {
      // Never hand out the first half of a surrogate pair whose second half has not arrived.
      this.#emit(final || !isHigh(text) ? text.length : text.length - 1)
    } else {
      this.#emit(this.#releasable)
    }
  }

  /** Processes finalized token `i`: echo matching, loop detection, hold-back. */
  #token(i: number): void {
    const tk = this.#tokens
    const hashes = tk.hash
    const flag = this.#o.mode === 'flag'
    let matchedNow = false
    let gramStart = i
    for (let m = 0; m < this.#users.length; m++) {
      const u = this.#users[m]!
      const g = u.g
      const j = i - g + 1
      if (j < 0) continue
      const s = u.table.find(gramHash(hashes, j, g), gramB)
      if (s < 0) continue
      matchedNow = true
      if (j < gramStart) gramStart = j
      u.chain.add(j, u.table.data[s]!, u.next)
      const score = u.chain.best / u.k
      if (score > this.#score) this.#score = score
    }

    if (matchedNow) {
      if (this.#regionStart < 0) this.#regionStart = gramStart
      this.#lastMatch = i
      if (this.verdict === null && this.#score >= this.#o.threshold) {
        const at = tk.start[this.#regionStart]!
        this.verdict = { kind: 'echo', at, score: this.#score }
        if (this.#o.mode === 'cut') {
          this.#emit(this.#releasable)
          this.#stopped = true
          return
        }
      }
    } else if (this.#regionStart >= 0 && i - this.#lastMatch >= this.#bridge) {
      this.#closeRegion(this.#lastMatch + 1, tk.start[this.#lastMatch + 1]!, false)
    }

    const n = this.#loop.n
    if (i + 1 >= n) {
      const cut = this.#loop.feed(hashes, i - n + 1)
      if (cut >= 0) {
        const at = backOverSpace(this.#text, tk.start[cut]!)
        if (this.verdict === null) this.verdict = { kind: 'loop', at, score: 0 }
        if (!flag) {
          this.#emit(this.#releasable)
          this.#stopped = true
          return
        }
      }
    }

    if (flag) return
    if (this.#regionStart >= 0) {
      const r = this.#regionStart
      this.#releasable = Math.max(this.#released, Math.min(this.#releasable, r > 0 ? tk.end[r - 1]! : 0))
      return
    }
    let hold = i + 1
    for (let m = 0; m < this.#users.length; m++) {
      const u = this.#users[m]!
      for (let j = Math.min(u.g - 1, i + 1); j >= 1 && i - j + 1 < hold; j--) {
        if (u.prefixes[j - 1]!.find(gramHash(hashes, i - j + 1, j), gramB) >= 0) {
          hold = i - j + 1
          break
        }
      }
    }
    // Hold the separators before a held token too, so a stripped echo's seam can be tidied.
    const to = hold <= i ? (hold > 0 ? tk.end[hold - 1]! : 0) : tk.end[i]!
    this.#releasable = Math.max(this.#released, this.#releasable, to)
  }

  /**
   * Ends the open run of copied text before token `next` (which starts at `nextStart`): dropped
   * when the reply has been judged an echo in mode `'strip'`, released otherwise.
   */
  #closeRegion(next: number, nextStart: number, atEnd: boolean): void {
    if (this.#regionStart < 0) return
    const tk = this.#tokens
    const text = this.#text
    const first = this.#regionStart
    const start = Math.max(tk.start[first]!, this.#released)
    const end = tk.end[this.#lastMatch]!
    this.#regionStart = -1
    if (this.verdict?.kind === 'echo' && this.#o.mode === 'strip' && end > start) {
      // The separators on both sides of the echo are still held: join them the way stripEcho
      // does, with stand-ins for the words around the seam (which decide spaces and capitals).
      const leftEdge = Math.min(start, Math.max(this.#released, first > 0 ? tk.end[first - 1]! : 0))
      this.#emit(leftEdge)
      const left = leftEdge > 0 ? standIn(text, leftEdge - 1, 'x') : ''
      const right = atEnd ? '' : standIn(text, nextStart, 'y')
      const joined = tidyJoin(left + text.slice(leftEdge, start), text.slice(end, nextStart) + right)
      this.#capitalize = right === 'y' && joined.endsWith('Y')
      const seam = joined.slice(left.length, joined.length - right.length)
      this.#out += seam
      this.#releasedCount += seam.length
      this.#released = nextStart
      this.#releasable = Math.max(this.#releasable, nextStart)
    } else {
      this.#releasable = Math.max(this.#releasable, end)
    }
    // Tokens after the run (the gap) may begin a new copy: re-apply the hold rule to them.
    for (let i = this.#lastMatch + 1; i < next; i++) this.#holdAfter(i)
  }

  #holdAfter(i: number): void {
    const tk = this.#tokens
    let hold = i + 1
    for (const u of this.#users) {
      for (let j = Math.min(u.g - 1, i - this.#lastMatch); j >= 1; j--) {
        if (u.prefixes[j - 1]!.find(gramHash(tk.hash, i - j + 1, j), gramB) >= 0) {
          if (i - j + 1 < hold) hold = i - j + 1
          break
        }
      }
    }
    // hold > lastMatch >= 0 here, so there is always a token before the held one.
    const to = hold <= i ? tk.end[hold - 1]! : tk.end[i]!
    this.#releasable = Math.max(this.#released, this.#releasable, to)
  }
}

/** A stand-in for the character at `i`: a CJK one or a Latin letter (for spacing decisions). */
function standIn(text: string, i: number, latin: string): string {
  return cjkChar.test(text[i]!) ? '中' : latin
}

function isHigh(text: string): boolean {
  const c = text.charCodeAt(text.length - 1)
  return c >= 0xd800 && c <= 0xdbff
}
