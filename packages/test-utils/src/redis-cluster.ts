import { execFile } from 'node:child_process'
import { constants as fsConstants } from 'node:fs'
import { access } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { findRedisServer, type RedisServer, startRedis } from './redis.ts'

/** A private Redis Cluster of masters on loopback ports, started by {@link startRedisCluster}. */
export interface RedisCluster {
  /** The masters, each a private redis-server (stop/start them for fault tests). */
  readonly nodes: readonly RedisServer[]
  /** `{ host, port }` of every master: ioredis `new Cluster(startupNodes)`. */
  readonly startupNodes: ReadonlyArray<{ host: string; port: number }>
  /** Stops every node and removes their directories. Safe to call twice. */
  close(): Promise<void>
}

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /** Number of masters (no replicas). Default `3` (the minimum `redis-cli --cluster create` accepts). */
  masters?: number
  /** Milliseconds to wait for `cluster_state:ok` on every node. Default `20_000`. */
  startTimeoutMs?: number
}

function run(bin: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`))
      else resolve(stdout)
    })
  })
}

/** Finds `redis-cli`: `REDIS_CLI`, then beside redis-server. */
export async function findRedisCli(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidates: string[] = []
  if (env.REDIS_CLI) candidates.push(env.REDIS_CLI)
  const server = await findRedisServer(env)
  if (server) candidates.push(join(dirname(server), 'redis-cli'))
  for (const file of candidates) {
    try {
      await access(file, fsConstants.X_OK)
      return file
    } catch {}
  }
  return undefined
}

/**
 * Starts a Redis Cluster of `masters` private redis-servers (`--cluster-enabled yes`, each in its
 * own temp directory and process, on free loopback ports), joins them with
 * `redis-cli --cluster create ... --cluster-yes`, and waits until every node reports
 * `cluster_state:ok`. Ignores `REDIS_URL`: a cluster is always private.
 */
export async function startRedisCluster(opts: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = opts.masters ?? 3
  const cli = await findRedisCli()
  if (!cli)
    throw new Error('redis-cli was not found beside redis-server; install redis-tools or set REDIS_CLI.')
  const nodes: RedisServer[] = []
  const close = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.close()))
  }
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await startRedis({
          forcePrivate: true,
          args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000']
        })
      )
    }
    await run(cli, [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes'
    ])
    const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000)
    for (const node of nodes) {
      let info = ''
      // Always poll at least once after a short pause: the state flips to ok on each node's own
      // cluster cron, shortly after redis-cli reports the slots covered.
      while (!info.includes('cluster_state:ok')) {
        if (Date.now() > deadline)
          throw new Error(`Redis Cluster did not reach cluster_state:ok in time:\n${info}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
        info = await run(cli, ['-p', String(node.port), 'cluster', 'info'])
      }
    }
  } catch (err) {
    await close()
    throw err
  }
  return {
    nodes,
    startupNodes: nodes.map((n) => ({ host: n.host, port: n.port })),
    close
  }
}
