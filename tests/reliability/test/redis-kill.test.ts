import t from 'tap'
import { startLoad, until } from './fixtures/load.ts'
import { DOCUMENTED_CODES, missingTurns, Redis, storedTurns } from './fixtures/system.ts'

const CONVERSATIONS = 200
const DOWN_MS = 3000

t.test(
  'promise 1: Redis SIGKILLed under load and restarted: turns go on, 0 acknowledged turns missing',
  async (t) => {
    const load = await startLoad(t, {
      conversations: CONVERSATIONS,
      turns: 150,
      env: { SHUTDOWN_TIMEOUT_MS: '15000' }
    })
    const { redis, server, convs } = load
    await until(() => load.replies >= CONVERSATIONS, 60_000, 'a turn per conversation')

    const downAt = Date.now()
    await redis.stop({ kill: true })
    const atKill = load.replies
    // Redis stays down for DOWN_MS (the scenario's length, like the 4 s of the run), and at
    // least two more turns per conversation must be answered meanwhile (hot tier).
    await until(
      () => load.replies >= atKill + CONVERSATIONS * 2 && Date.now() - downAt >= DOWN_MS,
      60_000,
      'turns answered while Redis is down'
    )
    const whileDown = load.replies - atKill
    await redis.start()
    const downMs = Date.now() - downAt
    const ready = async () => (await fetch(`${server.url}/readyz`)).status === 200
    const deadline = Date.now() + 30_000
    while (!(await ready())) {
      if (Date.now() > deadline) throw new Error('the server did not become ready after Redis came back')
      await new Promise((r) => setTimeout(r, 50))
    }
    const atRecovery = load.replies
    await until(() => load.replies >= atRecovery + CONVERSATIONS, 60_000, 'turns answered after recovery')
    await Promise.all(convs.map((c) => c.stop()))
    t.ok(server.alive(), 'the server stayed up')
    server.signal('SIGTERM')
    const exit = await server.exited
    t.equal(exit.code, 0, `exit 0 after recovery\n${server.log()}`)

    const db = new Redis(redis.url)
    t.teardown(() => db.quit())
    let acked = 0
    let missing = 0
    const codes = new Map<string, number>()
    for (const c of convs) {
      acked += c.acked.length
      missing += missingTurns(await storedTurns(db, c.uid), c.acked)
      for (const e of c.errors) codes.set(e.code, (codes.get(e.code) ?? 0) + 1)
    }
    const undocumented = [...codes.keys()].filter((c) => !DOCUMENTED_CODES.has(c) && !/^LLM_/.test(c))
    t.comment(
      `Redis SIGKILL: ${CONVERSATIONS} conversations, ${whileDown} turns answered while Redis was down (${downMs} ms), ` +
        `${acked} acknowledged in all, ${missing} missing from Redis after recovery + SIGTERM; ` +
        `error frames: ${JSON.stringify(Object.fromEntries(codes))}`
    )
    t.equal(missing, 0, 'no acknowledged turn missing from Redis')
    t.same(undocumented, [], 'only documented error codes')
  }
)
