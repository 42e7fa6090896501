import { type ChildProcess, spawn } from 'node:child_process'
import { constants as fsConstants } from 'node:fs'
import { access, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

/** A Redis server for one test file: private (spawned here) or external (`REDIS_URL`). */
export interface RedisServer {
  /** `redis://host:port` to hand to a client. */
  readonly url: string
  readonly host: string
  readonly port: number
  /** `true` when `REDIS_URL` pointed at a server this helper does not control. */
  readonly external: boolean
  /** Whether the private server is currently running. */
  readonly running: boolean
  /** Stops the private server (SIGTERM, or SIGKILL with `{ kill: true }`) and waits for it to exit. */
  stop(opts?: { kill?: boolean }): Promise<void>
  /** Starts the private server again on the same port (data is gone: nothing is persisted). */
  start(): Promise<void>
  /** `stop()` then `start()`. */
  restart(): Promise<void>
  /** Stops the server and removes its working directory. Safe to call twice. */
  close(): Promise<void>
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Extra `redis-server` arguments, e.g. `['--notify-keyspace-events', 'Ex']`. Default: none. */
  args?: readonly string[]
  /** Ignore `REDIS_URL` and always spawn a private server. Default: `false`. */
  forcePrivate?: boolean
  /** Milliseconds to wait for the server to accept connections. Default: `10_000`. */
  startTimeoutMs?: number
}

/** Minimal part of a tap `Test` used by {@link redisForTest}. */
export interface Teardownable {
  teardown(fn: () => unknown): void
}

const INSTALL_HINT =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: `apt-get install redis-server`; ' +
  'macOS: `brew install redis`), point REDIS_SERVER at the binary, or set REDIS_URL to a Redis server ' +
  'that tests may use.'

const live = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // A crashed test file must not leave redis-server processes behind.
  process.once('exit', killAllRedis)
}

/** Kills (SIGKILL) every private redis-server this process started and has not stopped. */
export function killAllRedis(): void {
  for (const child of live) child.kill('SIGKILL')
  live.clear()
}

/** Finds the `redis-server` binary: `REDIS_SERVER`, then `PATH`, then the usual Debian location. */
export async function findRedisServer(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidates: string[] = []
  if (env.REDIS_SERVER) candidates.push(env.REDIS_SERVER)
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir) candidates.push(join(dir, 'redis-server'))
  }
  if (!env.REDIS_SERVER) candidates.push('/usr/bin/redis-server', '/usr/sbin/redis-server')
  for (const file of candidates) {
    try {
      await access(file, fsConstants.X_OK)
      return file
    } catch {}
  }
  return undefined
}

/** Asks the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

function spawnRedis(
  bin: string,
  port: number,
  dir: string,
  args: readonly string[],
  timeoutMs: number
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      bin,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--logfile',
        '',
        ...args
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    )
    let out = ''
    let settled = false
    const finish = (err?: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.stdout?.removeListener('data', onData)
      if (err) {
        child.kill('SIGKILL')
        reject(err)
      } else {
        // Keep draining the pipes so redis-server never blocks on a full pipe.
        child.stdout?.resume()
        child.stderr?.resume()
        resolve(child)
      }
    }
    const onData = (chunk: Buffer): void => {
      out += chunk.toString()
      if (out.includes('Ready to accept connections')) finish()
    }
    const timer = setTimeout(
      () => finish(new Error(`redis-server did not start within ${timeoutMs} ms:\n${out}`)),
      timeoutMs
    )
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.once('error', (err) => finish(err))
    child.once('exit', (code, signal) =>
      finish(new Error(`redis-server exited early (code ${code}, signal ${signal}):\n${out}`))
    )
  })
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

class PrivateRedis implements RedisServer {
  readonly host = '127.0.0.1'
  readonly external = false
  readonly url: string
  readonly port: number
  readonly #bin: string
  readonly #dir: string
  readonly #args: readonly string[]
  readonly #timeoutMs: number
  #child: ChildProcess | undefined

  constructor(bin: string, port: number, dir: string, args: readonly string[], timeoutMs: number) {
    this.#bin = bin
    this.port = port
    this.#dir = dir
    this.#args = args
    this.#timeoutMs = timeoutMs
    this.url = `redis://127.0.0.1:${port}`
  }

  get running(): boolean {
    const child = this.#child
    return child !== undefined && child.exitCode === null && child.signalCode === null
  }

  async start(): Promise<void> {
    if (this.#child) return
    this.#child = await spawnRedis(this.#bin, this.port, this.#dir, this.#args, this.#timeoutMs)
    live.add(this.#child)
  }

  async stop(opts: { kill?: boolean } = {}): Promise<void> {
    const child = this.#child
    if (!child) return
    this.#child = undefined
    child.kill(opts.kill ? 'SIGKILL' : 'SIGTERM')
    await waitExit(child)
    live.delete(child)
  }

  async restart(): Promise<void> {
    await this.stop()
    await this.start()
  }

  async close(): Promise<void> {
    await this.stop({ kill: true })
    await rm(this.#dir, { recursive: true, force: true })
  }
}

class ExternalRedis implements RedisServer {
  readonly external = true
  readonly running = true
  readonly url: string
  readonly host: string
  readonly port: number

  constructor(url: string) {
    const parsed = new URL(url)
    this.url = url
    this.host = parsed.hostname
    this.port = Number(parsed.port || 6379)
  }

  #refuse(): Promise<never> {
    return Promise.reject(
      new Error(
        `REDIS_URL (${this.url}) is a server this helper does not control, so it cannot stop or start it. ` +
          'Unset REDIS_URL to run fault tests against a private redis-server.'
      )
    )
  }

  stop(): Promise<void> {
    return this.#refuse()
  }

  start(): Promise<void> {
    return this.#refuse()
  }

  restart(): Promise<void> {
    return this.#refuse()
  }

  async close(): Promise<void> {}
}

/**
 * Starts a private `redis-server` on a free loopback port, with nothing persisted
 * (`--save "" --appendonly no`). When `REDIS_URL` is set (and `forcePrivate` is not),
 * returns a handle to that server instead.
 */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisServer> {
  const url = process.env.REDIS_URL
  if (url && !opts.forcePrivate) return new ExternalRedis(url)
  const bin = await findRedisServer()
  if (!bin) throw new Error(INSTALL_HINT)
  const dir = await mkdtemp(join(tmpdir(), 'chatbot-pro-redis-'))
  installExitHook()
  let lastError: unknown
  // Another process may take the port between freePort() and redis-server's bind: retry.
  for (let attempt = 0; attempt < 5; attempt++) {
    const server = new PrivateRedis(
      bin,
      await freePort(),
      dir,
      opts.args ?? [],
      opts.startTimeoutMs ?? 10_000
    )
    try {
      await server.start()
      return server
    } catch (err) {
      lastError = err
    }
  }
  await rm(dir, { recursive: true, force: true })
  throw lastError
}

/** {@link startRedis}, closed at the end of the given tap test. */
export async function redisForTest(t: Teardownable, opts?: StartRedisOptions): Promise<RedisServer> {
  const server = await startRedis(opts)
  t.teardown(() => server.close())
  return server
}
