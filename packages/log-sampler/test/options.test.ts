import t from 'tap'
import { DEFAULTS, normalizeOptions, scrubSecrets } from '../src/index.ts'

t.test('defaults', async (t) => {
  const o = normalizeOptions()
  t.equal(o.rate, 0.01)
  t.equal(o.key, 'uid')
  t.equal(o.seed, 0n)
  t.same(o.always, ['warn', 'error', 'fatal'])
  t.equal(o.level, 'info')
  t.equal(o.burst, null)
  t.equal(o.scrub, scrubSecrets)
  t.equal(o.now, Date.now)
  t.equal(o.summaryLogger, null)
  t.ok(Object.isFrozen(o))
  t.ok(Object.isFrozen(DEFAULTS))
})

t.test('values are kept, the caller object is not mutated', async (t) => {
  const input = {
    rate: 0,
    seed: 7,
    always: ['error' as const],
    level: 'debug' as const,
    burst: { initial: 0 }
  }
  const copy = structuredClone(input)
  const o = normalizeOptions(input)
  t.same(input, copy)
  t.equal(o.rate, 0)
  t.equal(o.seed, 7n)
  t.same(o.always, ['error'])
  t.equal(o.level, 'debug')
  t.same(o.burst, { initial: 0, thereafter: 100, tickMs: 1000 })
  t.equal(normalizeOptions({ rate: 1, scrub: false }).scrub, null)
  t.equal(normalizeOptions({ seed: 2n ** 64n - 1n }).seed, 2n ** 64n - 1n)
  t.equal(normalizeOptions({ burst: null as never }).burst, null)
})

t.test('bad options throw errors with stable codes', async (t) => {
  const cases: Array<[unknown, string, string]> = [
    [{ rate: -0.1 }, 'LOG_SAMPLER_INVALID_RATE', 'RangeError'],
    [{ rate: 1.5 }, 'LOG_SAMPLER_INVALID_RATE', 'RangeError'],
    [{ rate: Number.NaN }, 'LOG_SAMPLER_INVALID_RATE', 'RangeError'],
    [{ rate: '0.1' }, 'LOG_SAMPLER_INVALID_RATE', 'RangeError'],
    [null, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ key: '' }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ key: 1 }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ seed: 1.5 }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ seed: 'x' }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ seed: -1 }, 'LOG_SAMPLER_OPTION_RANGE', 'RangeError'],
    [{ seed: 2n ** 64n }, 'LOG_SAMPLER_OPTION_RANGE', 'RangeError'],
    [{ always: 'error' }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ always: ['loud'] }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ level: 'verbose' }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ burst: 5 }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ burst: { initial: '1' } }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ burst: { thereafter: -1 } }, 'LOG_SAMPLER_OPTION_RANGE', 'RangeError'],
    [{ burst: { tickMs: 0 } }, 'LOG_SAMPLER_OPTION_RANGE', 'RangeError'],
    [{ burst: { tickMs: 1.5 } }, 'LOG_SAMPLER_OPTION_RANGE', 'RangeError'],
    [{ scrub: true }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ now: 5 }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ summaryLogger: {} }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError'],
    [{ summaryLogger: 'log' }, 'LOG_SAMPLER_INVALID_OPTION', 'TypeError']
  ]
  for (const [opts, code, base] of cases) {
    const label = JSON.stringify(opts, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))
    t.throws(() => normalizeOptions(opts as never), { code }, label)
    try {
      normalizeOptions(opts as never)
    } catch (err) {
      t.ok(err instanceof (base === 'RangeError' ? RangeError : TypeError), `${label} is a ${base}`)
    }
  }
  t.throws(() => normalizeOptions({ rate: 2 }), /"rate" must be a number in \[0, 1\], got 2/)
  t.throws(() => normalizeOptions({ seed: -1n }), /got -1n/)
  t.throws(
    () => normalizeOptions({ now: (() => 1) as never, summaryLogger: (() => 1) as never }),
    /a function/
  )
  const circular: Record<string, unknown> = {}
  circular.self = circular
  t.throws(() => normalizeOptions({ always: circular as never }), /got object/)
})
