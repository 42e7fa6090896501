import t from 'tap'
import { approximateTokens, conversationMachine, DEFAULTS, normalizeOptions } from '../src/index.ts'

t.test('normalizeOptions fills defaults into a new frozen object', async (t) => {
  const input = { maxTurns: 3 }
  const o = normalizeOptions(input)
  t.ok(Object.isFrozen(o))
  t.same(input, { maxTurns: 3 }, 'the caller object is untouched')
  t.match(o, {
    pauseAfterMs: 30_000,
    endAfterMs: 300_000,
    maxTurns: 3,
    maxTokens: Number.POSITIVE_INFINITY,
    systemPrompt: null,
    tickMs: 100,
    slots: 4096
  })
  t.equal(o.countTokens, approximateTokens)
  t.equal(o.now, Date.now)
  t.equal(normalizeOptions().maxTurns, DEFAULTS.maxTurns)
  const now = () => 1
  const full = normalizeOptions({ maxTokens: 100, systemPrompt: 'x', now, tickMs: 0.5, slots: 1 })
  t.match(full, { maxTokens: 100, systemPrompt: 'x', tickMs: 0.5, slots: 1 })
  t.equal(full.now, now)
})

t.test('bad options: a clear error naming the option and value', async (t) => {
  const bad: Array<[object, string, RegExp]> = [
    [{ pauseAfterMs: '5' }, 'FSM_INVALID_OPTION', /pauseAfterMs must be a number, got string/],
    [{ pauseAfterMs: Number.NaN }, 'FSM_INVALID_OPTION', /got NaN/],
    [{ pauseAfterMs: 0 }, 'FSM_OPTION_OUT_OF_RANGE', /pauseAfterMs must be a finite number > 0, got 0/],
    [{ endAfterMs: -1 }, 'FSM_OPTION_OUT_OF_RANGE', /endAfterMs/],
    [{ endAfterMs: Number.POSITIVE_INFINITY }, 'FSM_OPTION_OUT_OF_RANGE', /endAfterMs/],
    [{ maxTurns: 1.5 }, 'FSM_OPTION_OUT_OF_RANGE', /maxTurns must be a finite integer > 0, got 1.5/],
    [{ maxTokens: 0 }, 'FSM_OPTION_OUT_OF_RANGE', /maxTokens/],
    [{ countTokens: 'x' }, 'FSM_INVALID_OPTION', /countTokens must be a function, got string/],
    [{ systemPrompt: 5 }, 'FSM_INVALID_OPTION', /systemPrompt must be a string/],
    [{ tickMs: 0 }, 'FSM_OPTION_OUT_OF_RANGE', /tickMs/],
    [{ slots: 3 }, 'FSM_OPTION_OUT_OF_RANGE', /slots must be a power of two, got 3/],
    [{ slots: 0 }, 'FSM_OPTION_OUT_OF_RANGE', /slots/],
    [{ now: 1 }, 'FSM_INVALID_OPTION', /now must be a function/]
  ]
  for (const [opts, code, message] of bad) {
    t.throws(() => normalizeOptions(opts as never), { code, message }, JSON.stringify(opts))
  }
  t.throws(() => normalizeOptions(null as never), {
    code: 'FSM_INVALID_OPTION',
    message: /options must be an object/
  })
  t.throws(() => conversationMachine({ maxTurns: 0 }), { code: 'FSM_OPTION_OUT_OF_RANGE' })
})
