import t from 'tap'
import { startLoad, until } from './fixtures/load.ts'
import { Client, missingTurns, pool, Redis, ServerProcess, storedTurns } from './fixtures/system.ts'

const CONVERSATIONS = 300
// The documented write-behind window: tiered-cache flushes dirty sessions every `flush.intervalMs`
// (50 ms by default, the server's setting); a SIGKILL loses what was set since the last flush. A
// flush in progress at the kill adds its round trip: the bound allows one flush timeout of slack
// on a loaded machine.
const FLUSH_INTERVAL_MS = 50
const WINDOW_SLACK_MS = 1000

t.test(
  'promise 3: SIGKILL under load: conversations resume from Redis, the loss stays in the write-behind window',
  async (t) => {
    const load = await startLoad(t, { conversations: CONVERSATIONS, turns: 60 })
    const { redis, env, server: first, convs } = load
    // Conversations start together, so turns come in waves: signal halfway through the third wave,
    // with half the conversations mid-turn.
    await until(() => load.replies >= CONVERSATIONS * 2.5, 60_000, 'two and a half turns per conversation')
    const killedAt = Date.now()
    first.signal('SIGKILL')
    const exit = await first.exited
    t.equal(exit.signal, 'SIGKILL', 'the server was killed')
    await Promise.all(convs.map((c) => c.done()))

    // Restart over the same Redis; every conversation resumes with its token.
    const second = await ServerProcess.start(t, env)
    const db = new Redis(redis.url)
    t.teardown(() => db.quit())
    let acked = 0
    let lost = 0
    let convsAffected = 0
    let notResumed = 0
    let holes = 0
    let maxLostPerConv = 0
    let newestLostAgeMs = Number.POSITIVE_INFINITY
    let oldestLostAgeMs = 0
    await pool(convs, 50, async (c) => {
      const turns = await storedTurns(db, c.uid)
      acked += c.acked.length
      const m = missingTurns(turns, c.acked)
      if (m > 0) {
        lost += m
        maxLostPerConv = Math.max(maxLostPerConv, m)
        convsAffected++
        // Lost turns must be the newest ones (a durable prefix, no holes)...
        if (missingTurns(turns, c.acked.slice(0, c.acked.length - m)) !== 0) holes++
        // ...acknowledged inside the window before the kill.
        newestLostAgeMs = Math.min(newestLostAgeMs, killedAt - (c.ackedAt[c.acked.length - 1] as number))
        oldestLostAgeMs = Math.max(oldestLostAgeMs, killedAt - (c.ackedAt[c.acked.length - m] as number))
      }
      const r = new Client(second.wsUrl)
      t.teardown(() => r.terminate())
      const s = await r.hello(c.token)
      const resumedTurns = (s.context as unknown[] | undefined)?.length ?? 0
      if (
        s.type !== 'session' ||
        s.uid !== c.uid ||
        s.resumed !== true ||
        resumedTurns !== (turns?.length ?? 0)
      )
        notResumed++
      r.terminate()
    })
    t.comment(
      `SIGKILL: ${CONVERSATIONS} conversations, ${acked} acknowledged turns; lost ${lost} turns in ${convsAffected} ` +
        `conversations; lost turns were acknowledged ${lost ? `${newestLostAgeMs}..${oldestLostAgeMs}` : '-'} ms ` +
        `before the kill (negative: the reply arrived after the signal; window: flush every ${FLUSH_INTERVAL_MS} ms + ${WINDOW_SLACK_MS} ms slack); ` +
        `not resumed: ${notResumed}; conversations with a hole: ${holes}`
    )
    t.equal(notResumed, 0, 'every conversation resumes from Redis with the stored context')
    t.equal(holes, 0, 'what survives is a prefix of the acknowledged turns')
    t.ok(maxLostPerConv <= 2, `at most the newest two turns of a conversation are lost (${maxLostPerConv})`)
    t.ok(
      oldestLostAgeMs <= FLUSH_INTERVAL_MS + WINDOW_SLACK_MS,
      `every lost turn was acknowledged inside the write-behind window (${oldestLostAgeMs} ms)`
    )
  }
)
