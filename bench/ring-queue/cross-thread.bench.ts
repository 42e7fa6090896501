// Cross-thread messaging, main -> worker -> main, ~100-byte messages: SharedRing (the event loop
// waits with Atomics.waitAsync, the worker blocks in Atomics.wait) vs MessagePort postMessage (one
// message per post, and 64 per post) vs ringbuf.js (both sides poll; it has no wait/notify). Each round starts a fresh worker
// (start-up excluded from the timing); contenders run round-robin.
import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import { SharedRing, SharedRingConsumer, SharedRingProducer } from '@chatbot-pro/ring-queue'
import { RingBuffer } from 'ringbuf.js'
import { fmtRate, fmtRatio, median, report } from '../lib/report.ts'

const SIZE = 100
const COUNT = Number(process.env.COUNT ?? 200_000)
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const RING_BYTES = 64 * 1024
const WINDOW = 1024
const BATCH = 64
const message = Uint8Array.from({ length: SIZE }, (_, i) => i)

async function start(file: string, workerData: unknown): Promise<Worker> {
  const worker = new Worker(new URL(`./workers/${file}`, import.meta.url), { workerData })
  await once(worker, 'message')
  return worker
}

async function sharedRing(): Promise<number> {
  const input = SharedRing.create(RING_BYTES)
  const output = SharedRing.create(RING_BYTES)
  const worker = await start('shared-ring-echo.mjs', { input, output })
  const p = new SharedRingProducer(input)
  const c = new SharedRingConsumer(output)
  const scratch = new Uint8Array(SIZE)
  const t0 = process.hrtime.bigint()
  let sent = 0
  let received = 0
  while (received < COUNT) {
    let progressed = false
    while (sent < COUNT && p.write(message)) {
      sent++
      progressed = true
    }
    while (c.readInto(scratch) >= 0) {
      received++
      progressed = true
    }
    // Output empty and input full (or all sent): the worker has work, so output will come.
    if (!progressed) await c.waitAsync()
  }
  const ns = Number(process.hrtime.bigint() - t0)
  p.close()
  await once(worker, 'exit')
  return ns
}

async function ringbuf(): Promise<number> {
  const input = RingBuffer.getStorageForCapacity(RING_BYTES, Uint8Array)
  const output = RingBuffer.getStorageForCapacity(RING_BYTES, Uint8Array)
  const worker = await start('ringbuf-echo.mjs', { input, output, size: SIZE, count: COUNT })
  const p = new RingBuffer(input, Uint8Array)
  const c = new RingBuffer(output, Uint8Array)
  const scratch = new Uint8Array(SIZE)
  const t0 = process.hrtime.bigint()
  let sent = 0
  let received = 0
  while (received < COUNT) {
    while (sent < COUNT && p.availableWrite() >= SIZE) {
      p.push(message, SIZE)
      sent++
    }
    while (c.availableRead() >= SIZE) {
      c.pop(scratch, SIZE)
      received++
    }
  }
  const ns = Number(process.hrtime.bigint() - t0)
  await worker.terminate()
  return ns
}

async function port(batch: number): Promise<number> {
  const worker = await start('port-echo.mjs', undefined)
  const posts = Math.ceil(COUNT / batch)
  const payload = batch === 1 ? message : Array.from({ length: batch }, () => message)
  const t0 = process.hrtime.bigint()
  let sent = 0
  let received = 0
  await new Promise<void>((resolve) => {
    worker.on('message', () => {
      received++
      if (sent < posts) {
        worker.postMessage(payload)
        sent++
      }
      if (received === posts) resolve()
    })
    for (; sent < Math.min(posts, WINDOW / batch); sent++) worker.postMessage(payload)
  })
  const ns = Number(process.hrtime.bigint() - t0)
  await worker.terminate()
  return ns
}

const contenders: Array<{ name: string; run: () => Promise<number> }> = [
  { name: 'SharedRing (waitAsync / Atomics.wait)', run: sharedRing },
  { name: 'ringbuf.js (polling)', run: ringbuf },
  { name: 'MessagePort postMessage (1 per post)', run: () => port(1) },
  { name: `MessagePort postMessage (${BATCH} per post)`, run: () => port(BATCH) }
]

if (process.env.ONLY)
  contenders.splice(0, contenders.length, ...contenders.filter((c) => c.name.includes(process.env.ONLY!)))
const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]))
for (let round = -1; round < ROUNDS; round++) {
  for (const c of contenders) {
    globalThis.gc?.()
    const ns = await c.run()
    if (round >= 0) samples.get(c.name)!.push((COUNT * 1e9) / ns)
  }
}
const rates = new Map([...samples].map(([name, s]) => [name, median(s)]))
const base = rates.get('ringbuf.js (polling)')!
report({
  pkg: 'ring-queue',
  scenario: 'cross-thread',
  title: `Cross-thread round trips: ${SIZE}-byte messages main -> worker -> main`,
  columns: ['contender', 'messages/s (round trip)', 'vs ringbuf.js'],
  rows: [...rates].map(([name, r]) => [name, fmtRate(r), fmtRatio(r / base)]),
  notes: [
    `${COUNT / 1e3}k messages per round, ${RING_BYTES / 1024} KiB rings, MessagePort window ${WINDOW} messages in flight.`,
    'SharedRing and ringbuf.js copy bytes into shared memory; MessagePort structured-clones a Uint8Array per message.',
    `Median of ${ROUNDS} rounds after 1 warm-up round, a fresh worker per round (start-up not timed), contenders interleaved.`,
    'Command: `pnpm --filter @chatbot-pro/ring-queue build && cd bench && node --expose-gc --import tsx ring-queue/cross-thread.bench.ts`.'
  ],
  raw: Object.fromEntries(rates)
})
