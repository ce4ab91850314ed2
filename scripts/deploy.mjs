// `npm run deploy`: the gateway on a Cloudflare account in one command, safe to run again. Two
// Workers (docs/architecture.md, "Two Workers"): the gateway (wrangler.toml, on the portal's
// hostname) and the console (wrangler.console.jsonc, reached only through the gateway's CONSOLE
// service binding), sharing one D1 database, one KV namespace and the gateway's rate limiter.
//  1. Secrets (ADMIN_TOKEN, SSO_SECRET) come first, and both Workers hold the same values: missing
//     on both, they are generated, set on both, and printed once; missing on one only (an upgrade
//     from the one-Worker gateway), the value comes from the environment (`ADMIN_TOKEN=…
//     SSO_SECRET=… npm run deploy`), since Cloudflare never shows a secret again. Setting a secret
//     creates a Worker that does not exist yet, so the gateway's service binding finds the console.
//  2. Remote D1 migrations are applied: before the new code goes live when the database exists
//     already, right after the first deploy otherwise (nothing is using it yet then).
//  3. The Workers deploy: on an existing database the console first (the gateway then passes to a
//     console that is there), on a new one the gateway first, since wrangler's automatic
//     provisioning (wrangler >= 4.45) creates D1 and KV on its first deploy and links them
//     (wrangler.toml names the bindings without IDs).
//  4. The console gets the gateway's KV namespace and [vars] written into a copy of its
//     configuration (.wrangler/deploy/; wrangler cannot link a KV namespace by name); D1 is
//     linked by its name.
// `npm run deploy -- --dry-run` builds both bundles without an account (`npm test` runs it), prints
// their sizes, raw and gzip (what Cloudflare's size limit counts), and fails when the gateway's is
// over its budget: 150 KiB gzip (issue 15; the console's code is not in it).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

export const DATABASE = 'edge-sso'
export const GATEWAY_WORKER = 'edge-sso-gateway'
export const CONSOLE_CONFIG = 'wrangler.console.jsonc'
/** Where the dry run writes the gateway's bundle (index.js); the console's goes to its `console/`. */
export const DRY_RUN_DIR = 'dist'
/** The gateway's gzip budget (issue 15): its cold start is every customer's. */
export const TARGET_GZIP_KIB = 150
export const REQUIRED_SECRETS = ['ADMIN_TOKEN', 'SSO_SECRET']
/** The title wrangler's automatic provisioning gives the gateway's KV namespace (`<worker>-<binding>`). */
export const KV_TITLE = `${GATEWAY_WORKER}-sessions`

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..')

/**
 * @typedef {{ status: number | null, stdout: string, stderr: string }} RunResult
 * @typedef {(args: string[], input?: string) => RunResult} Run
 */

/** Runs wrangler from this checkout. @type {Run} */
export function wrangler(args, input) {
  const r = spawnSync('npx', ['wrangler', ...args], { encoding: 'utf8', input, stdio: [input === undefined ? 'inherit' : 'pipe', 'pipe', 'pipe'] })
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
}

/** A fresh secret: 32 random bytes, base64url (43 characters; SSO_SECRET needs at least 32). */
export function newSecret() {
  return randomBytes(32).toString('base64url')
}

/**
 * Size of the Worker bundle `file` (default: the gateway's, `dir`/index.js), raw and gzip, in bytes; null when there is none.
 * @param {string} dir
 * @param {string} [file]
 * @returns {{ rawBytes: number, gzipBytes: number } | null}
 */
export function bundleSize(dir, file = 'index.js') {
  const path = join(dir, file)
  if (!existsSync(path)) return null
  const bytes = readFileSync(path)
  return { rawBytes: bytes.length, gzipBytes: gzipSync(bytes).length }
}

/** `651.3 KiB` */
const kib = (/** @type {number} */ bytes) => `${(bytes / 1024).toFixed(1)} KiB`

/**
 * The console Worker's configuration (JSONC as prettier writes it: full-line `//` comments, trailing commas).
 * @param {string} [file]
 * @returns {Record<string, any>}
 */
export function readConsoleConfig(file = join(root, CONSOLE_CONFIG)) {
  const json = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('//'))
    .join('\n')
    .replace(/,(\s*[}\]])/g, '$1')
  return JSON.parse(json)
}

/**
 * The id of the SESSIONS namespace written in wrangler.toml (wrangler writes provisioned IDs back
 * when run interactively), or null.
 * @param {string} toml
 */
