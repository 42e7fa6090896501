import type { AddressInfo } from 'node:net'
import t from 'tap'
import WebSocket, { WebSocketServer } from 'ws'
import { ChatClient, type ChatClientError } from '../src/index.ts'

// Frames the real server never sends to a well-behaved client (it cannot be made to): a server
// that breaks protocol v1, on a real socket, to prove the client skips and reports them.
t.test('a server breaking the protocol: bad frames reported, stray frames skipped', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  t.teardown(() => new Promise((r) => wss.close(r)))
  await new Promise((r) => wss.once('listening', r))
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`
  wss.on('connection', (sock) => {
    sock.on('message', (raw) => {
      const frame = JSON.parse(raw.toString())
      if (frame.type === 'hello') {
        sock.send(Buffer.from([1, 2, 3]), { binary: true })
        sock.send('{"v":1,"type":"state"}')
        sock.send(JSON.stringify({ v: 1, type: 'state', state: 'HELLO', from: 'HELLO', reason: 'x' }))
        sock.send(
          JSON.stringify({
            v: 1,
            type: 'session',
            uid: 'u',
            token: 'v1.u.1.m',
            state: 'HELLO',
            resumed: false,
            context: []
          })
        )
        sock.send(
          JSON.stringify({ v: 1, type: 'error', code: 'BAD_MESSAGE', message: 'not tied to a message' })
        )
        sock.send(JSON.stringify({ v: 1, type: 'reply', id: 'other', text: 'x', state: 'CHATTING' }))
        sock.send(JSON.stringify({ v: 1, type: 'delta', id: 'other', text: 'x' }))
      } else if (frame.type === 'text') {
        sock.send(
          JSON.stringify({ v: 1, type: 'error', code: 'BAD_MESSAGE', message: 'no', id: 'not-yours' })
        )
        // The conversation ended, but the END state frame never came: close 1000 says it.
        sock.close(1000, 'conversation ended')
      }
    })
  })
  const c = new ChatClient({ url, webSocket: WebSocket })
  t.teardown(() => c.close())
  const errors: ChatClientError[] = []
  c.on('error', (e) => errors.push(e))
  const states: string[] = []
  c.on('state', (e) => states.push(e.state))
  const session = await c.connect()
  t.equal(session.uid, 'u')
  const reply = c.send('hello')
  await t.rejects(reply.result, { code: 'SESSION_ENDED' })
  t.equal(c.status, 'ended')
  t.same(states, [], 'frames before the session are not the session’s')
  t.same(
    errors.map((e) => e.code),
    ['BAD_FRAME', 'BAD_FRAME', 'BAD_MESSAGE', 'BAD_MESSAGE']
  )
})
