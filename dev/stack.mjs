// Dev-only: starts the local stack (demo portal + two demo SAML IdPs + a demo OpenID provider + a
// demo DNS-over-HTTPS resolver + `wrangler dev` running the gateway and console Workers with local
// D1/KV via miniflare; nothing leaves the machine). Used by `npm start` and by the browser tests.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEMO_KINDS, registerDemoIdps, startDemoIdp } from './demo-idp.mjs'
import { DEMO_OIDC, registerDemoOidc, startDemoOidc } from './demo-oidc.mjs'
import { startDemoDns, verifyDemoDomains } from './dns.mjs'
import { startPortal } from './portal.mjs'
import { readConsoleConfig } from '../scripts/deploy.mjs'
import { registerDemoSp, registerDemoZendesk, startDemoSp } from './demo-sp.mjs'
/** @import { DemoIdp, DemoKind } from './demo-idp.mjs' */
/** @import { DemoOidc } from './demo-oidc.mjs' */

/**
 * Options of startStack (see there).
 * @typedef {object} StackOptions
 * @property {number} [gatewayPort]
 * @property {number} [portalPort]
 * @property {string} [persistTo]
 * @property {Record<string, string>} [vars]
 * @property {Record<string, string | undefined>} [env]
 * @property {boolean} [quiet]
 * @property {boolean} [demoIdps]
 * @property {number} [oktaPort]
 * @property {number} [entraPort]
 * @property {number} [oidcPort]
 * @property {boolean} [demoSp]
 * @property {number} [spPort]
 * @property {number} [dnsPort]
 */
/**
 * A demo IdP of the running stack, with its id at the gateway.
 * @typedef {Pick<DemoIdp, 'name' | 'slug' | 'url' | 'entityId' | 'users'> & { id: string }} StackIdp
 */
/**
 * The demo OpenID provider of the running stack, with its id at the gateway.
 * @typedef {Pick<DemoOidc, 'name' | 'slug' | 'url' | 'issuer' | 'clientId' | 'clientSecret' | 'users'> & { id: string }} StackOidcIdp
 */

/**
 * The message of a caught error (everything caught here is an Error; anything else as text).
 * @param {unknown} err
 */
const messageOf = (err) => (err instanceof Error ? err.message : String(err))
/**
 * The HTTP status the admin API helpers attach to their errors (registerDemoIdps, registerDemoSp).
 * @param {unknown} err
 */
const statusOf = (err) => (err instanceof Error && 'status' in err ? err.status : undefined)
/**
 * @param {string | null | undefined} value
 * @returns {value is string}
 */
const isNonEmpty = (value) => Boolean(value)

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const wranglerBin = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js')

/**
 * Creates .dev.vars from .dev.vars.example with fresh secrets; returns them when created.
 * @param {string} [file]
 */
export function ensureDevVars(file = join(root, '.dev.vars')) {
  if (existsSync(file)) return null
  const secrets = { ADMIN_TOKEN: randomBytes(24).toString('base64url'), SSO_SECRET: randomBytes(32).toString('base64url') }
  const template = readFileSync(join(root, '.dev.vars.example'), 'utf8')
  writeFileSync(
    file,
    template.replace(/^(ADMIN_TOKEN|SSO_SECRET)=.*$/gm, (/** @type {string} */ _, /** @type {keyof typeof secrets} */ k) => `${k}=${secrets[k]}`),
    { mode: 0o600 },
  )
  return secrets
}

/**
 * The console Worker's configuration for `wrangler dev`, with the stack's vars. wrangler hands
 * `--var` to the first configuration only, and an auxiliary Worker reads its vars and secrets from
 * its configuration and the `.dev.vars` beside it: so a copy goes to .wrangler/dev-console-<port>/
 * (one per stack, so stacks on other ports do not race), with the vars written in and the
 * checkout's .dev.vars beside it (none: both Workers read the environment). Returns its path.
 * @param {Record<string, string>} vars
 * @param {number} gatewayPort
 */
