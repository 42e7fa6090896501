import t from 'tap'
import { type ChatClientOptions, DEFAULTS } from '../src/index.ts'
import { normalizeOptions } from '../src/options.ts'

t.test('defaults', async (t) => {
  const o = normalizeOptions({ url: 'http://127.0.0.1:3000//' })
  t.equal(o.url, 'http://127.0.0.1:3000', 'trailing slashes dropped')
  t.equal(o.transport, 'websocket')
  t.equal(o.noStream, false)
  t.equal(o.reconnectBaseMs, DEFAULTS.reconnectBaseMs)
  t.equal(o.maxRetries, 3)
  t.ok(Object.isFrozen(o))
  const handle = o.timers.setTimeout(() => {}, 1000)
  o.timers.clearTimeout(handle)
  t.equal(
    normalizeOptions({ url: 'ws://h/v1/chat', maxReconnects: Number.POSITIVE_INFINITY }).maxReconnects,
    Infinity
  )
})

t.test('bad options name the option and the value', async (t) => {
  const bad: Array<[unknown, RegExp, typeof TypeError]> = [
    [null, /must be an object/, TypeError],
    [{}, /url must be an http/, TypeError],
    [{ url: 'ftp://x' }, /url must be.*ftp:\/\/x/, TypeError],
    [{ url: 'http://x', transport: 'sse' }, /transport must be.*sse/, TypeError],
    [{ url: 'ws://x', transport: 'http' }, /http\(s\):\/\/ for the http transport/, TypeError],
    [{ url: 'http://x', token: 1 }, /token must be a string/, TypeError],
    [{ url: 'http://x', tokenStore: {} }, /tokenStore must have/, TypeError],
    [{ url: 'http://x', tokenStore: { get() {}, set() {} } }, /tokenStore must have/, TypeError],
    [{ url: 'http://x', timers: { setTimeout() {} } }, /timers must have/, TypeError],
    [{ url: 'http://x', reconnectBaseMs: '5' }, /reconnectBaseMs must be a number, got 5/, TypeError],
    [{ url: 'http://x', maxRetries: Number.NaN }, /maxRetries must be a number/, TypeError],
    [{ url: 'http://x', maxRetries: -1 }, /maxRetries must be an integer >= 0, got -1/, RangeError],
    [{ url: 'http://x', busyRetryMs: 1.5 }, /busyRetryMs must be an integer/, RangeError],
    [{ url: 'http://x', reconnectBaseMs: 500, reconnectMaxMs: 100 }, /reconnectMaxMs \(100\)/, RangeError],
    [{ url: 'http://x', webSocket: 'ws' }, /webSocket must be a function, got string/, TypeError],
    [{ url: 'http://x', random: 0.5 }, /random must be a function/, TypeError]
  ]
  for (const [opts, message, type] of bad) {
    t.throws(() => normalizeOptions(opts as ChatClientOptions), { message }, String(message))
    t.throws(() => normalizeOptions(opts as ChatClientOptions), type)
  }
})
