// Echo worker for the SharedRing contender: blocks in Atomics.wait while its input is empty,
// echoes every message to its output, exits when the input is closed and drained.
import { parentPort, workerData } from 'node:worker_threads'
import { SharedRingConsumer, SharedRingProducer } from '@chatbot-pro/ring-queue'

const input = new SharedRingConsumer(workerData.input)
const output = new SharedRingProducer(workerData.output)
const scratch = new Uint8Array(input.maxMessageBytes)
parentPort.postMessage('ready')
while (input.wait()) {
  for (let n = input.readInto(scratch); n >= 0; n = input.readInto(scratch)) {
    while (!output.write(scratch, n)) output.waitForSpace(n)
  }
}
output.close()
