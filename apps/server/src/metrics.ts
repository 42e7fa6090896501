import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  type Metric,
  type MetricObjectWithValues,
  type MetricValueWithName,
  Registry
} from 'prom-client'

/** Gauges read at scrape time, so the hot path never updates them. */
export interface MetricSources {
  queueDepth(): number
  queueInFlight(): number
  queueSojournP99Ms(): number
  queueDropped(): number
  openConnections(): number
  conversationsByState(): Record<string, number>
  cacheStats(): { hits: number; misses: number; dirty: number; flushLagMs: number }
  echo(): { checked: number; echoes: number }
  sampledLogBytes(): number
}

/** Outcomes of a turn, the values of `chatbot_turns_total`'s `outcome` label. */
export const OUTCOMES = ['ok', 'overloaded', 'llm_error', 'cancelled', 'storage', 'error'] as const
/** One of {@link OUTCOMES}. */
export type Outcome = (typeof OUTCOMES)[number]

/**
 * A label-less Prometheus histogram whose `observe` is a bucket search and three additions.
 * prom-client's `observe` hashes the label set and allocates per call, and the server observes
 * three histograms per turn; this one is read only at scrape time, in the registry's format.
 */
export class TurnHistogram {
  readonly name: string
  readonly help: string
  readonly #bounds: Float64Array
  readonly #counts: Float64Array
  #sum = 0
  #count = 0

  constructor(name: string, help: string, buckets: readonly number[]) {
    this.name = name
    this.help = help
    this.#bounds = Float64Array.from(buckets)
    this.#counts = new Float64Array(buckets.length)
  }

  /** Records one value (seconds). */
  observe(value: number): void {
    const b = this.#bounds
    let i = 0
    while (i < b.length && value > (b[i] as number)) i++
    if (i < b.length) (this.#counts as Float64Array)[i]++
    this.#sum += value
    this.#count++
  }

  /** The registry's view: cumulative buckets, `+Inf`, sum and count. */
  async get(): Promise<Omit<MetricObjectWithValues<MetricValueWithName<string>>, 'collect'>> {
    const values: MetricValueWithName<string>[] = []
    let acc = 0
    for (let i = 0; i < this.#bounds.length; i++) {
      acc += this.#counts[i] as number
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { le: this.#bounds[i] as number },
        value: acc
      })
    }
    values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: this.#count })
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.#sum })
    values.push({ metricName: `${this.name}_count`, labels: {}, value: this.#count })
    return { name: this.name, help: this.help, type: 'histogram' as never, values, aggregator: 'sum' }
  }

  reset(): void {
    this.#counts.fill(0)
    this.#sum = 0
    this.#count = 0
  }
}

/** The server's Prometheus metrics (prom-client), on their own registry. */
export class Metrics {
  readonly registry = new Registry()
  /** Finished turns per outcome, counted in plain numbers and read into the counter at scrape. */
  readonly #outcomes = new Float64Array(OUTCOMES.length)
  readonly turnSeconds: TurnHistogram
  readonly llmFirstTokenSeconds: TurnHistogram
  readonly llmSeconds: TurnHistogram
  readonly queueWaitSeconds: TurnHistogram

  constructor(sources: MetricSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })
    const outcomes = this.#outcomes
    new Counter({
      name: 'chatbot_turns_total',
      help: 'Turns finished, by outcome (ok, overloaded, llm_error, cancelled, storage, error).',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset()
        for (let i = 0; i < OUTCOMES.length; i++) {
          const n = outcomes[i] as number
          if (n > 0) this.inc({ outcome: OUTCOMES[i] as Outcome }, n)
        }
      }
    })
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    const histogram = (name: string, help: string): TurnHistogram => {
      const h = new TurnHistogram(name, help, buckets)
      this.registry.registerMetric(h as unknown as Metric)
      return h
    }
    this.turnSeconds = histogram(
      'chatbot_turn_duration_seconds',
      'From a user message received to its final reply sent.'
    )
    this.llmFirstTokenSeconds = histogram('chatbot_llm_first_token_seconds', 'LLM time to the first token.')
    this.llmSeconds = histogram('chatbot_llm_duration_seconds', 'LLM time for the whole reply.')
    this.queueWaitSeconds = new TurnHistogram(
      'chatbot_queue_wait_seconds',
      'Queueing delay of admitted turns: from the user message to the start of its LLM call.',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10]
    )
    this.registry.registerMetric(this.queueWaitSeconds as unknown as Metric)
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read())
        }
      })
    }
    gauge('chatbot_queue_depth', 'Turns waiting for an LLM slot.', sources.queueDepth)
    gauge('chatbot_queue_in_flight', 'LLM calls in flight.', sources.queueInFlight)
    gauge(
      'chatbot_queue_sojourn_p99_seconds',
      'p99 time a turn waited in the queue.',
      () => sources.queueSojournP99Ms() / 1000
    )
    gauge('chatbot_queue_dropped_total', 'Turns shed by CoDel or a full queue.', sources.queueDropped)
    gauge('chatbot_open_connections', 'Open WebSocket connections.', sources.openConnections)
    gauge('chatbot_cache_hits_total', 'Session cache hot-tier hits.', () => sources.cacheStats().hits)
    gauge('chatbot_cache_misses_total', 'Session cache hot-tier misses.', () => sources.cacheStats().misses)
    gauge(
      'chatbot_cache_dirty_entries',
      'Sessions written but not yet flushed to the cold tier.',
      () => sources.cacheStats().dirty
    )
    gauge(
      'chatbot_cache_flush_lag_seconds',
      'Age of the oldest unflushed write.',
      () => sources.cacheStats().flushLagMs / 1000
    )
    gauge('chatbot_echo_checked_total', 'Replies checked by the echo guard.', () => sources.echo().checked)
    gauge(
      'chatbot_echo_found_total',
      'Replies in which the echo guard found an echo.',
      () => sources.echo().echoes
    )
    gauge(
      'chatbot_sampled_log_bytes_total',
      'Bytes of full-context turn logs written.',
      sources.sampledLogBytes
    )
    new Gauge({
      name: 'chatbot_conversations',
      help: 'Live conversations by state.',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset()
        for (const [state, n] of Object.entries(sources.conversationsByState())) this.set({ state }, n)
      }
    })
  }

  /** Counts one finished turn. */
  turn(outcome: Outcome): void {
    ;(this.#outcomes as Float64Array)[OUTCOMES.indexOf(outcome)]++
  }
}
