import { startRedis } from '@chatbot-pro/test-utils'
import t from 'tap'
import { Conversation, until } from './fixtures/load.ts'
import { KEEP_ALL_TURNS, missingTurns, pool, Redis, ServerProcess, storedTurns } from './fixtures/system.ts'

const CONVERSATIONS = 300
const SHUTDOWN_TIMEOUT_MS = 10_000

t.test(
  'promise 2: SIGTERM under load loses no acknowledged turn, tells every client, exits 0 in time',
  async (t) => {
    const redis = await startRedis({ args: ['--appendonly', 'yes'] })
    t.teardown(() => redis.close())
    const server = await ServerProcess.start(t, {
      REDIS_URL: redis.url,
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      LLM_LATENCY_MS: '40',
      LLM_TOKENS_PER_S: '400',
      LLM_REPLY_TOKENS: '12',
      ...KEEP_ALL_TURNS
    })
    const convs = Array.from({ length: CONVERSATIONS }, (_, i) => new Conversation(server.wsUrl, `c${i}`))
    t.teardown(() => {
      for (const c of convs) c.client.terminate()
    })
    await pool(convs, 50, (c) => c.open())
    let replies = 0
    for (const c of convs) c.run(60, () => replies++)
    // Load until a few turns per conversation are acknowledged; then SIGTERM with turns in flight.
    // Conversations start together, so turns come in waves: signal halfway through the third wave,
    // with half the conversations mid-turn.
    await until(() => replies >= CONVERSATIONS * 2.5, 60_000, 'two and a half turns per conversation')
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
