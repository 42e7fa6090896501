import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import t from 'tap'
import { findRedisServer, freePort, killAllRedis, redisForTest, startRedis } from '../src/index.ts'

/** Sends one inline command over a raw socket and returns the first reply line. */
function send(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let buf = ''
    socket.once('error', reject)
    socket.once('close', () => reject(new Error('connection closed without a reply')))
    socket.on('data', (chunk) => {
      buf += chunk.toString()
      if (buf.includes('\r\n')) {
        socket.destroy()
        resolve(buf.slice(0, buf.indexOf('\r\n')))
      }
    })
    socket.write(`${command}\r\n`)
  })
}

t.test('private server: start, stop, restart, close', async (t) => {
  const saved = process.env.REDIS_URL
  delete process.env.REDIS_URL
  t.teardown(() => {
    if (saved !== undefined) process.env.REDIS_URL = saved
  })
  const redis = await redisForTest(t)
  t.equal(redis.external, false)
  t.equal(redis.host, '127.0.0.1')
  t.equal(redis.url, `redis://127.0.0.1:${redis.port}`)
  t.equal(redis.running, true)
  t.equal(await send(redis.port, 'PING'), '+PONG')
  t.equal(await send(redis.port, 'SET a 1'), '+OK')
  t.equal(await send(redis.port, 'CONFIG GET save'), '*2', 'config answers')

  await redis.stop()
  t.equal(redis.running, false)
  await t.rejects(send(redis.port, 'PING'), { code: 'ECONNREFUSED' }, 'stopped server refuses')
  await redis.stop()

  await redis.start()
  await redis.start()
  t.equal(await send(redis.port, 'PING'), '+PONG', 'started again on the same port')
  t.equal(await send(redis.port, 'GET a'), '$-1', 'nothing persisted across a restart')

  await redis.restart()
  t.equal(await send(redis.port, 'PING'), '+PONG')

  await redis.stop({ kill: true })
  await t.rejects(send(redis.port, 'PING'), { code: 'ECONNREFUSED' }, 'killed server refuses')
  await redis.close()
  await redis.close()
})

t.test('extra args reach redis-server', async (t) => {
  const redis = await startRedis({ forcePrivate: true, args: ['--notify-keyspace-events', 'Ex'] })
  t.teardown(() => redis.close())
  const port = redis.port
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let buf = ''
    socket.once('error', reject)
    socket.on('data', (chunk) => {
      buf += chunk.toString()
      if (buf.split('\r\n').length > 5) {
        socket.destroy()
        resolve(buf)
      }
    })
    socket.write('CONFIG GET notify-keyspace-events\r\n')
  })
  t.match(reply, /\$2\r\nxE\r\n|\$2\r\nEx\r\n/)
})

t.test('REDIS_URL overrides the private server', async (t) => {
  const saved = process.env.REDIS_URL
  process.env.REDIS_URL = 'redis://127.0.0.1:6390/2'
  t.teardown(() => {
    if (saved === undefined) delete process.env.REDIS_URL
    else process.env.REDIS_URL = saved
  })
  const redis = await redisForTest(t)
  t.equal(redis.external, true)
  t.equal(redis.url, 'redis://127.0.0.1:6390/2')
  t.equal(redis.port, 6390)
  t.equal(redis.running, true)
  await t.rejects(redis.stop(), /cannot stop or start it/)
  await t.rejects(redis.start(), /Unset REDIS_URL/)
  await t.rejects(redis.restart(), /cannot stop or start it/)
  await redis.close()

  process.env.REDIS_URL = 'redis://localhost'
  const dflt = await startRedis()
  t.equal(dflt.port, 6379, 'default port')
})

t.test('missing redis-server fails with an install hint', async (t) => {
  const saved = { ...process.env }
  t.teardown(() => {
    process.env = saved
  })
  process.env = { PATH: '/nonexistent', REDIS_SERVER: '/nonexistent/redis-server' }
  t.equal(await findRedisServer(), undefined)
  await t.rejects(startRedis(), /apt-get install redis-server.*REDIS_URL/s)
})

t.test('findRedisServer looks at REDIS_SERVER, then PATH, then /usr/bin', async (t) => {
  const found = await findRedisServer()
  t.type(found, 'string')
  t.ok(existsSync(found as string))
  t.equal(await findRedisServer({ REDIS_SERVER: found, PATH: '' }), found)
  t.equal(await findRedisServer({}), await findRedisServer({ PATH: '' }), 'no PATH at all')
  t.equal(
    await findRedisServer({ PATH: '::' }),
    existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : '/usr/sbin/redis-server'
  )
})

t.test('a failing start is reported with the server output', async (t) => {
  await t.rejects(
    startRedis({ forcePrivate: true, args: ['--no-such-option', 'x'] }),
    /exited early[\s\S]*no-such-option/i
  )
  await t.rejects(startRedis({ forcePrivate: true, startTimeoutMs: 1 }), /did not start within 1 ms/)
})

t.test('freePort gives a bindable port', async (t) => {
  const port = await freePort()
  t.ok(port > 0 && port < 65536)
})

t.test('a server that died on its own can be stopped and started again', async (t) => {
  const redis = await startRedis({ forcePrivate: true })
  t.teardown(() => redis.close())
  t.equal(await send(redis.port, 'SHUTDOWN NOSAVE').catch(() => 'closed'), 'closed')
  while (redis.running) await new Promise((resolve) => setTimeout(resolve, 10))
  await redis.stop()
  await redis.start()
  t.equal(await send(redis.port, 'PING'), '+PONG')
})

t.test('killAllRedis kills every live private server', async (t) => {
  const redis = await startRedis({ forcePrivate: true })
  t.teardown(() => redis.close())
  killAllRedis()
  while (redis.running) await new Promise((resolve) => setTimeout(resolve, 10))
  await t.rejects(send(redis.port, 'PING'), { code: 'ECONNREFUSED' })
})