export function configuredKvId(toml) {
  for (const block of toml.split(/^\[\[/m).filter((b) => b.startsWith('kv_namespaces]]'))) {
    if (!/^binding\s*=\s*"SESSIONS"/m.test(block)) continue
    const id = /^id\s*=\s*"([0-9a-f]{32})"/m.exec(block)
    if (id) return id[1] ?? null
  }
  return null
}

/**
 * @param {{ run?: Run, dryRun?: boolean, log?: (line: string) => void, secret?: () => string, measure?: (dir: string, file?: string) => { rawBytes: number, gzipBytes: number } | null, env?: Record<string, string | undefined>, gatewayToml?: string, consoleConfig?: Record<string, any>, writeConfig?: (name: string, config: Record<string, any>) => string }} options
 * @returns {Promise<{ steps: string[], generated: string[] }>}
 */
export async function deploy({
  run = wrangler,
  dryRun = false,
  log = console.log,
  secret = newSecret,
  measure = bundleSize,
  env = process.env,
  gatewayToml = readFileSync(join(root, 'wrangler.toml'), 'utf8'),
  consoleConfig = readConsoleConfig(),
  writeConfig = writeDeployConfig,
} = {}) {
  /** @type {string[]} */
  const steps = []
  /** @param {string} name @param {string[]} args @param {string} [input] */
  const must = (name, args, input) => {
    steps.push(name)
    const r = run(args, input)
    if (r.status !== 0) throw new Error(`${name} failed (wrangler ${args.join(' ')}):\n${r.stderr || r.stdout}`)
    return r
  }
  const onConsole = ['--config', CONSOLE_CONFIG]
  if (dryRun) {
    must('build gateway', ['deploy', '--dry-run', '--outdir', DRY_RUN_DIR])
    must('build console', ['deploy', '--dry-run', ...onConsole, '--outdir', join(DRY_RUN_DIR, 'console')])
    log(`Dry run: both Workers build (${DRY_RUN_DIR}/); nothing was deployed.`)
    const gateway = measure(DRY_RUN_DIR)
    const console_ = measure(join(DRY_RUN_DIR, 'console'), 'console.js')
    if (console_) log(`Console bundle: ${kib(console_.rawBytes)} raw, ${kib(console_.gzipBytes)} gzip (loaded only for /sso/admin and /sso/setup).`)
    if (!gateway) throw new Error(`The gateway's bundle is missing from ${DRY_RUN_DIR}/: its budget cannot be checked.`)
    {
      const met = gateway.gzipBytes < TARGET_GZIP_KIB * 1024
      log(`Gateway bundle: ${kib(gateway.rawBytes)} raw, ${kib(gateway.gzipBytes)} gzip (budget < ${TARGET_GZIP_KIB} KiB gzip: ${met ? 'met' : 'OVER'}).`)
      if (!met)
        throw new Error(
          `The gateway's bundle is ${kib(gateway.gzipBytes)} gzip, over its ${TARGET_GZIP_KIB} KiB budget: keep console-only code out of src/gateway-app.ts's imports (docs/architecture.md, "Two Workers").`,
        )
    }
    return { steps, generated: [] }
  }
  must('account', ['whoami'])

  // 1. The secrets, the same on both Workers.
  /** @param {string} worker @param {string[]} extra */
  const secretsOf = (worker, extra) => {
    steps.push(`secrets of ${worker}`)
    const listed = run(['secret', 'list', '--format', 'json', ...extra])
    if (listed.status !== 0) {
      // A Worker that does not exist yet has none. Any other failure stops here: taking it for
      // "none" would generate new secrets over the ones in use.
      if (/Worker "[^"]+".* not found/s.test(`${listed.stderr}\n${listed.stdout}`)) return []
      throw new Error(`could not list the ${worker} Worker's secrets (wrangler secret list):\n${listed.stderr || listed.stdout}`)
    }
    try {
      return /** @type {{ name: string }[]} */ (JSON.parse(listed.stdout)).map((s) => s.name)
    } catch {
      throw new Error(`could not read the ${worker} Worker's secrets from wrangler: ${listed.stdout.slice(0, 200)}`)
    }
  }
  const onGateway = secretsOf('gateway', [])
  const onConsoleWorker = secretsOf('console', onConsole)
  // Every value is settled before any is set: a deploy that must stop changes nothing.
  /** @type {{ name: string, value: string, targets: { worker: string, extra: string[] }[] }[]} */
  const plan = []
  /** @type {string[]} */
  const generated = []
  for (const name of REQUIRED_SECRETS) {
    const targets = [
      ...(onGateway.includes(name) ? [] : [{ worker: 'gateway', extra: /** @type {string[]} */ ([]) }]),
      ...(onConsoleWorker.includes(name) ? [] : [{ worker: 'console', extra: onConsole }]),
    ]
    if (targets.length === 0) continue
    const kept = env[name]
    if (!kept && targets.length === 1)
      throw new Error(
        `The ${targets[0]?.worker} Worker has no ${name} while the other one has it. Cloudflare never shows a secret again: run \`${name}=<the value you kept> npm run deploy\` (both Workers need the same value).`,
      )
    plan.push({ name, value: kept || secret(), targets })
    if (!kept) generated.push(name)
  }
  for (const { name, value, targets } of plan) {
    if (generated.includes(name)) log(`${name} = ${value}`)
    for (const t of targets) must(`secret ${name} on ${t.worker}`, ['secret', 'put', name, ...t.extra], value)
  }

  // 2–4. An existing database gets the new schema before the new code runs; then the console
  // first, so the gateway starts passing requests to it only once it is there. A new database is
  // created by the gateway's first deploy, and the console follows on the resources it made.
  const exists = run(['d1', 'info', DATABASE]).status === 0
  steps.push(exists ? 'database found' : 'database to be created')
  const migrate = () => must('migrations', ['d1', 'migrations', 'apply', 'DB', '--remote'])
  const deployConsole = () => {
    const kvId = configuredKvId(gatewayToml) ?? findKvNamespace(must('find KV namespace', ['kv', 'namespace', 'list']).stdout)
    const config = {
      ...consoleConfig,
      main: resolve(root, consoleConfig.main),
      kv_namespaces: consoleConfig.kv_namespaces.map((/** @type {Record<string, string>} */ kv) => (kv.binding === 'SESSIONS' ? { ...kv, id: kvId } : kv)),
      d1_databases: consoleConfig.d1_databases.map((/** @type {Record<string, string>} */ d) => ({
        ...d,
        migrations_dir: resolve(root, d.migrations_dir ?? 'migrations'),
      })),
      // The operator's [vars] (PORTAL_ORIGIN, DOH_URL) hold for both Workers.
      vars: { ...consoleConfig.vars, ...configuredVars(gatewayToml) },
    }
    must('deploy console', ['deploy', '--config', writeConfig('wrangler.console.json', config)])
  }
  if (exists) {
    migrate()
    deployConsole()
    must('deploy gateway', ['deploy'])
  } else {
    must('deploy gateway', ['deploy'])
    migrate()
    deployConsole()
  }

  if (generated.length) log(`Generated and set ${generated.join(' and ')} on both Workers: shown this once, keep them in your password manager.`)
  else log('Secrets: ADMIN_TOKEN and SSO_SECRET are set on both Workers (unchanged).')
  log('Deployed both Workers. Add a route or custom domain on the portal hostname to the gateway (README, "Deploy").')
  return { steps, generated }
}

/**
 * The plain `KEY = "value"` lines of wrangler.toml's [vars] table.
 * @param {string} toml
 * @returns {Record<string, string>}
 */
export function configuredVars(toml) {
  const table = /^\[vars\][ \t]*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)?.[1] ?? ''
  /** @type {Record<string, string>} */
  const vars = {}
  for (const m of table.matchAll(/^([A-Z][A-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/gm)) vars[m[1] ?? ''] = JSON.parse(`"${m[2] ?? ''}"`)
  return vars
}

/**
 * The id of the gateway's KV namespace in `wrangler kv namespace list` output.
 * @param {string} stdout
 */
export function findKvNamespace(stdout) {
  /** @type {{ id: string, title: string }[]} */
  let namespaces
  try {
    namespaces = JSON.parse(stdout)
  } catch {
    throw new Error(`could not read the KV namespaces from wrangler: ${stdout.slice(0, 200)}`)
  }
  const found = namespaces.find((n) => n.title === KV_TITLE)
  if (!found)
    throw new Error(
      `No KV namespace titled ${KV_TITLE}: the gateway's first deploy creates it. If you created yours by hand, put its id in wrangler.toml ([[kv_namespaces]] id = "...") and run again.`,
    )
  return found.id
}

/**
 * Writes a generated configuration to .wrangler/deploy/ (git-ignored) and returns its path.
 * @param {string} name
 * @param {Record<string, any>} config
 */
function writeDeployConfig(name, config) {
  const dir = join(root, '.wrangler', 'deploy')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, name)
  writeFileSync(file, JSON.stringify(config, null, 2))
  return file
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  deploy({ dryRun: process.argv.includes('--dry-run') }).catch((err) => {
    console.error(err instanceof Error ? err.message : String(err))
    process.exit(1)
  })
}
