// `pnpm start`: runs the reference server once apps/server exists.

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

if (!existsSync(new URL('../apps/server/package.json', import.meta.url))) {
  console.log(
    'The reference server (apps/server) is not built yet: the packages under packages/ are usable on ' +
      'their own today. Run `pnpm test` to see them work, or `pnpm bench` to measure them.'
  )
  process.exit(0)
}
const run = (args) => spawnSync('pnpm', args, { stdio: 'inherit' }).status ?? 1
const built = run(['exec', 'turbo', 'run', 'build', '--filter', '@chatbot-pro/server...'])
if (built !== 0) process.exit(built)
process.exit(run(['--filter', '@chatbot-pro/server', 'start']))
