import type { ChatClientError } from './errors.ts'

/** The final reply of one message. */
export interface ReplyResult {
  /** Id of the message (and of its frames). */
  id: string
  /** The whole reply: the deltas joined. */
  text: string
  /** The conversation's state after the reply. */
  state: string
  /** `true` when the server's echo guard acted on this reply (it removed or cut an echo). */
  echo: boolean
}

const noop = (): void => {}

/**
 * One message's reply as it streams: iterate it (`for await (const delta of reply)`) for the
 * deltas, await `reply.result` for the whole reply. Deltas are kept, so every iterator, even one
 * started after the end, sees all of them; an iterator throws the turn's error after the deltas
 * that arrived before it.
 */
export class Reply implements AsyncIterable<string> {
  /** Id of the message. */
  readonly id: string
  /** The message sent. */
  readonly text: string
  /** Resolves with the final reply; rejects with a {@link ChatClientError}. */
  readonly result: Promise<ReplyResult>
  readonly #deltas: string[] = []
  #done = false
  #error: ChatClientError | null = null
  // Iterators waiting for the next delta (usually one).
  #wakers: Array<() => void> = []
  #resolve!: (r: ReplyResult) => void
  #reject!: (e: ChatClientError) => void

  /** @internal built by the client. */
  constructor(id: string, text: string) {
    this.id = id
    this.text = text
    this.result = new Promise<ReplyResult>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    // A caller that only iterates must not get an unhandled rejection from `result`.
    this.result.catch(noop)
  }

  /** `true` once the reply is complete or failed. */
  get settled(): boolean {
    return this.#done
  }

  /** @internal */
  delta(text: string): void {
    if (this.#done || text === '') return
    this.#deltas.push(text)
    this.#notify()
  }

  /** @internal the final frame; without streaming, its text is the one delta. */
  finish(result: ReplyResult): void {
    if (this.#done) return
    if (this.#deltas.length === 0 && result.text !== '') this.#deltas.push(result.text)
    this.#done = true
    this.#resolve(result)
    this.#notify()
  }

  /** @internal */
  fail(err: ChatClientError): void {
    if (this.#done) return
    this.#done = true
    this.#error = err
    this.#reject(err)
    this.#notify()
  }

  #notify(): void {
    const wakers = this.#wakers
    if (wakers.length === 0) return
    this.#wakers = []
    for (const wake of wakers) wake()
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    let i = 0
    for (;;) {
      while (i < this.#deltas.length) yield this.#deltas[i++] as string
      if (this.#done) break
      await new Promise<void>((resolve) => this.#wakers.push(resolve))
    }
    if (this.#error !== null) throw this.#error
  }
}
