// Quality gate on the committed, labelled evaluation set (test/fixtures/eval-set.jsonl, made by
// bench/dedup/eval/generate.ts). Not a timing test: it asserts detection quality at the defaults.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULTS, EchoGuard, echoScore, isEcho } from '../src/index.ts'

interface Pair {
  id: string
  lang: 'en' | 'zh'
  label: 'echo' | 'natural'
  kind: string
  user: string
  reply: string
}

const pairs: Pair[] = readFileSync(join(import.meta.dirname, 'fixtures', 'eval-set.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l))

function lcg(seed: number): () => number {
  let s = seed
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff
    return s / 0x7fffffff
  }
}

t.test('the set: >= 2,000 pairs, English and Chinese, half echoes', async (t) => {
  t.ok(pairs.length >= 2000)
  for (const lang of ['en', 'zh']) {
    const p = pairs.filter((x) => x.lang === lang)
    t.equal(p.filter((x) => x.label === 'echo').length * 2, p.length)
    t.ok(p.some((x) => x.kind === 'hard-negative'))
  }
})

for (const lang of ['en', 'zh'] as const) {
  t.test(`${lang}: recall >= 99% and false positives <= 0.5% at the default threshold`, async (t) => {
    const p = pairs.filter((x) => x.lang === lang)
    let tp = 0
    let fp = 0
    let echoes = 0
    let naturals = 0
    for (const x of p) {
      const hit = isEcho(x.reply, x.user)
      if (x.label === 'echo') {
        echoes++
        if (hit) tp++
      } else {
        naturals++
        if (hit) fp++
      }
    }
    const recall = tp / echoes
    const fpr = fp / naturals
    t.comment(
      `${lang}: threshold ${DEFAULTS.threshold}, recall ${recall.toFixed(4)}, FP rate ${fpr.toFixed(4)}`
    )
    t.ok(recall >= 0.99, `recall ${recall}`)
    t.ok(fpr <= 0.005, `false positive rate ${fpr}`)
  })

  t.test(
    `${lang}: the streaming guard cuts the echo rate of a simulated reply stream by >= 95%`,
    async (t) => {
      const echoes = pairs.filter((x) => x.lang === lang && x.label === 'echo')
      const naturals = pairs.filter((x) => x.lang === lang && x.label === 'natural')
      const rnd = lcg(lang === 'en' ? 1 : 2)
      let before = 0
      let after = 0
      let naturalChanged = 0
      for (let i = 0; i < 1500; i++) {
        // 7% of replies echo the user, the rate the design document starts from.
        const echo = rnd() < 0.07
        const x = echo
          ? echoes[Math.floor(rnd() * echoes.length)]!
          : naturals[Math.floor(rnd() * naturals.length)]!
        const g = new EchoGuard(x.user)
        let out = ''
        for (let j = 0; j < x.reply.length; ) {
          const size = 1 + Math.floor(rnd() * 8)
          out += g.push(x.reply.slice(j, j + size))
          j += size
        }
        out += g.end()
        if (echo) before++
        if (isEcho(out, x.user)) after++
        if (!echo && out !== x.reply) naturalChanged++
      }
      const reduction = 1 - after / before
      t.comment(
        `${lang}: echo replies ${before} -> ${after} (reduction ${(reduction * 100).toFixed(1)}%), natural replies altered: ${naturalChanged}`
      )
      t.ok(before > 50)
      t.ok(reduction >= 0.95, `reduction ${reduction}`)
      t.ok(naturalChanged <= 1500 * 0.005, `natural replies altered ${naturalChanged}`)
    }
  )
}

t.test('the streaming guard, fed 3-character deltas, agrees with isEcho on every pair', async (t) => {
  let disagree = 0
  let scoreDiff = 0
  let echoes = 0
  for (const x of pairs) {
    const g = new EchoGuard(x.user)
    for (let i = 0; i < x.reply.length; i += 3) g.push(x.reply.slice(i, i + 3))
    g.end()
    const whole = isEcho(x.reply, x.user)
    if (whole) echoes++
    if ((g.verdict?.kind === 'echo') !== whole) disagree++
    if (g.score !== echoScore(x.reply, x.user).score) scoreDiff++
  }
  t.equal(disagree, 0, 'same verdict')
  t.equal(scoreDiff, 0, 'same score')
  t.ok(echoes >= pairs.length / 2, 'the set has echoes to agree on')
})
