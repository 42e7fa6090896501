import t from 'tap'
import { UserRateLimiter } from '../src/rate-limit.ts'

t.test('a fixed one-minute window per user', async (t) => {
  const r = new UserRateLimiter(3)
  t.teardown(() => r.close())
  t.equal(r.perMinute, 3)
  t.same([r.hit('a', 0), r.hit('a', 1000), r.hit('a', 2000)], [0, 0, 0], 'three allowed')
  t.equal(r.hit('a', 20_000), 40_000, 'the fourth waits for the window to end')
  t.equal(r.hit('b', 20_000), 0, 'other users have their own window')
  t.equal(r.hit('a', 60_000), 0, 'a new window after a minute')
})

t.test('sweep drops the windows that are over, and only those', async (t) => {
  const r = new UserRateLimiter(1)
  t.teardown(() => r.close())
  r.hit('old', 0)
  r.hit('new', 50_000)
  r.sweep(70_000)
  // 'new' keeps its window (still over its limit); 'old' starts afresh.
  t.ok(r.hit('new', 70_000) > 0, 'a window still running is kept')
  t.equal(r.hit('old', 70_000), 0, 'a swept window starts again')
})
