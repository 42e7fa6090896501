import t from 'tap'
import { SseParser } from '../src/sse.ts'

t.test('events in any chunking, CRLF, multi-line data, comments, unknown fields', async (t) => {
  const events: string[] = []
  const p = new SseParser((event, data) => events.push(`${event}=${data}`))
  const stream =
    ': hello\r\nevent: delta\r\ndata: {"a":1}\r\n\r\nid: 7\nretry: 10\ndata:x\ndata: y\n\nevent: reply\ndata\n\n\n\nfield-only\n\n'
  for (let i = 0; i < stream.length; i += 3) p.push(stream.slice(i, i + 3))
  t.same(events, ['delta={"a":1}', 'message=x\ny', 'reply='])
  p.push('data: partial')
  t.same(events.length, 3, 'an unterminated event waits')
  p.push('\n\n')
  t.same(events[3], 'message=partial')
})