export function devConsoleConfig(vars, gatewayPort) {
  const dir = join(root, '.wrangler', `dev-console-${gatewayPort}`)
  mkdirSync(dir, { recursive: true })
  const config = readConsoleConfig()
  config.main = join(root, config.main)
  config.d1_databases = config.d1_databases.map((/** @type {Record<string, string>} */ d) => ({
    ...d,
    migrations_dir: join(root, d.migrations_dir ?? 'migrations'),
  }))
  config.vars = { ...config.vars, ...vars }
  const file = join(dir, 'wrangler.json')
  writeFileSync(file, JSON.stringify(config, null, 2))
  const devVars = join(root, '.dev.vars')
  if (existsSync(devVars)) copyFileSync(devVars, join(dir, '.dev.vars'))
  else rmSync(join(dir, '.dev.vars'), { force: true })
  return file
}

/**
 * @param {string[]} args
 * @param {{ quiet?: boolean }} [opts]
 */
function wrangler(args, opts = {}) {
  return spawnSync(process.execPath, [wranglerBin, ...args], {
    cwd: root,
    stdio: opts.quiet ? 'pipe' : 'inherit',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  })
}

/**
 * Applies D1 migrations to the local database.
 * @param {{ persistTo?: string, quiet?: boolean }} [options]
 */
export function migrateLocal({ persistTo, quiet } = {}) {
  const args = ['d1', 'migrations', 'apply', 'DB', '--local', ...(persistTo ? ['--persist-to', persistTo] : [])]
  const r = wrangler(args, { quiet })
  if (r.status !== 0) throw new Error(`wrangler d1 migrations apply failed (${r.status}): ${r.stderr ?? ''}`)
}

/**
 * @param {string} url
 * @param {number} ms
 */
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
 * ADMIN_TOKEN of .dev.vars (what `wrangler dev` reads), or null.
 * @param {string} [file]
 */
export function readDevVarsAdminToken(file = join(root, '.dev.vars')) {
  if (!existsSync(file)) return null
  const m = /^ADMIN_TOKEN\s*=\s*(.*)$/m.exec(readFileSync(file, 'utf8'))
  const value = m?.[1]?.trim().replace(/^(["'])(.*)\1$/, '$2')
  return value || null
}

/**
 * Starts a demo IdP on `localhost:<port>`; when that port is taken (another stack running), on a
 * free one instead: registration points the gateway at whatever URL it got.
 * @param {DemoKind} kind
 * @param {number} port
 * @param {string} spOrigin
 * @param {boolean | undefined} quiet
 */
async function startDemoIdpOnPort(kind, port, spOrigin, quiet) {
  try {
    return await startDemoIdp({ kind, port, host: 'localhost', spOrigin })
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'EADDRINUSE')) throw err
    const idp = await startDemoIdp({ kind, port: 0, host: 'localhost', spOrigin })
    if (!quiet) console.warn(`demo ${kind} IdP: port ${port} is in use, using ${idp.url} instead`)
    return idp
  }
}

/**
 * Starts the demo OpenID provider on `localhost:<port>`, or on a free one when that is taken
 * (registration gives the gateway whatever issuer it got).
 * @param {number} port
 * @param {string} gatewayOrigin
 * @param {boolean | undefined} quiet
 */
async function startDemoOidcOnPort(port, gatewayOrigin, quiet) {
  try {
    return await startDemoOidc({ port, host: 'localhost', gatewayOrigin })
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'EADDRINUSE')) throw err
    const demo = await startDemoOidc({ port: 0, host: 'localhost', gatewayOrigin })
    if (!quiet) console.warn(`demo OpenID provider: port ${port} is in use, using ${demo.url} instead`)
    return demo
  }
}

/**
 * Starts the demo DNS resolver on `port`, or on a free one when that is taken.
 * @param {number} port
 * @param {boolean | undefined} quiet
 */
async function startDemoDnsOnPort(port, quiet) {
  try {
    return await startDemoDns({ port })
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'EADDRINUSE')) throw err
    const dns = await startDemoDns({ port: 0 })
    if (!quiet) console.warn(`demo DNS: port ${port} is in use, using ${dns.url} instead`)
    return dns
  }
}

