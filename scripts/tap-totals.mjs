// Sums the tap summaries (`# { total: N, pass: N, fail: N, ... }`) that every package's
// `tap` run printed into one `N passed, N failed` line, the line CI reads.
// Exits 1 when no test ran at all or when a package with a test script printed no summary.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const log = readFileSync(process.argv[2], 'utf8')
const summary = /^(\S+?):test: # \{ ([^}]*) \}\s*$/gm
const seen = new Map()
for (const m of log.matchAll(summary)) {
  const counts = Object.fromEntries(
    m[2].split(',').map((kv) => {
      const [k, v] = kv.split(':').map((s) => s.trim())
      return [k, Number(v)]
    })
  )
  seen.set(m[1], counts)
}

const expected = []
for (const dir of ['packages', 'apps', 'tests']) {
  if (!existsSync(dir)) continue
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, 'package.json')
    if (!existsSync(file)) continue
    const pkg = JSON.parse(readFileSync(file, 'utf8'))
    if (pkg.scripts?.test) expected.push(pkg.name)
  }
}

let passed = 0
let failed = 0
for (const [name, c] of seen) {
  passed += c.pass ?? 0
  failed += c.fail ?? 0
  console.log(
    `${name}: ${c.pass ?? 0} passed, ${c.fail ?? 0} failed${c.skip ? `, ${c.skip} skipped` : ''}${c.todo ? `, ${c.todo} todo` : ''}`
  )
}
const missing = expected.filter((name) => !seen.has(name))
for (const name of missing) console.log(`${name}: no tap summary (the test run crashed or ran nothing)`)
failed += missing.length
console.log(`${passed} passed, ${failed} failed`)
if (passed === 0 || failed > 0) process.exit(1)
