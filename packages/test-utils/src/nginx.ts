import { type ChildProcess, spawn } from 'node:child_process'
import { constants as fsConstants } from 'node:fs'
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { freePort } from './redis.ts'

/** What a generated nginx config gets to know: the port it must listen on and its prefix. */
export interface NginxConfigContext {
  /** A free loopback port; the config must `listen 127.0.0.1:<port>`. */
  readonly port: number
  /** The temp prefix directory (config, pid, logs and temp paths live there). */
  readonly prefix: string
}

/** Options of {@link startNginx}. */
export interface StartNginxOptions {
  /**
   * Returns the inside of the `http { }` block (upstreams, servers) for the port and prefix the
   * helper picked; it must `listen 127.0.0.1:<port>`. The helper writes the rest: `daemon
   * off; master_process off;`, `pid`, `error_log`, temp paths, `access_log off`.
   */
  config: (ctx: NginxConfigContext) => string
  /** Milliseconds to wait for nginx to accept connections. Default: `10_000`. */
  startTimeoutMs?: number
}

/** A private nginx started by {@link startNginx}. */
export interface NginxServer {
  readonly host: '127.0.0.1'
  readonly port: number
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** The temp prefix directory. */
  readonly prefix: string
  /** The nginx process id (its own process group). */
  readonly pid: number
  /** Whether nginx is still running. */
  readonly running: boolean
  /** The error log so far (useful in failing assertions). */
  errorLog(): Promise<string>
  /** Stops nginx by pid (SIGTERM, or SIGKILL with `{ kill: true }`) and removes the prefix. Safe to call twice. */
  close(opts?: { kill?: boolean }): Promise<void>
}

const INSTALL_HINT =
  'nginx was not found on PATH or in /usr/sbin. Install it (Debian/Ubuntu: `apt-get install nginx`; ' +
  'macOS: `brew install nginx`) or point NGINX at the binary.'

const live = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // A crashed test file must not leave nginx processes behind.
  process.once('exit', killAllNginx)
}

/** Kills (SIGKILL, by process group) every nginx this process started and has not stopped. */
export function killAllNginx(): void {
  for (const child of live) signalGroup(child, 'SIGKILL')
  live.clear()
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    // Negative pid: the whole process group nginx leads (detached), never anything by name.
    process.kill(-(child.pid as number), signal)
  } catch {}
}

/** Finds the `nginx` binary: `NGINX`, then `PATH`, then `/usr/sbin/nginx`. */
export async function findNginx(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidates: string[] = []
  if (env.NGINX) candidates.push(env.NGINX)
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir) candidates.push(join(dir, 'nginx'))
  }
  if (!env.NGINX) candidates.push('/usr/sbin/nginx')
  for (const file of candidates) {
    try {
      await access(file, fsConstants.X_OK)
      return file
    } catch {}
  }
  return undefined
}

/** The whole nginx.conf the helper writes around the caller's `http` block. */
export function nginxConfig(ctx: NginxConfigContext, http: string): string {
  const p = ctx.prefix
  return `daemon off;
master_process off;
worker_processes 1;
pid ${p}/nginx.pid;
error_log ${p}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${p}/client_body;
  proxy_temp_path ${p}/proxy;
  fastcgi_temp_path ${p}/fastcgi;
  uwsgi_temp_path ${p}/uwsgi;
  scgi_temp_path ${p}/scgi;
${http}
}
`
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

class PrivateNginx implements NginxServer {
  readonly host = '127.0.0.1' as const
  readonly port: number
  readonly url: string
  readonly prefix: string
  readonly #child: ChildProcess
  #closed = false

  constructor(child: ChildProcess, port: number, prefix: string) {
    this.#child = child
    this.port = port
    this.prefix = prefix
    this.url = `http://127.0.0.1:${port}`
  }

  get pid(): number {
    return this.#child.pid as number
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  errorLog(): Promise<string> {
    return readFile(join(this.prefix, 'error.log'), 'utf8').catch(() => '')
  }

  async close(opts: { kill?: boolean } = {}): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    signalGroup(this.#child, opts.kill ? 'SIGKILL' : 'SIGTERM')
    await waitExit(this.#child)
    live.delete(this.#child)
    await rm(this.prefix, { recursive: true, force: true })
  }
}

async function spawnNginx(
  bin: string,
  prefix: string,
  port: number,
  http: string,
  timeoutMs: number
): Promise<PrivateNginx> {
  const conf = join(prefix, 'nginx.conf')
  await writeFile(conf, nginxConfig({ port, prefix }, http))
  // -e: Debian's nginx opens its compiled-in /var/log/nginx/error.log before reading the config.
  const child = spawn(bin, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  live.add(child)
  const server = new PrivateNginx(child, port, prefix)
  let spawnError: Error | undefined
  child.once('error', (err) => {
    spawnError = err
  })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (spawnError) {
      live.delete(child)
      throw spawnError
    }
    if (!server.running) {
      live.delete(child)
      const log = await server.errorLog()
      throw new Error(`nginx exited early (code ${child.exitCode}):\n${stderr}${log}`)
    }
    if (await canConnect(port)) return server
    if (Date.now() > deadline) {
      await server.close({ kill: true })
      throw new Error(`nginx did not accept connections within ${timeoutMs} ms:\n${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Starts a private nginx (`daemon off; master_process off;`) in its own process group, with its
 * config, pid, error log and temp paths in a fresh temp prefix, listening on a free loopback
 * port; resolves once it accepts connections. Stop it with `close()` (by pid).
 */
export async function startNginx(opts: StartNginxOptions): Promise<NginxServer> {
  const bin = await findNginx()
  if (!bin) throw new Error(INSTALL_HINT)
  installExitHook()
  let lastError: unknown
  // Another process may take the port between freePort() and nginx's bind: retry.
  for (let attempt = 0; attempt < 5; attempt++) {
    const prefix = await mkdtemp(join(tmpdir(), 'chatbot-pro-nginx-'))
    const port = await freePort()
    const http = opts.config({ port, prefix })
    try {
      return await spawnNginx(bin, prefix, port, http, opts.startTimeoutMs ?? 10_000)
    } catch (err) {
      lastError = err
      await rm(prefix, { recursive: true, force: true })
      if (!/Address already in use/.test(String(err))) break
    }
  }
  throw lastError
}
