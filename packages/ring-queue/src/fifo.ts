/**
 * A growable FIFO on a power-of-two ring, for waiter lists (producers waiting for room, consumers
 * waiting for an item). `Array.prototype.shift` is O(n) once V8 leaves its fast path and moves every
 * element; this ring is O(1) and, once grown to the high-water mark, allocates nothing.
 * @internal
 */
export class Fifo<T> {
  #buf: Array<T | undefined>
  #mask: number
  #head = 0
  #size = 0

  constructor(initial = 8) {
    this.#buf = new Array(initial).fill(undefined)
    this.#mask = initial - 1
  }

  get size(): number {
    return this.#size
  }

  push(value: T): void {
    if (this.#size === this.#buf.length) this.#grow()
    this.#buf[(this.#head + this.#size) & this.#mask] = value
    this.#size++
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined
    const value = this.#buf[this.#head]
    this.#buf[this.#head] = undefined
    this.#head = (this.#head + 1) & this.#mask
    this.#size--
    return value
  }

  #grow(): void {
    const old = this.#buf
    const next: Array<T | undefined> = new Array(old.length * 2).fill(undefined)
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & this.#mask]
    this.#buf = next
    this.#mask = next.length - 1
    this.#head = 0
  }
}
