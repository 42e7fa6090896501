import t from 'tap'
import { loadConfig } from '../src/config.ts'

t.test('defaults', async (t) => {
  const c = loadConfig({})
  t.equal(c.HOST, '127.0.0.1')
  t.equal(c.PORT, 3000)
  t.equal(c.NODE_ENV, 'development')
  t.equal(c.LLM_PROVIDER, 'simulated')
  t.equal(c.LLM_LATENCY_MS, 50)
  t.equal(c.PAUSE_AFTER_MS, 30_000)
  t.equal(c.END_AFTER_MS, 300_000)
  t.equal(c.REDIS_URL, undefined)
  t.ok(Object.isFrozen(c))
})

t.test('values are coerced from strings', async (t) => {
  const c = loadConfig({ PORT: '8080', LLM_TOKENS_PER_S: '12.5', REDIS_URL: 'redis://127.0.0.1:6380' })
  t.equal(c.PORT, 8080)
  t.equal(c.LLM_TOKENS_PER_S, 12.5)
  t.equal(c.REDIS_URL, 'redis://127.0.0.1:6380')
})

t.test('a bad value names the variable', async (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), /Invalid configuration: .*PORT/)
  t.throws(() => loadConfig({ PORT: '70000' }), /PORT/)
  t.throws(() => loadConfig({ REDIS_URL: 'localhost:6379' }), /REDIS_URL/)
  t.throws(() => loadConfig({ LLM_PROVIDER: 'magic' }), /LLM_PROVIDER/)
  t.throws(() => loadConfig({ CHATBOT_SECRET: 'short' }), /CHATBOT_SECRET/)
  t.throws(() => loadConfig({ LOG_SAMPLE_RATE: '2' }), /LOG_SAMPLE_RATE/)
})

t.test('production needs CHATBOT_SECRET', async (t) => {
  t.throws(
    () => loadConfig({ NODE_ENV: 'production' }),
    /CHATBOT_SECRET is required when NODE_ENV=production/
  )
  const c = loadConfig({ NODE_ENV: 'production', CHATBOT_SECRET: 'x'.repeat(32) })
  t.equal(c.NODE_ENV, 'production')
})

t.test('LLM_BASE_URL switches to the openai provider', async (t) => {
  const c = loadConfig({ LLM_BASE_URL: 'http://127.0.0.1:1/v1' })
  t.equal(c.LLM_PROVIDER, 'openai')
  t.equal(
    loadConfig({ LLM_BASE_URL: 'http://127.0.0.1:1/v1', LLM_PROVIDER: 'simulated' }).LLM_PROVIDER,
    'simulated'
  )
  t.throws(() => loadConfig({ LLM_PROVIDER: 'openai' }), /LLM_BASE_URL/)
})

t.test('reads process.env by default', async (t) => {
  const saved = process.env.PORT
  process.env.PORT = '4321'
  t.teardown(() => {
    if (saved === undefined) delete process.env.PORT
    else process.env.PORT = saved
  })
  t.equal(loadConfig().PORT, 4321)
})