/**
 * Registers the demo IdPs with the gateway's admin token. `wrangler dev` takes secrets from
 * .dev.vars when that file exists and ignores the environment then; without it, from the
 * environment (options.env, process.env). Candidates go in that order; the next is tried only on
 * a 401 (each miss counts toward the admin API's failure throttle, so the likely one goes first).
 * @param {string} gatewayUrl
 * @param {DemoIdp[]} idps
 * @param {StackOptions} options
 */
async function registerWithGateway(gatewayUrl, idps, options) {
  const candidates = [...new Set([readDevVarsAdminToken(), options.env?.ADMIN_TOKEN, process.env.ADMIN_TOKEN].filter(isNonEmpty))]
  if (candidates.length === 0) throw new Error('demo IdPs: no ADMIN_TOKEN (options.env, environment or .dev.vars) to register them with')
  /** @type {unknown} */
  let lastError
  for (const token of candidates) {
    try {
      return await registerDemoIdps(gatewayUrl, token, idps)
    } catch (err) {
      lastError = err
      if (statusOf(err) !== 401) break
    }
  }
  throw new Error(`demo IdPs: registration with the gateway failed: ${messageOf(lastError)}`)
}

/**
 * Starts portal + demo IdPs + gateway. Options: gatewayPort (8787), portalPort (8801), persistTo
 * (local state dir; default .wrangler/state), vars (extra --var), env (extra environment for
 * wrangler), quiet, demoIdps (default true unless DEMO_IDPS=0: start the Okta-like and Entra-like
 * SAML demo IdPs and the demo OpenID provider on localhost and register them with the gateway,
 * their domains verified through the demo DNS resolver), oktaPort (DEMO_OKTA_PORT, 8811),
 * entraPort (DEMO_ENTRA_PORT, 8812), oidcPort (DEMO_OIDC_PORT, 8813), dnsPort (DEMO_DNS_PORT,
 * 8853: the DNS-over-HTTPS resolver the gateway's DOH_URL points at).
 * Returns { gatewayUrl, portalUrl, dns, idps: { okta, entra, oidc } | {}, sp, stop, child, output }.
 * @param {StackOptions} [options]
 */
