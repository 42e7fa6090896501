/**
 * An incremental `text/event-stream` parser (the WHATWG "event stream interpretation", the parts
 * a POST response needs: `event`, multi-line `data`, comments; `id`/`retry` are ignored because a
 * POST stream is not reconnected by id). Feed it decoded text in any chunking.
 */
export class SseParser {
  #buf = ''
  #event = ''
  #data: string[] = []
  readonly #onEvent: (event: string, data: string) => void

  constructor(onEvent: (event: string, data: string) => void) {
    this.#onEvent = onEvent
  }

  /** Parses a chunk; complete lines are handled, a partial last line waits for the next chunk. */
  push(chunk: string): void {
    this.#buf += chunk
    let start = 0
    for (;;) {
      const nl = this.#buf.indexOf('\n', start)
      if (nl < 0) break
      const end = nl > start && this.#buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
      this.#line(this.#buf.slice(start, end))
      start = nl + 1
    }
    this.#buf = this.#buf.slice(start)
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0) this.#onEvent(this.#event || 'message', this.#data.join('\n'))
      this.#event = ''
      this.#data = []
      return
    }
    if (line.charCodeAt(0) === 58) return // ':' comment
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'event') this.#event = value
    else if (field === 'data') this.#data.push(value)
  }
}
