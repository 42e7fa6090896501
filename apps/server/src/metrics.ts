import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

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

/** The server's Prometheus metrics (prom-client), on their own registry. */
export class Metrics {
  readonly registry = new Registry()
  readonly turns: Counter<'outcome'>
  readonly turnSeconds: Histogram
  readonly llmFirstTokenSeconds: Histogram
  readonly llmSeconds: Histogram

  constructor(sources: MetricSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })
    this.turns = new Counter({
      name: 'chatbot_turns_total',
      help: 'Turns finished, by outcome (ok, overloaded, llm_error, cancelled, storage, error).',
      labelNames: ['outcome'],
      registers
    })
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    this.turnSeconds = new Histogram({
      name: 'chatbot_turn_duration_seconds',
      help: 'From a user message received to its final reply sent.',
      buckets,
      registers
    })
    this.llmFirstTokenSeconds = new Histogram({
      name: 'chatbot_llm_first_token_seconds',
      help: 'LLM time to the first token.',
      buckets,
      registers
    })
    this.llmSeconds = new Histogram({
      name: 'chatbot_llm_duration_seconds',
      help: 'LLM time for the whole reply.',
      buckets,
      registers
    })
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
}
