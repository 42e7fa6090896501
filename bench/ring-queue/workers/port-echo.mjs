// Echo worker for the MessagePort contenders: posts every message (or batch) straight back.
import { parentPort } from 'node:worker_threads'

parentPort.on('message', (m) => parentPort.postMessage(m))
parentPort.postMessage('ready')
