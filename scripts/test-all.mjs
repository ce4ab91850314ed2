// `npm test`: the formatter check, type checks, then every suite (workerd, plain Node, Chromium), then one summary
// line "tests: N passed, N failed". Exits non-zero if anything failed or no test ran.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const out = mkdtempSync(join(tmpdir(), 'sso-tests-'))
const steps = [
  { name: 'format', cmd: ['npx', 'prettier', '--check', '.'] },
  { name: 'types', cmd: ['npx', 'wrangler', 'types', '--strict-vars=false', '--check'] },
  { name: 'tsc', cmd: ['npx', 'tsc', '--noEmit', '-p', '.'] },
  // `npm run deploy -- --dry-run`: the Worker bundles, with no Cloudflare account.
  { name: 'deploy dry run', cmd: ['node', 'scripts/deploy.mjs', '--dry-run'] },
  { name: 'workerd', config: 'vitest.config.ts' },
  { name: 'node', config: 'vitest.node.config.ts' },
  { name: 'browser', config: 'vitest.browser.config.ts' },
]

let passed = 0
let failed = 0
const problems = []
for (const step of steps) {
  console.log(`\n=== ${step.name} ===`)
  const report = join(out, `${step.name}.json`)
  /** @type {string[]} */
  const cmd = step.cmd ?? ['npx', 'vitest', 'run', '--config', String(step.config), '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]
  const r = spawnSync(String(cmd[0]), cmd.slice(1), { stdio: 'inherit', env: process.env })
  if (step.config) {
    try {
      const json = JSON.parse(readFileSync(report, 'utf8'))
      passed += json.numPassedTests
      failed += json.numFailedTests
      if (json.numTotalTests === 0) problems.push(`${step.name}: no tests ran`)
    } catch {
      problems.push(`${step.name}: no report (runner crashed?)`)
    }
  }
  if (r.status !== 0) problems.push(`${step.name}: exit ${r.status}`)
}

if (problems.length) console.log(`\nproblems: ${problems.join('; ')}`)
console.log(`\ntests: ${passed} passed, ${failed} failed`)
process.exit(problems.length || failed ? 1 : 0)
