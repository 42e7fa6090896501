/** Who spoke a turn. */
export type Role = 'user' | 'assistant'

/** One turn of the context window. */
export interface Turn {
  readonly role: Role
  readonly content: string
  /** Its token count by the context's `countTokens`. */
  readonly tokens: number
}

/** A prompt message (`system`, then the turns oldest first). */
export interface Message {
  role: 'system' | Role
  content: string
}

/** Counts the tokens of a text. */
export type CountTokens = (text: string) => number

/** JSON form of a {@link ConversationContext} inside a snapshot. */
export interface ContextJSON {
  system: string | null
  turns: Array<[Role, string]>
}

/** Limits of a context window, shared by every context of a machine. */
export interface ContextLimits {
  /** Rounds kept (a round starts at a user turn). */
  maxTurns: number
  /** Token budget for system prompt + turns; `Infinity` for none. */
  maxTokens: number
  /** Token counter. */
  countTokens: CountTokens
}

/**
 * The default token estimate, deliberately cheap and slightly pessimistic: one token per CJK
 * character (Han, kana, Hangul, fullwidth forms), plus one per four other UTF-16 code units,
 * rounded up. Real BPE tokenizers give ~4 characters per token on English and ~1-1.5 per token on
 * Chinese/Japanese; plug a real tokenizer in through `countTokens` when the budget must be exact.
 */
export function approximateTokens(text: string): number {
  let cjk = 0
  let other = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (
      (ch >= 0x3040 && ch <= 0x30ff) || // hiragana, katakana
      (ch >= 0x3400 && ch <= 0x9fff) || // CJK unified ideographs (+ extension A)
      (ch >= 0xac00 && ch <= 0xd7af) || // Hangul syllables
      (ch >= 0xf900 && ch <= 0xfaff) || // CJK compatibility ideographs
      (ch >= 0xff00 && ch <= 0xffef) // halfwidth and fullwidth forms
    ) {
      cjk++
    } else {
      other++
    }
  }
  return cjk + Math.ceil(other / 4)
}

const EMPTY: readonly Turn[] = Object.freeze([])

/**
 * A kept turn. Its token count is a private field behind a getter, so the object itself is a
 * plain `{ role, content }` prompt message to `JSON.stringify`, spread and `Object.keys`:
 * `messages()` hands out the kept turns themselves instead of a copy per turn per call.
 */
class KeptTurn implements Turn {
  readonly role: Role
  readonly content: string
  readonly #tokens: number
  constructor(role: Role, content: string, tokens: number) {
    this.role = role
    this.content = content
    this.#tokens = tokens
  }
  get tokens(): number {
    return this.#tokens
  }
}

// One-entry caches shared by every context: conversations of one machine share one system prompt,
// so its message object and its token count are made once, not once per conversation (no memory
// per idle conversation) nor once per turn (a real tokenizer costs microseconds per call).
let systemMessage: Readonly<Message> = Object.freeze({ role: 'system', content: '' })
let systemText: string | null = null
let systemCounter: CountTokens | null = null
let systemTokens = 0

function systemTokensOf(text: string, count: CountTokens): number {
  if (text !== systemText || count !== systemCounter) {
    systemTokens = count(text)
    systemText = text
    systemCounter = count
  }
  return systemTokens
}

/** The turns and their counters, allocated on the first turn (an idle context holds none of it). */
class Ring {
  turns: Turn[] = new Array<Turn>(4)
  head = 0
  count = 0
  tokens = 0
  /** User turns kept = rounds. */
  users = 0
}

/**
 * A bounded context window: a ring of user/assistant turns trimmed to `maxTurns` rounds and to
 * `maxTokens` (oldest first; the system prompt is never dropped, and the newest turn always stays).
 * An empty context holds no array at all: the ring is allocated on the first turn, so an idle
 * conversation costs one small object.
 */
export class ConversationContext {
  /** The system prompt, counted in the token budget but never trimmed. */
  system: string | null
  readonly #limits: ContextLimits
  #ring: Ring | null = null

  constructor(limits: ContextLimits, system: string | null = null) {
    this.#limits = limits
    this.system = system
  }

  /** Number of turns kept. */
  get size(): number {
    return this.#ring === null ? 0 : this.#ring.count
  }

