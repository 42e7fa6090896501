import t from 'tap'
import { DEFAULTS, InvalidOptionError, isEcho, normalizeOptions, OptionRangeError } from '../src/index.ts'

t.test('defaults and normalization', async (t) => {
  t.equal(normalizeOptions(), DEFAULTS)
  t.ok(Object.isFrozen(DEFAULTS))
  const o = { n: 3, threshold: 0.7, mode: 'cut' as const, locale: 'en' }
  const n = normalizeOptions(o)
  t.same(n, { ...DEFAULTS, n: 3, threshold: 0.7, mode: 'cut', locale: 'en' })
  t.ok(Object.isFrozen(n))
  t.equal(normalizeOptions(o), n, 'memoized per options object')
  t.equal(normalizeOptions(n), n)
  t.same(o, { n: 3, threshold: 0.7, mode: 'cut', locale: 'en' }, 'caller object untouched')
  t.equal(normalizeOptions({ threshold: 1 }).threshold, 1)
})

t.test('bad options throw a TypeError or RangeError naming the option', async (t) => {
  const bad: Array<[unknown, string, string]> = [
    [{ n: 1.5 }, 'DEDUP_INVALID_OPTION', 'n'],
    [{ n: '4' }, 'DEDUP_INVALID_OPTION', 'n'],
    [{ n: 0 }, 'DEDUP_OPTION_RANGE', 'n'],
    [{ n: 17 }, 'DEDUP_OPTION_RANGE', 'n'],
    [{ threshold: 0 }, 'DEDUP_OPTION_RANGE', 'threshold'],
    [{ threshold: 1.1 }, 'DEDUP_OPTION_RANGE', 'threshold'],
    [{ threshold: Number.NaN }, 'DEDUP_INVALID_OPTION', 'threshold'],
    [{ threshold: '0.5' }, 'DEDUP_INVALID_OPTION', 'threshold'],
    [{ mode: 'drop' }, 'DEDUP_INVALID_OPTION', 'mode'],
    [{ locale: 1 }, 'DEDUP_INVALID_OPTION', 'locale'],
    [{ maxChars: 0 }, 'DEDUP_OPTION_RANGE', 'maxChars'],
    [{ maxPrevious: 0 }, 'DEDUP_OPTION_RANGE', 'maxPrevious'],
    [{ loopN: 0 }, 'DEDUP_OPTION_RANGE', 'loopN'],
    [{ maxRepeats: 0 }, 'DEDUP_OPTION_RANGE', 'maxRepeats'],
    ['fast', 'DEDUP_INVALID_OPTION', 'options']
  ]
  for (const [options, code, name] of bad) {
    try {
      normalizeOptions(options as never)
      t.fail(`accepted ${JSON.stringify(options)}`)
    } catch (err) {
      const e = err as Error & { code: string }
      t.equal(e.code, code)
      t.match(e.message, name)
      t.ok(e instanceof (code === 'DEDUP_OPTION_RANGE' ? RangeError : TypeError))
      t.ok(e instanceof (code === 'DEDUP_OPTION_RANGE' ? OptionRangeError : InvalidOptionError))
    }
  }
  t.throws(() => isEcho('a', 'b', { threshold: 2 }), { code: 'DEDUP_OPTION_RANGE' })
  t.equal(normalizeOptions(null as never), DEFAULTS)
})
