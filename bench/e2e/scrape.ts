/** The app's own figures of a load run, scraped from its Prometheus endpoint. */

/** The app's own view of the run, from GET /metrics: mean LLM and turn time, queue drops. */
export async function scrapeMetrics(port: number): Promise<Record<string, number> | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })
    const text = await res.text()
    const val = (re: RegExp): number => {
      let sum = 0
      for (const m of text.matchAll(re)) sum += Number(m[1])
      return sum
    }
    const llmSum = val(/^chatbot_llm_duration_seconds_sum(?:\{[^}]*\})? (\S+)$/gm)
    const llmCount = val(/^chatbot_llm_duration_seconds_count(?:\{[^}]*\})? (\S+)$/gm)
    const turnSum = val(/^chatbot_turn_duration_seconds_sum(?:\{[^}]*\})? (\S+)$/gm)
    const turnCount = val(/^chatbot_turn_duration_seconds_count(?:\{[^}]*\})? (\S+)$/gm)
    // p99 of the admitted turns' queueing delay, interpolated within its histogram bucket.
    const buckets = [...text.matchAll(/^chatbot_queue_wait_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)].map(
      (m) => [m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2])] as const
    )
    const waitCount = buckets.at(-1)?.[1] ?? 0
    let queueWaitP99Ms = Number.NaN
    let lo = 0
    let below = 0
    for (const [le, n] of buckets) {
      if (waitCount > 0 && n >= 0.99 * waitCount) {
        const hi = Number.isFinite(le) ? le : lo * 2
        queueWaitP99Ms = (lo + ((0.99 * waitCount - below) / Math.max(1, n - below)) * (hi - lo)) * 1000
        break
      }
      lo = le
      below = n
    }
    return {
      queueWaitP99Ms,
      llmMeanMs: llmCount > 0 ? (llmSum / llmCount) * 1000 : Number.NaN,
      turnMeanMs: turnCount > 0 ? (turnSum / turnCount) * 1000 : Number.NaN,
      queueDropped: val(/^chatbot_queue_dropped_total(?:\{[^}]*\})? (\S+)$/gm),
      turnsOk: val(/^chatbot_turns_total\{outcome="ok"\} (\S+)$/gm)
    }
  } catch {
    return undefined
  }
}