export async function startStack(options = {}) {
  const gatewayPort = Number(options.gatewayPort ?? process.env.GATEWAY_PORT ?? 8787)
  const portalPort = Number(options.portalPort ?? process.env.DEMO_PORTAL_PORT ?? 8801)
  const portalUrl = `http://127.0.0.1:${portalPort}`
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`
  migrateLocal({ persistTo: options.persistTo, quiet: options.quiet })
  const portal = await startPortal(portalPort)
  const dns = await startDemoDnsOnPort(Number(options.dnsPort ?? process.env.DEMO_DNS_PORT ?? 8853), options.quiet).catch((err) => {
    portal.close()
    throw err
  })
  // Demo IdPs on `localhost` while the gateway is on 127.0.0.1: different sites, as in production.
  /** @type {DemoIdp[]} */
  const demoIdps = []
  /** @type {DemoOidc | null} */
  let demoOidc = null
  if (options.demoIdps ?? process.env.DEMO_IDPS !== '0') {
    const ports = {
      okta: Number(options.oktaPort ?? process.env.DEMO_OKTA_PORT ?? 8811),
      entra: Number(options.entraPort ?? process.env.DEMO_ENTRA_PORT ?? 8812),
    }
    try {
      for (const kind of /** @type {const} */ (['okta', 'entra'])) demoIdps.push(await startDemoIdpOnPort(kind, ports[kind], gatewayUrl, options.quiet))
      demoOidc = await startDemoOidcOnPort(Number(options.oidcPort ?? process.env.DEMO_OIDC_PORT ?? 8813), gatewayUrl, options.quiet)
    } catch (err) {
      portal.close()
      await Promise.all([dns.close(), ...demoIdps.map((idp) => idp.close())])
      throw err
    }
  }
  const vars = { PORTAL_ORIGIN: portalUrl, DOH_URL: dns.endpoint, ...options.vars }
  const args = [
    wranglerBin,
    'dev',
    // Both Workers in one local runtime, sharing D1, KV and the rate limiter; the gateway first.
    '-c',
    join(root, 'wrangler.toml'),
    '-c',
    devConsoleConfig(vars, gatewayPort),
    '--ip',
    '127.0.0.1',
    '--port',
    String(gatewayPort),
    '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
    ...(options.persistTo ? ['--persist-to', options.persistTo] : []),
  ]
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: options.quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', ...options.env },
    detached: true,
  })
  let output = ''
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  let stopped = false
  /** @type {Array<() => Promise<unknown>>} */
  const extraClosers = []
  const stop = async () => {
    if (stopped) return
    stopped = true
    portal.close()
    await Promise.all([dns.close(), ...demoIdps.map((idp) => idp.close()), demoOidc?.close(), ...extraClosers.map((close) => close())])
    if (child.exitCode === null) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM') // the whole group: wrangler and its workerd
      } catch {
        // already gone
      }
      await /** @type {Promise<void>} */ (
        new Promise((r) => {
          const t = setTimeout(() => {
            try {
              if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
            } catch {
              /* gone */
            }
            r()
          }, 5000)
          child.once('exit', () => {
            clearTimeout(t)
            r()
          })
        })
      )
    }
  }
  try {
    await waitFor(`${gatewayUrl}/sso/health`, 60_000)
  } catch (err) {
    await stop()
    throw new Error(`${messageOf(err)}\n${output}`)
  }
  /** @type {Partial<Record<DemoKind, StackIdp>> & { oidc?: StackOidcIdp }} */
  const idps = {}
  if (demoIdps.length) {
    /** @type {string[]} */
    let ids
    /** @type {string | null} */
    let oidcId = null
    try {
      ids = await registerWithGateway(gatewayUrl, demoIdps, options)
      const oidc = demoOidc
      if (oidc) oidcId = await withAdminToken(options, (token) => registerDemoOidc(gatewayUrl, token, oidc))
      // Each demo IdP's organization gets its domains verified, as its IT would through DNS.
      const domains = [...demoIdps.flatMap((idp) => DEMO_KINDS[idp.kind].emailDomains), ...(oidc ? DEMO_OIDC.emailDomains : [])]
      await withAdminToken(options, (token) => verifyDemoDomains(gatewayUrl, token, dns, domains))
    } catch (err) {
      await stop()
      throw err
    }
    demoIdps.forEach((idp, i) => {
      idps[idp.kind] = { id: /** @type {string} */ (ids[i]), name: idp.name, slug: idp.slug, url: idp.url, entityId: idp.entityId, users: idp.users }
    })
    if (demoOidc && oidcId) {
      const { name, slug, url, issuer, clientId, clientSecret, users } = demoOidc
      idps.oidc = { id: oidcId, name, slug, url, issuer, clientId, clientSecret, users }
    }
  }
  /** @type {{ url: string, entityId: string } | null} */
  let sp = null
  if (options.demoSp ?? (demoIdps.length > 0 && process.env.DEMO_SP !== '0')) {
    try {
      const demo = await startDemoSp({ port: Number(options.spPort ?? process.env.DEMO_SP_PORT ?? 8831), gatewayUrl })
      extraClosers.push(() => demo.close())
      await withAdminToken(options, async (token) => {
        await registerDemoSp(gatewayUrl, token, demo)
        await registerDemoZendesk(gatewayUrl, token, demo)
      })
      sp = { url: demo.url, entityId: demo.entityId }
    } catch (err) {
      await stop()
      throw err
    }
  }
  return { gatewayUrl, portalUrl, dns: { url: dns.url, endpoint: dns.endpoint }, idps, sp, stop, child, output: () => output }
}

/**
 * Runs `fn(token)` with the first admin token the gateway accepts (see registerWithGateway).
 * @template T
 * @param {StackOptions} options
 * @param {(token: string) => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withAdminToken(options, fn) {
  const candidates = [...new Set([readDevVarsAdminToken(), options.env?.ADMIN_TOKEN, process.env.ADMIN_TOKEN].filter(isNonEmpty))]
  /** @type {unknown} */
  let lastError = new Error('no ADMIN_TOKEN')
  for (const token of candidates) {
    try {
      return await fn(token)
    } catch (err) {
      lastError = err
      if (statusOf(err) !== 401) break
    }
  }
  throw lastError
}
