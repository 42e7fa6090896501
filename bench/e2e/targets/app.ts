/**
 * Target 1 and 2: the reference app, configured from the environment (loadConfig) exactly as
 * `pnpm start` would be, listening on a free loopback port. Prints `READY <port>`, then a stats
 * line every second. REDIS_URL in the environment selects target 2; LOG_FILE, the log file.
 */
import { buildApp } from '@chatbot-pro/server'
import { loadConfig } from '@chatbot-pro/server/config'
import pino from 'pino'
import { onStopSignal, printStats, READY } from '../common.ts'

const config = loadConfig({ ...process.env, HOST: '127.0.0.1', PORT: '0' })
// LOG_FILE: the log goes to a file through pino's asynchronous destination, as a deployment's
// stdout redirected to a file would (stdout here carries the READY/STATS lines).
const file = process.env.LOG_FILE
const app = await buildApp(
  config,
  file ? { logger: { level: config.LOG_LEVEL, stream: pino.destination({ dest: file, sync: false }) } } : {}
)
await app.listen({ host: '127.0.0.1', port: 0 })
const addr = app.server.address()
const port = typeof addr === 'object' && addr !== null ? addr.port : 0
process.stdout.write(`${READY} ${port}\n`)
printStats()
const stop = (): void => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1)
  )
}
onStopSignal(stop)
