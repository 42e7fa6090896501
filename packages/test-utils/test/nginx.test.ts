import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { findNginx, killAllNginx, nginxConfig, startNginx } from '../src/index.ts'

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode as number, body }))
    })
      .once('error', reject)
      .end()
  })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const hello = ({ port }: { port: number }): string =>
  `server { listen 127.0.0.1:${port}; location / { return 200 "hello $arg_x"; } }`

t.test('starts nginx with a generated config, answers, stops by pid', async (t) => {
  const nginx = await startNginx({ config: hello })
  t.teardown(() => nginx.close({ kill: true }))
  t.equal(nginx.host, '127.0.0.1')
  t.equal(nginx.url, `http://127.0.0.1:${nginx.port}`)
  t.ok(nginx.running)
  t.ok(alive(nginx.pid))
  t.match(nginx.prefix, /chatbot-pro-nginx-/)
  t.same(await get(`${nginx.url}/?x=world`), { status: 200, body: 'hello world' })
  t.equal(typeof (await nginx.errorLog()), 'string')
  await nginx.close()
  t.notOk(nginx.running)
  t.notOk(alive(nginx.pid), 'the process is gone')
  await t.rejects(get(nginx.url), { code: 'ECONNREFUSED' })
  t.equal(await nginx.errorLog(), '', 'prefix removed')
  await nginx.close()
})

t.test('a bad config is reported with the error log', async (t) => {
  await t.rejects(
    startNginx({ config: () => 'no_such_directive on;' }),
    /exited early[\s\S]*no_such_directive/
  )
})

t.test('a config that never listens times out', async (t) => {
  await t.rejects(
    startNginx({ config: () => '', startTimeoutMs: 200 }),
    /did not accept connections within 200 ms/
  )
})

t.test('nginxConfig puts pid, logs and temp paths in the prefix', async (t) => {
  const conf = nginxConfig({ port: 1, prefix: '/p' }, 'X')
  t.match(conf, /daemon off;\nmaster_process off;/)
  t.match(conf, /pid \/p\/nginx\.pid;/)
  t.match(conf, /error_log \/p\/error\.log/)
  t.match(conf, /proxy_temp_path \/p\/proxy;/)
  t.match(conf, /\nX\n}/)
})

t.test('findNginx looks at NGINX, then PATH, then /usr/sbin', async (t) => {
  const found = await findNginx()
  t.type(found, 'string')
  t.equal(await findNginx({ NGINX: found, PATH: '' }), found)
  t.equal(await findNginx({}), '/usr/sbin/nginx')
  t.equal(await findNginx({ PATH: '::' }), '/usr/sbin/nginx')
  t.equal(await findNginx({ NGINX: '/nonexistent/nginx', PATH: '' }), undefined)
})

t.test('missing nginx fails with an install hint; a binary that cannot run is reported', async (t) => {
  const saved = { ...process.env }
  t.teardown(() => {
    process.env = saved
  })
  process.env = { PATH: '', NGINX: '/nonexistent/nginx' }
  await t.rejects(startNginx({ config: hello }), /apt-get install nginx/)
  const dir = await mkdtemp(join(tmpdir(), 'not-nginx-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  // A directory passes the X_OK check but cannot be executed: spawn fails with EACCES.
  process.env = { PATH: '', NGINX: dir }
  await t.rejects(startNginx({ config: hello }), { code: 'EACCES' })
})

t.test('a port taken by someone else is retried on another port', async (t) => {
  const { createServer } = await import('node:net')
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  const taken = (blocker.address() as { port: number }).port
  let first = true
  const nginx = await startNginx({
    config: ({ port }) => {
      const p = first ? taken : port
      first = false
      return `server { listen 127.0.0.1:${p}; location / { return 200 "ok"; } }`
    }
  })
  t.teardown(() => nginx.close())
  t.not(nginx.port, taken)
  t.same(await get(nginx.url), { status: 200, body: 'ok' })
})

t.test('killAllNginx kills every live nginx', async (t) => {
  const nginx = await startNginx({ config: hello })
  t.teardown(() => nginx.close())
  killAllNginx()
  while (nginx.running) await new Promise((resolve) => setTimeout(resolve, 10))
  t.notOk(alive(nginx.pid))
})

t.test('the config function gets the port and the prefix it runs in', async (t) => {
  let seen = { port: 0, prefix: '' }
  const nginx = await startNginx({
    config: (ctx) => {
      seen = { ...ctx }
      return hello(ctx)
    }
  })
  t.teardown(() => nginx.close())
  t.same(seen, { port: nginx.port, prefix: nginx.prefix })
  t.match(await readFile(join(nginx.prefix, 'nginx.conf'), 'utf8'), `listen 127.0.0.1:${nginx.port};`)
})
