/**
 * Target 1 and 2: the reference app, configured from the environment (loadConfig) exactly as
 * `pnpm start` would be, listening on a free loopback port. Prints `READY <port>`, then a stats
 * line every second. REDIS_URL in the environment selects target 2.
 */
import { buildApp } from '@chatbot-pro/server'
import { loadConfig } from '@chatbot-pro/server/config'
import { onStopSignal, printStats, READY } from '../common.ts'

const config = loadConfig({ ...process.env, HOST: '127.0.0.1', PORT: '0' })
const app = await buildApp(config)
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
