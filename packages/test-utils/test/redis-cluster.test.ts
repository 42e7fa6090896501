import { connect } from 'node:net'
import t from 'tap'
import { findRedisCli, findRedisServer, startRedisCluster } from '../src/index.ts'

/** Sends one inline command over a raw socket and returns the whole reply once it stops growing. */
function send(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let buf = ''
    let timer: NodeJS.Timeout | undefined
    socket.once('error', reject)
    socket.on('data', (chunk) => {
      buf += chunk.toString()
      clearTimeout(timer)
      timer = setTimeout(() => {
        socket.destroy()
        resolve(buf)
      }, 30)
    })
    socket.write(`${command}\r\n`)
  })
}

t.test('three masters, all slots covered, MOVED between them', async (t) => {
  const cluster = await startRedisCluster()
  t.teardown(() => cluster.close())
  t.equal(cluster.nodes.length, 3)
  t.same(
    cluster.startupNodes,
    cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }))
  )
  for (const node of cluster.nodes) {
    const info = await send(node.port, 'CLUSTER INFO')
    t.match(info, /cluster_state:ok/)
    t.match(info, /cluster_slots_assigned:16384/)
    t.match(info, /cluster_known_nodes:3/)
  }
  // A key lives on exactly one master; the other two answer MOVED.
  const replies = await Promise.all(cluster.nodes.map((n) => send(n.port, 'SET somekey 1')))
  t.equal(replies.filter((r) => r.startsWith('+OK')).length, 1)
  t.equal(replies.filter((r) => r.startsWith('-MOVED')).length, 2)
  await cluster.close()
  await cluster.close()
  t.notOk(cluster.nodes.some((n) => n.running))
})

t.test('findRedisCli: REDIS_CLI, then beside redis-server; failures clean up', async (t) => {
  const cli = await findRedisCli()
  t.type(cli, 'string')
  t.equal(await findRedisCli({ REDIS_CLI: cli, PATH: '' }), cli)
  t.equal(
    await findRedisCli({ REDIS_CLI: '/nonexistent/redis-cli', REDIS_SERVER: '/nonexistent/x', PATH: '' }),
    undefined
  )
  const saved = { ...process.env }
  t.teardown(() => {
    process.env = saved
  })
  const server = await findRedisServer()
  // redis-cli refuses a cluster of one master ("at least 3 master nodes").
  await t.rejects(startRedisCluster({ masters: 1 }), /--cluster create[\s\S]*failed/)
  await t.rejects(startRedisCluster({ startTimeoutMs: -1 }), /did not reach cluster_state:ok in time/)
  process.env = { ...saved, REDIS_CLI: '/nonexistent/redis-cli', REDIS_SERVER: '/nonexistent/x', PATH: '' }
  await t.rejects(startRedisCluster(), /redis-cli was not found/)
  process.env = { ...saved, REDIS_SERVER: server }
})