  /** Tokens of the kept turns plus the system prompt. */
  get tokens(): number {
    return (
      (this.#ring === null ? 0 : this.#ring.tokens) +
      (this.system === null ? 0 : systemTokensOf(this.system, this.#limits.countTokens))
    )
  }

  /** Appends a user turn (starting a new round) and trims. */
  addUser(content: string): void {
    this.#push(new KeptTurn('user', content, this.#limits.countTokens(content)))
  }

  /** Appends an assistant turn and trims. */
  addAssistant(content: string): void {
    this.#push(new KeptTurn('assistant', content, this.#limits.countTokens(content)))
  }

  /**
   * The kept turn at `index` (0 = oldest), or `undefined` outside `[0, size)`. No allocation: a
   * follower (an incremental hash of the window, say) reads the newest turns after each change.
   * Every appended turn is a new object, so a turn's identity tells whether it is still kept.
   */
  at(index: number): Turn | undefined {
    const r = this.#ring
    if (r === null || !(index >= 0 && index < r.count)) return undefined
    return r.turns[(r.head + index) % r.turns.length]
  }

  /** The kept turns, oldest first (a new array of the kept, immutable turn objects). */
  turns(): readonly Turn[] {
    const r = this.#ring
    if (r === null || r.count === 0) return EMPTY
    const out = new Array<Turn>(r.count)
    for (let i = 0; i < r.count; i++) out[i] = r.turns[(r.head + i) % r.turns.length] as Turn
    return out
  }

  /**
   * Prompt messages: the system prompt (if any), then the turns oldest first. A new array on every
   * call, but of shared objects (the kept turns themselves, and one system message per prompt
   * text): treat them as read-only. Each serialises as exactly `{ role, content }`.
   */
  messages(): Message[] {
    const r = this.#ring
    const n = r === null ? 0 : r.count
    const s = this.system === null ? 0 : 1
    const out = new Array<Message>(n + s)
    if (s === 1) {
      if (systemMessage.content !== this.system)
        systemMessage = Object.freeze({ role: 'system', content: this.system as string })
      out[0] = systemMessage as Message
    }
    for (let i = 0; i < n; i++) out[i + s] = r!.turns[(r!.head + i) % r!.turns.length] as KeptTurn
    return out
  }

  /** Drops every turn (keeps the system prompt). */
  clear(): void {
    this.#ring = null
  }

  /** JSON form for snapshots. */
  toJSON(): ContextJSON {
    return { system: this.system, turns: this.turns().map((t) => [t.role, t.content]) }
  }

  /** Rebuilds a context from {@link ContextJSON}, re-counting tokens and re-applying the limits. */
  static fromJSON(json: unknown, limits: ContextLimits): ConversationContext {
    if (typeof json !== 'object' || json === null) throw new TypeError('context must be an object')
    const { system, turns } = json as Partial<ContextJSON>
    if (system !== null && typeof system !== 'string')
      throw new TypeError('context.system must be a string or null')
    if (!Array.isArray(turns)) throw new TypeError('context.turns must be an array')
    const ctx = new ConversationContext(limits, system)
    for (const t of turns as unknown[]) {
      if (!Array.isArray(t) || (t[0] !== 'user' && t[0] !== 'assistant') || typeof t[1] !== 'string') {
        throw new TypeError('context.turns must hold [role, content] pairs')
      }
      if (t[0] === 'user') ctx.addUser(t[1])
      else ctx.addAssistant(t[1])
    }
    return ctx
  }

  #push(turn: Turn): void {
    let r = this.#ring
    if (r === null) r = this.#ring = new Ring()
    let ring = r.turns
    if (r.count === ring.length) {
      // Grow (assistant-heavy rounds can exceed 2 turns per round); rare, amortised O(1).
      const bigger = new Array<Turn>(ring.length * 2)
      for (let i = 0; i < r.count; i++) bigger[i] = ring[(r.head + i) % ring.length] as Turn
      ring = r.turns = bigger
      r.head = 0
    }
    ring[(r.head + r.count) % ring.length] = turn
    r.count++
    r.tokens += turn.tokens
    if (turn.role === 'user') r.users++
    this.#trim(r)
  }

  #shift(r: Ring): void {
    const ring = r.turns
    const turn = ring[r.head] as Turn
    ring[r.head] = undefined as unknown as Turn
    r.head = (r.head + 1) % ring.length
    r.count--
    r.tokens -= turn.tokens
    if (turn.role === 'user') r.users--
  }

  #trim(r: Ring): void {
    const { maxTurns, maxTokens } = this.#limits
    // Whole rounds go: drop the oldest turns until the oldest user turn of an excess round is gone,
    // plus the assistant turns that answered it.
    while (r.users > maxTurns) {
      this.#shift(r)
      while (r.count > 0 && (r.turns[r.head] as Turn).role === 'assistant') this.#shift(r)
    }
    if (maxTokens !== Number.POSITIVE_INFINITY) {
      const system = this.system === null ? 0 : systemTokensOf(this.system, this.#limits.countTokens)
      while (r.count > 1 && r.tokens + system > maxTokens) this.#shift(r)
    }
  }
}
