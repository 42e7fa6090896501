import t from 'tap'
import { type ChatMessage, createDedup, Dedup } from '../src/index.ts'

const user = 'I think the new phone has a really great camera and battery life'
const echo = `You said "${user}". Yes, the camera is superb.`
const loop = `Sure. ${'I think that '.repeat(8)}`
const clean = 'The camera is superb and the battery lasts two days.'

t.test('check() applies the mode and counts', async (t) => {
  const d = createDedup()
  t.ok(d instanceof Dedup)
  t.equal(d.echoRate, 0)
  const r = d.check(echo, user)
  t.same(
    { text: r.text, echo: r.echo, loop: r.loop, score: r.score },
    {
      text: 'You said. Yes, the camera is superb.',
      echo: true,
      loop: false,
      score: 1
    }
  )
  t.equal(r.matchedSpans.length, 1)
  t.equal(d.check(clean, user).text, clean)
  t.equal(d.check(loop, user).text, 'Sure. I think that')
  t.same(d.stats, {
    repliesChecked: 3,
    echoesFound: 1,
    loopsFound: 1,
    bytesStripped: Buffer.byteLength(echo) - Buffer.byteLength(r.text) + Buffer.byteLength(loop) - 18
  })
  t.equal(d.echoRate, 1 / 3)
  d.resetStats()
  t.same(d.stats, { repliesChecked: 0, echoesFound: 0, loopsFound: 0, bytesStripped: 0 })
  t.equal(d.check(undefined as unknown as string, user).text, '')
})

t.test('cut and flag modes', async (t) => {
  const cut = createDedup({ mode: 'cut' })
  t.equal(cut.check(echo, user).text, 'You said')
  t.equal(cut.check(loop, user).text, 'Sure. I think that')
  t.equal(cut.check(`${'I think that '.repeat(8)} ${user}`, user).text, 'I think that')
  t.equal(cut.check(clean, user).text, clean)
  const flag = createDedup({ mode: 'flag' })
  t.equal(flag.check(echo, user).text, echo)
  t.equal(flag.check(loop, user).text, loop)
  t.same(flag.stats, { repliesChecked: 2, echoesFound: 1, loopsFound: 1, bytesStripped: 0 })
})

t.test('bound functions and the guard share the options and the counters', async (t) => {
  const d = createDedup({ threshold: 0.9, n: 3 })
  t.equal(d.options.threshold, 0.9)
  t.equal(d.score(echo, user).score, 1)
  t.ok(d.isEcho(echo, user))
  t.equal(d.strip(echo, user).text, 'You said. Yes, the camera is superb.')
  t.equal(d.selfRepetition(loop).loop, true)
  t.match(d.promptGuard([] as ChatMessage[], user)[0]!.content, /DO_NOT_REPEAT/)
  const g = d.guard(user)
  const out = g.push(echo) + g.end()
  t.equal(out, 'You said. Yes, the camera is superb.')
  const g2 = d.guard(user)
  const loopOut = g2.push(loop) + g2.end()
  const g3 = d.guard(user)
  g3.push(clean)
  g3.end()
  t.same(d.stats, {
    repliesChecked: 3,
    echoesFound: 1,
    loopsFound: 1,
    bytesStripped: echo.length - out.length + loop.length - loopOut.length
  })
  t.throws(() => createDedup({ mode: 'x' as never }), { code: 'DEDUP_INVALID_OPTION' })
})
