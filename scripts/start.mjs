// `pnpm start`: builds the reference server and what it depends on, then runs it on embedded
// defaults (see apps/server/README.md for the variables that change them).

import { spawnSync } from 'node:child_process'

const run = (args) => spawnSync('pnpm', args, { stdio: 'inherit' }).status ?? 1
const built = run(['exec', 'turbo', 'run', 'build', '--filter', '@chatbot-pro/server...'])
if (built !== 0) process.exit(built)
process.exit(run(['--filter', '@chatbot-pro/server', 'start']))
