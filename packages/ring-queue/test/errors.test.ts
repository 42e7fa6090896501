import t from 'tap'
import { show } from '../src/errors.ts'
import { checkNumber } from '../src/options.ts'
import { thrown } from './fixtures/helpers.ts'

t.test('show renders option values for messages', async (t) => {
  t.equal(show('x'), '"x"')
  t.equal(
    show(() => 1),
    'a function'
  )
  t.equal(show(3n), '3n')
  t.equal(show([1]), 'an array')
  t.equal(show({}), 'an object')
  t.equal(show(null), 'null')
  t.equal(show(undefined), 'undefined')
  t.equal(show(1.5), '1.5')
})

t.test('checkNumber names the option, the range and the value', async (t) => {
  t.equal(checkNumber('a', 3, 0, 5, true), 3)
  t.match(
    thrown(() => checkNumber('a', 'x', 0)),
    { code: 'RING_INVALID_OPTION_TYPE', message: /"a" must be a number, got "x"/ }
  )
  t.match(
    thrown(() => checkNumber('a', -1, 0)),
    { code: 'RING_INVALID_OPTION', message: /"a" must be a finite number >= 0, got -1/ }
  )
  t.match(
    thrown(() => checkNumber('a', 6, 0, 5)),
    { message: /between 0 and 5, got 6/ }
  )
  t.match(
    thrown(() => checkNumber('a', 1.5, 0, 5, true)),
    { message: /an integer between 0 and 5, got 1.5/ }
  )
  t.match(
    thrown(() => checkNumber('a', Number.POSITIVE_INFINITY, 0)),
    { message: /got Infinity/ }
  )
  t.ok(thrown(() => checkNumber('a', Number.NaN, 0)) instanceof RangeError)
})
