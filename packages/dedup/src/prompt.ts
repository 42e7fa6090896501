/** A chat message in the format of OpenAI-compatible chat completion APIs. */
export interface ChatMessage {
  role: string
  content?: string | Array<{ type: string; text?: string; [key: string]: unknown }> | null
  [key: string]: unknown
}

/** Options of {@link promptGuard}. */
export interface PromptGuardOptions {
  /** Longest quoted sentence, in UTF-16 code units (cut at a code point boundary). Default `300`. */
  maxSentenceChars?: number
}

/** Marker that starts the instruction, so a prompt is never guarded twice. */
export const DO_NOT_REPEAT = 'DO_NOT_REPEAT'

const cjk = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/
/** `. ! ? 。 ！ ？` and newline: a run of them ends a sentence. */
function isEnd(c: number): boolean {
  return c === 0x2e || c === 0x21 || c === 0x3f || c === 0x0a || c === 0x3002 || c === 0xff01 || c === 0xff1f
}
/** Closing quotes and brackets that stay with the sentence they end: `" ' ” ’ 」 』 ) ）`. */
function isCloser(c: number): boolean {
  return (
    c === 0x22 ||
    c === 0x27 ||
    c === 0x201d ||
    c === 0x2019 ||
    c === 0x300d ||
    c === 0x300f ||
    c === 0x29 ||
    c === 0xff09
  )
}
/** JavaScript's `\s`. */
function isSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x20 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  )
}

/**
 * The last sentence of a text: the text after the last sentence end that is followed by more
 * text, trimmed, at most `max` code units (not splitting a surrogate pair).
 */
export function lastSentence(text: string, max = 300): string {
  if (typeof text !== 'string') return ''
  const t = text.trim()
  // The end of the last sentence end (a run of end marks, closing quotes, spaces) that more text
  // follows; a scan by char code, called once per turn, instead of a global regex's match objects.
  let start = 0
  for (let i = 0; i < t.length; ) {
    if (!isEnd(t.charCodeAt(i))) {
      i++
      continue
    }
    while (i < t.length && isEnd(t.charCodeAt(i))) i++
    while (i < t.length && isCloser(t.charCodeAt(i))) i++
    while (i < t.length && isSpace(t.charCodeAt(i))) i++
    if (i < t.length) start = i
  }
  let s = t.slice(start).trim()
  if (s.length > max) {
    let cut = max
    const c = s.charCodeAt(cut - 1)
    if (c >= 0xd800 && c <= 0xdbff) cut--
    s = `${s.slice(0, cut)}…`
  }
  return s
}

/** The instruction text for one user sentence (English, plus Chinese when the sentence is CJK). */
export function doNotRepeatInstruction(sentence: string): string {
  const quoted = JSON.stringify(sentence)
  let text = `${DO_NOT_REPEAT}: Answer in your own words. Do not repeat, quote or paraphrase the user's message back to them; in particular do not repeat this sentence: ${quoted}`
  if (cjk.test(sentence))
    text += `\n${DO_NOT_REPEAT}：请用自己的话回答，不要复述或引用用户的话，尤其不要重复这句话：${quoted}`
  return text
}

/**
 * Returns a copy of `messages` with the DO_NOT_REPEAT instruction, quoting the user's last
 * sentence, added to the system prompt: appended to the first `system` (or `developer`) message,
 * or as a new system message at the front when there is none. Many chat templates (Llama,
 * Mistral, Qwen) reject a system message anywhere but first, which is why it is not appended as
 * a trailing message. The caller's array and messages are never mutated; an instruction added on an
 * earlier turn is replaced, not repeated. With no sentence, nothing is added.
 */
export function promptGuard<M extends ChatMessage>(
  messages: readonly M[],
  lastUserText: string,
  options?: PromptGuardOptions
): M[] {
  const out = Array.isArray(messages) ? messages.slice() : []
  const sentence = lastSentence(lastUserText, options?.maxSentenceChars ?? 300)
  if (sentence.length === 0) return out
  const instruction = doNotRepeatInstruction(sentence)
  let i = -1
  for (let j = 0; j < out.length; j++) {
    const m = out[j]
    if (m !== null && typeof m === 'object' && (m.role === 'system' || m.role === 'developer')) {
      i = j
      break
    }
  }
  if (i < 0) {
    out.unshift({ role: 'system', content: instruction } as M)
    return out
  }
  const sys = out[i]!
  const content = sys.content
  if (typeof content === 'string') {
    // A prompt guarded on an earlier turn: replace the old instruction instead of stacking another.
    const at = content.indexOf(`${DO_NOT_REPEAT}:`)
    const base = (at >= 0 ? content.slice(0, at) : content).trimEnd()
    out[i] = { ...sys, content: base.length > 0 ? `${base}\n\n${instruction}` : instruction }
  } else if (Array.isArray(content)) {
    const parts = content.filter(
      (p) => !(typeof p?.text === 'string' && p.text.startsWith(`${DO_NOT_REPEAT}:`))
    )
    out[i] = { ...sys, content: [...parts, { type: 'text', text: instruction }] }
  } else {
    out[i] = { ...sys, content: instruction }
  }
  return out
}
