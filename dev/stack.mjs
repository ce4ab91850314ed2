// Dev-only: starts the local stack (demo portal + `wrangler dev` with local D1/KV via miniflare;
// nothing leaves the machine). Used by `npm start` and by the browser tests.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startPortal } from './portal.mjs'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const wranglerBin = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js')

/** Creates .dev.vars from .dev.vars.example with fresh secrets; returns them when created. */
export function ensureDevVars(file = join(root, '.dev.vars')) {
  if (existsSync(file)) return null
  const secrets = { ADMIN_TOKEN: randomBytes(24).toString('base64url'), SSO_SECRET: randomBytes(32).toString('base64url') }
  const template = readFileSync(join(root, '.dev.vars.example'), 'utf8')
  writeFileSync(file, template.replace(/^(ADMIN_TOKEN|SSO_SECRET)=.*$/gm, (_, k) => `${k}=${secrets[k]}`), { mode: 0o600 })
  return secrets
}

function wrangler(args, opts = {}) {
  return spawnSync(process.execPath, [wranglerBin, ...args], { cwd: root, stdio: opts.quiet ? 'pipe' : 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' } })
}

/** Applies D1 migrations to the local database. */
export function migrateLocal({ persistTo, quiet } = {}) {
  const args = ['d1', 'migrations', 'apply', 'DB', '--local', ...(persistTo ? ['--persist-to', persistTo] : [])]
  const r = wrangler(args, { quiet })
  if (r.status !== 0) throw new Error(`wrangler d1 migrations apply failed (${r.status}): ${r.stderr ?? ''}`)
}

async function waitFor(url, ms) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    try {
      const res = await fetch(url)
      if (res.ok) return
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${url} did not come up within ${ms} ms`)
}

/**
 * Starts portal + gateway. Options: gatewayPort (8787), portalPort (8801), persistTo (local state
 * dir; default .wrangler/state), vars (extra --var), quiet. Returns { gatewayUrl, portalUrl, stop }.
 */
export async function startStack(options = {}) {
  const gatewayPort = Number(options.gatewayPort ?? process.env.GATEWAY_PORT ?? 8787)
  const portalPort = Number(options.portalPort ?? process.env.DEMO_PORTAL_PORT ?? 8801)
  const portalUrl = `http://127.0.0.1:${portalPort}`
  migrateLocal({ persistTo: options.persistTo, quiet: options.quiet })
  const portal = await startPortal(portalPort)
  const vars = { PORTAL_ORIGIN: portalUrl, ...options.vars }
  const args = [wranglerBin, 'dev', '--ip', '127.0.0.1', '--port', String(gatewayPort), '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
    ...(options.persistTo ? ['--persist-to', options.persistTo] : [])]
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: options.quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', ...options.env },
    detached: true,
  })
  let output = ''
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    portal.close()
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM') // the whole group: wrangler and its workerd
      } catch {
        // already gone
      }
      await new Promise((r) => {
        const t = setTimeout(() => {
          try { process.kill(-child.pid, 'SIGKILL') } catch { /* gone */ }
          r()
        }, 5000)
        child.once('exit', () => { clearTimeout(t); r() })
      })
    }
  }
  try {
    await waitFor(`${gatewayUrl}/sso/health`, 60_000)
  } catch (err) {
    await stop()
    throw new Error(`${err.message}\n${output}`)
  }
  return { gatewayUrl, portalUrl, stop, child, output: () => output }
}
