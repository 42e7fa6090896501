import t from 'tap'
import { parseServerFrame, tokenUid } from '../src/protocol.ts'

t.test('parseServerFrame keeps v1 frames with their fields, nothing else', async (t) => {
  const ok = [
    { v: 1, type: 'session', uid: 'u', token: 'k', state: 'HELLO', resumed: false, context: [] },
    { v: 1, type: 'delta', id: 'm1', text: 'a' },
    { v: 1, type: 'reply', id: 'm1', text: 'a', state: 'CHATTING', echo: true },
    { v: 1, type: 'state', state: 'PAUSE', from: 'CHATTING', reason: 'fsm.after' },
    { v: 1, type: 'error', code: 'BUSY', message: 'wait' }
  ]
  for (const f of ok) t.same(parseServerFrame(JSON.stringify(f)), f, f.type)
  const bad = [
    'not json',
    'null',
    '"text"',
    '{"v":2,"type":"delta","id":"m","text":"a"}',
    '{"v":1,"type":"session","uid":"u","token":"k","state":"HELLO"}',
    '{"v":1,"type":"delta","id":"m"}',
    '{"v":1,"type":"reply","id":"m","text":"a"}',
    '{"v":1,"type":"state","state":"END"}',
    '{"v":1,"type":"error","code":"X"}',
    '{"v":1,"type":"typing"}'
  ]
  for (const raw of bad) t.equal(parseServerFrame(raw), null, raw)
})

t.test('tokenUid', async (t) => {
  t.equal(tokenUid('v1.abc.123.mac'), 'abc')
  t.equal(tokenUid('v2.abc.123.mac'), null)
  t.equal(tokenUid('v1..123.mac'), null)
  t.equal(tokenUid('v1.abc.123'), null)
})
