// Packs every publishable package that is ready (has a test script and a dist/), lints the
// package with publint, installs all tarballs into a scratch project with npm, and imports each
// entry point of the `exports` map there. Proves that what `pnpm publish` would ship works.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const scratch = mkdtempSync(join(tmpdir(), 'chatbot-pro-pack-'))
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] }).toString()

const ready = []
for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name)
  const file = join(dir, 'package.json')
  if (!existsSync(file)) continue
  const pkg = JSON.parse(readFileSync(file, 'utf8'))
  if (pkg.private || !pkg.scripts?.test || !existsSync(join(dir, 'dist'))) continue
  ready.push({ dir, pkg })
}
if (ready.length === 0) {
  console.log('pack-check: no publishable package is ready yet')
  process.exit(0)
}

let failed = 0
try {
  const tarballs = []
  for (const { dir, pkg } of ready) {
    const out = run('pnpm', ['publint', '--strict', dir], root)
    if (/error|warning/i.test(out)) {
      console.error(`pack-check: publint found problems in ${pkg.name}:\n${out}`)
      failed++
    }
    const packed = run('pnpm', ['pack', '--pack-destination', scratch], dir).trim().split('\n').pop()
    tarballs.push(packed.startsWith('/') ? packed : join(scratch, packed))
  }
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module' })
  )
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      'fastify@5',
      'typescript@5.9.3',
      '@types/node@20',
      // tiered-cache's Redis types come from its optional peer, as for any Redis user.
      'ioredis@5',
      ...tarballs
    ],
    scratch
  )
  // A strict TypeScript consumer (NodeNext, no skipLibCheck) must resolve every entry's types.
  const specs = ready.flatMap(({ pkg }) =>
    Object.keys(pkg.exports)
      .filter((k) => k !== './package.json')
      .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`))
  )
  writeFileSync(
    join(scratch, 'consumer.ts'),
    `${specs.map((spec, i) => `import * as m${i} from ${JSON.stringify(spec)}`).join('\n')}\nexport const all = [${specs.map((_, i) => `m${i}`).join(', ')}]\n`
  )
  try {
    run(
      'node',
      [
        join(scratch, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        'consumer.ts'
      ],
      scratch
    )
    console.log(`pack-check: a strict TypeScript consumer resolves the types of ${specs.length} entry points`)
  } catch (err) {
    console.error(`pack-check: the TypeScript consumer failed:\n${err.stdout ?? err}`)
    failed++
  }
  for (const { pkg } of ready) {
    for (const key of Object.keys(pkg.exports)) {
      if (key === './package.json') continue
      const spec = key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`
      const code = `const m = await import(${JSON.stringify(spec)}); const n = Object.keys(m).length; if (!n) throw new Error('no exports'); console.log(${JSON.stringify(spec)} + ': ' + n + ' exports')`
      try {
        process.stdout.write(run('node', ['--input-type=module', '-e', code], scratch))
      } catch {
        console.error(`pack-check: importing ${spec} from the installed tarball failed`)
        failed++
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
if (failed) {
  console.error(`pack-check: ${failed} problem(s)`)
  process.exit(1)
}
console.log(`pack-check: ${ready.length} package(s) pack, install and import cleanly`)
