// Echo worker for the ringbuf.js contender. ringbuf.js has no wait/notify, so the worker polls
// (as its README suggests for non-audio use), copying fixed-size messages from input to output.
import { parentPort, workerData } from 'node:worker_threads'
import { RingBuffer } from 'ringbuf.js'

const size = workerData.size
const input = new RingBuffer(workerData.input, Uint8Array)
const output = new RingBuffer(workerData.output, Uint8Array)
const scratch = new Uint8Array(size)
let left = workerData.count
parentPort.postMessage('ready')
while (left > 0) {
  if (input.availableRead() >= size && output.availableWrite() >= size) {
    input.pop(scratch, size)
    output.push(scratch, size)
    left--
  }
}
