// Shared inputs of the log-sampler scenarios: an ~8 KB chat context made of ~330-byte turns.

/** One chat turn of about 330 bytes. */
export function turnText(i: number): string {
  return `turn ${i}: could you tell me the status of order #${10_000 + i}? It was due yesterday and the tracking page says nothing. `.repeat(
    3
  )
}

/** A context of `bytes` bytes (at least) as chat messages. */
export function makeContext(bytes: number, offset = 0): Array<{ role: string; content: string }> {
  const turns: Array<{ role: string; content: string }> = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const content = turnText(offset + i)
    turns.push({ role: i % 2 ? 'assistant' : 'user', content })
    size += Buffer.byteLength(content)
  }
  return turns
}
