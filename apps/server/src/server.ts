import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'

/** Starts the server from the environment; exits 1 with a clear message on a bad configuration. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (err) {
    console.error((err as Error).message)
    process.exit(1)
  }
  const app = await buildApp(config)
  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    /* c8 ignore next: close-with-grace's uncaught-exception path */
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })
  // A deep accept backlog: connection storms (reconnects after a deploy) would otherwise overflow
  // the default 511 while the event loop is busy, and clients see resets (capped by somaxconn).
  const address = await app.listen({ host: config.HOST, port: config.PORT, backlog: 4096 })
  const cold = config.REDIS_URL ? `Redis (${new URL(config.REDIS_URL).host})` : 'in-process store'
  app.log.info(
    `Chatbot Pro listening on ${address}: open ${address}/ for the chat page (LLM: ${config.LLM_PROVIDER}, sessions: ${cold})`
  )
  /* c8 ignore next: a banner for people, not for pipes */
  if (process.stdout.isTTY) console.log(`\n  Chat page: ${address}/\n`)
}

void main()
