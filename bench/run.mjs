// Runs every benchmark scenario (bench/<package>/*.bench.ts), each in its own process, one after
// another so they do not compete for the CPU, then collects the Markdown tables per package into
// bench/results/<package>.md. `node run.mjs ring-queue fsm` runs only those packages.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const here = import.meta.dirname
const only = process.argv.slice(2)
const skip = new Set(['e2e', 'lib', 'node_modules', 'results'])
const pkgs = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !skip.has(d.name) && !d.name.startsWith('.'))
  .map((d) => d.name)
  .filter((name) => only.length === 0 || only.includes(name))
if (only.length && pkgs.length !== only.length) {
  console.error(`unknown benchmark folder(s): ${only.filter((n) => !pkgs.includes(n)).join(', ')}`)
  process.exit(2)
}

let failed = 0
for (const pkg of pkgs) {
  const files = readdirSync(join(here, pkg))
    .filter((f) => f.endsWith('.bench.ts'))
    .sort()
  for (const file of files) {
    console.log(`\n== ${pkg}/${file}`)
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(pkg, file)], {
      cwd: here,
      stdio: 'inherit'
    })
    if (r.status !== 0) {
      console.error(`${pkg}/${file} failed (exit ${r.status ?? r.signal})`)
      failed++
    }
  }
  const dir = join(here, 'results', pkg)
  if (existsSync(dir)) {
    const tables = readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => readFileSync(join(dir, f), 'utf8'))
    writeFileSync(join(here, 'results', `${pkg}.md`), `# ${pkg} benchmarks\n\n${tables.join('\n')}`)
  }
}
process.exit(failed ? 1 : 0)
