import t from 'tap'
import { startLoad, until } from './fixtures/load.ts'
import { missingTurns, Redis, storedTurns } from './fixtures/system.ts'

const CONVERSATIONS = 300
const SHUTDOWN_TIMEOUT_MS = 10_000

t.test(
  'promise 2: SIGTERM under load loses no acknowledged turn, tells every client, exits 0 in time',
  async (t) => {
    const load = await startLoad(t, {
      conversations: CONVERSATIONS,
      turns: 60,
      env: { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) }
    })
    const { redis, server, convs } = load
    // Load until a few turns per conversation are acknowledged; then SIGTERM with turns in flight.
    // Conversations start together, so turns come in waves: signal halfway through the third wave,
    // with half the conversations mid-turn.
    await until(() => load.replies >= CONVERSATIONS * 2.5, 60_000, 'two and a half turns per conversation')
    const sentAt = Date.now()
    server.signal('SIGTERM')
    const exit = await server.exited
    const exitMs = exit.at - sentAt
    await Promise.all(convs.map((c) => c.done()))

    t.equal(exit.code, 0, `exit code 0\n${server.log()}`)
    t.ok(exitMs <= SHUTDOWN_TIMEOUT_MS, `exited within SHUTDOWN_TIMEOUT_MS (${exitMs} ms)`)

    let withoutShutdownState = 0
    let without1001 = 0
    for (const c of convs) {
      const closed = await c.client.waitClose()
      if (closed.code !== 1001) without1001++
      if (!c.client.frames.some((f) => f.type === 'state' && f.reason === 'shutdown')) withoutShutdownState++
    }
    const db = new Redis(redis.url)
    t.teardown(() => db.quit())
    let acked = 0
    let missing = 0
    let convsMissing = 0
    for (const c of convs) {
      acked += c.acked.length
      const m = missingTurns(await storedTurns(db, c.uid), c.acked)
      missing += m
      if (m > 0) convsMissing++
    }
    t.comment(
      `SIGTERM: ${CONVERSATIONS} conversations, ${acked} acknowledged turns, ${missing} missing from Redis ` +
        `(${convsMissing} conversations); exit ${exit.code} after ${exitMs} ms (limit ${SHUTDOWN_TIMEOUT_MS}); ` +
        `without state(shutdown): ${withoutShutdownState}, without close 1001: ${without1001}`
    )
    t.equal(missing, 0, 'every acknowledged turn is in Redis')
    t.equal(withoutShutdownState, 0, 'every client got a state frame with reason shutdown')
    t.equal(without1001, 0, 'every client was closed with 1001')
  }
)
