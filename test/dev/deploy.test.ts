// `npm run deploy` (scripts/deploy.mjs) against a stand-in wrangler: both Workers (the gateway and
// the console), the order of steps on a fresh account and on an existing one (migrations before
// the new code when the database exists), the same secrets on both Workers, generated only when
// missing on both and printed once, the upgrade from one Worker (the console's secrets from the
// environment), the console deployed on the gateway's KV namespace, a dry run that needs no
// account and enforces the gateway's bundle budget, and a failing step that stops everything after
// it. The real dry run is part of `npm test`.
import { describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { bundleSize, configuredKvId, deploy, KV_TITLE, readConsoleConfig, REQUIRED_SECRETS } from '../../scripts/deploy.mjs'

type Call = { args: string[]; input?: string }
type Worker = 'gateway' | 'console'

const KV_ID = '0123456789abcdef0123456789abcdef'
const TOML_WITHOUT_IDS = '[[kv_namespaces]]\nbinding = "SESSIONS"\n'

function fakeWrangler(account: { databaseExists: boolean; secrets: Record<Worker, string[]>; fail?: string; missing?: Worker[]; listFails?: Worker }) {
  const calls: Call[] = []
  const values: Record<Worker, Record<string, string>> = { gateway: {}, console: {} }
  const run = (args: string[], input?: string) => {
    calls.push({ args, ...(input !== undefined ? { input } : {}) })
    const cmd = args.join(' ')
    const worker: Worker = args.includes('--config') ? 'console' : 'gateway'
    if (account.fail && cmd.startsWith(account.fail)) return { status: 1, stdout: '', stderr: 'boom' }
    if (cmd === 'd1 info edge-sso') return { status: account.databaseExists ? 0 : 1, stdout: '', stderr: '' }
    if (args[0] === 'secret' && args[1] === 'list' && account.missing?.includes(worker))
      return {
        status: 1,
        stdout: '',
        stderr: `✘ [ERROR] Worker "edge-sso-${worker}" not found.\n\nIf this is a new Worker, run \`wrangler deploy\` first to create it.`,
      }
    if (args[0] === 'secret' && args[1] === 'list' && account.listFails === worker)
      return { status: 1, stdout: '', stderr: '✘ [ERROR] A request to the Cloudflare API failed (429)' }
    if (args[0] === 'secret' && args[1] === 'list')
      return { status: 0, stdout: JSON.stringify(account.secrets[worker].map((name) => ({ name, type: 'secret_text' }))), stderr: '' }
    if (args[0] === 'secret' && args[1] === 'put') {
      account.secrets[worker].push(args[2]!)
      values[worker][args[2]!] = input!
    }
    if (cmd === 'kv namespace list')
      return {
        status: 0,
        stdout: JSON.stringify([
          { id: 'ffffffffffffffffffffffffffffffff', title: 'other' },
          { id: KV_ID, title: KV_TITLE },
        ]),
        stderr: '',
      }
    return { status: 0, stdout: '', stderr: '' }
  }
  return { calls, run, values }
}

const commands = (calls: Call[]) => calls.map((c) => c.args.join(' '))

/** deploy() with the stand-in, the console's real configuration, and the generated one kept in memory. */
async function runDeploy(w: ReturnType<typeof fakeWrangler>, options: Parameters<typeof deploy>[0] = {}) {
  const written: Record<string, Record<string, any>> = {}
  const lines: string[] = []
  const result = await deploy({
    run: w.run,
    log: (l) => lines.push(l),
    env: {},
    gatewayToml: TOML_WITHOUT_IDS,
    writeConfig: (name, config) => {
      written[name] = config
      return `/tmp/generated/${name}`
    },
    ...options,
  })
  return { result, lines, written }
}

describe('npm run deploy', () => {
  it('on a fresh account: the same generated secrets on both Workers (printed once), the gateway (creating D1 and KV), migrations, then the console on its KV', async () => {
    const w = fakeWrangler({ databaseExists: false, secrets: { gateway: [], console: [] }, missing: ['gateway', 'console'] })
    let n = 0
    const { result, lines, written } = await runDeploy(w, { secret: () => `secret-${++n}-${'x'.repeat(40)}` })
    // wrangler refuses to deploy a Worker without its required secrets: they come first (and
    // create the console Worker, so the gateway's service binding finds it).
    expect(commands(w.calls)).toEqual([
      'whoami',
      'secret list --format json',
      'secret list --format json --config wrangler.console.jsonc',
      'secret put ADMIN_TOKEN',
      'secret put ADMIN_TOKEN --config wrangler.console.jsonc',
      'secret put SSO_SECRET',
      'secret put SSO_SECRET --config wrangler.console.jsonc',
      'd1 info edge-sso',
      'deploy',
      'd1 migrations apply DB --remote',
      'kv namespace list',
      'deploy --config /tmp/generated/wrangler.console.json',
    ])
    expect(w.values.gateway).toEqual(w.values.console)
    expect(Object.values(w.values.gateway).every((v) => v.length >= 32)).toBe(true)
    expect(result.generated).toEqual(REQUIRED_SECRETS)
    expect(lines.filter((l) => l.includes('secret-1-'))).toHaveLength(1)
    // The console's configuration, with the gateway's namespace and paths that hold from .wrangler/deploy/.
    const config = written['wrangler.console.json']!
    expect(config.name).toBe('edge-sso-console')
    expect(config.kv_namespaces).toEqual([{ binding: 'SESSIONS', id: KV_ID }])
    expect(isAbsolute(config.main)).toBe(true)
    expect(config.main).toMatch(/src\/console\.ts$/)
    expect(config.d1_databases[0]).toMatchObject({ binding: 'DB', database_name: 'edge-sso' })
    expect(config.workers_dev).toBe(false)
  })

  it('run again: migrates before the new code, the console before the gateway that passes to it, and leaves the secrets alone', async () => {
    const w = fakeWrangler({ databaseExists: true, secrets: { gateway: [...REQUIRED_SECRETS], console: [...REQUIRED_SECRETS] } })
    const { result, lines } = await runDeploy(w)
    expect(commands(w.calls)).toEqual([
      'whoami',
      'secret list --format json',
      'secret list --format json --config wrangler.console.jsonc',
      'd1 info edge-sso',
      'd1 migrations apply DB --remote',
      'kv namespace list',
      'deploy --config /tmp/generated/wrangler.console.json',
      'deploy',
    ])
    expect(result.generated).toEqual([])
    expect(lines.join('\n')).toContain('set on both Workers (unchanged)')
  })

  it('upgrading from one Worker: refuses to invent a second value, and sets the kept one on the console', async () => {
    const upgrade = () => fakeWrangler({ databaseExists: true, secrets: { gateway: [...REQUIRED_SECRETS], console: [] } })
    const refused = upgrade()
    await expect(runDeploy(refused)).rejects.toThrow(/The console Worker has no ADMIN_TOKEN .*ADMIN_TOKEN=<the value you kept> npm run deploy/)
    expect(commands(refused.calls).filter((c) => c.startsWith('secret put') || c.startsWith('deploy'))).toEqual([])

    // One kept value is not enough: nothing is set until both are settled.
    const half = upgrade()
    await expect(runDeploy(half, { env: { ADMIN_TOKEN: 'kept-admin-token-0123456789abcdef0123' } })).rejects.toThrow(/The console Worker has no SSO_SECRET/)
    expect(commands(half.calls).filter((c) => c.startsWith('secret put') || c.startsWith('deploy'))).toEqual([])

    const w = upgrade()
    const { result } = await runDeploy(w, {
      env: { ADMIN_TOKEN: 'kept-admin-token-0123456789abcdef0123', SSO_SECRET: 'kept-sso-secret-0123456789abcdef0123456789' },
    })
    expect(result.generated).toEqual([])
    expect(w.values.gateway).toEqual({})
    expect(w.values.console).toEqual({ ADMIN_TOKEN: 'kept-admin-token-0123456789abcdef0123', SSO_SECRET: 'kept-sso-secret-0123456789abcdef0123456789' })
  })

  it("stops when a Worker's secrets cannot be listed for another reason than its absence, before setting anything", async () => {
    const w = fakeWrangler({ databaseExists: true, secrets: { gateway: [], console: [] }, listFails: 'console' })
    await expect(runDeploy(w)).rejects.toThrow(/could not list the console Worker's secrets.*429/s)
    expect(commands(w.calls).filter((c) => c.startsWith('secret put') || c.startsWith('deploy'))).toEqual([])
  })

  it("gives the console the operator's [vars] from wrangler.toml", async () => {
    const w = fakeWrangler({ databaseExists: true, secrets: { gateway: [...REQUIRED_SECRETS], console: [...REQUIRED_SECRETS] } })
    const toml = `${TOML_WITHOUT_IDS}\n[vars]\nPORTAL_ORIGIN = "https://portal.internal.example" # the portal's own host\nDOH_URL = "https://dns.example/dns-query"\n\n[secrets]\nrequired = ["SSO_SECRET"]\n`
    const { written } = await runDeploy(w, { gatewayToml: toml })
    expect(written['wrangler.console.json']!.vars).toEqual({ PORTAL_ORIGIN: 'https://portal.internal.example', DOH_URL: 'https://dns.example/dns-query' })
  })

  it('uses the KV id that wrangler wrote back into wrangler.toml', async () => {
    const toml = `[[d1_databases]]\nbinding = "DB"\nid = "ffffffffffffffffffffffffffffffff"\n\n[[kv_namespaces]]\nbinding = "SESSIONS"\nid = "${KV_ID}"\n`
    expect(configuredKvId(toml)).toBe(KV_ID)
    expect(configuredKvId(TOML_WITHOUT_IDS)).toBeNull()
    const w = fakeWrangler({ databaseExists: true, secrets: { gateway: [...REQUIRED_SECRETS], console: [...REQUIRED_SECRETS] } })
    const { written } = await runDeploy(w, { gatewayToml: toml })
    expect(commands(w.calls)).not.toContain('kv namespace list')
    expect(written['wrangler.console.json']!.kv_namespaces).toEqual([{ binding: 'SESSIONS', id: KV_ID }])
  })

  it('reads the console configuration the repository ships: no route, no workers.dev or preview address', () => {
    const config = readConsoleConfig()
    expect(config).toMatchObject({ name: 'edge-sso-console', main: 'src/console.ts', workers_dev: false, preview_urls: false })
    expect(config).not.toHaveProperty('routes')
    expect(config.durable_objects.bindings).toEqual([{ name: 'RATE_LIMITER', class_name: 'RateLimiter', script_name: 'edge-sso-gateway' }])
  })

  it('builds both Workers without an account on --dry-run, and fails when the gateway bundle it must measure is missing', async () => {
    const w = fakeWrangler({ databaseExists: false, secrets: { gateway: [], console: [] } })
    await runDeploy(w, { dryRun: true, measure: () => ({ rawBytes: 1, gzipBytes: 1 }) })
    expect(commands(w.calls)).toEqual(['deploy --dry-run --outdir dist', 'deploy --dry-run --config wrangler.console.jsonc --outdir dist/console'])
    await expect(
      runDeploy(fakeWrangler({ databaseExists: false, secrets: { gateway: [], console: [] } }), { dryRun: true, measure: () => null }),
    ).rejects.toThrow(/bundle is missing/)
  })

  it('prints both bundle sizes of a dry run, and fails when the gateway is over its 150 KiB gzip budget', async () => {
    const sizes = (gatewayKib: number) => (dir: string) =>
      dir.endsWith('console') ? { rawBytes: 500 * 1024, gzipBytes: 170 * 1024 } : { rawBytes: 400 * 1024, gzipBytes: gatewayKib * 1024 }
    const ok = await runDeploy(fakeWrangler({ databaseExists: false, secrets: { gateway: [], console: [] } }), { dryRun: true, measure: sizes(135) })
    expect(ok.lines).toContain('Gateway bundle: 400.0 KiB raw, 135.0 KiB gzip (budget < 150 KiB gzip: met).')
    expect(ok.lines.some((l) => l.startsWith('Console bundle: 500.0 KiB raw, 170.0 KiB gzip'))).toBe(true)
    await expect(
      runDeploy(fakeWrangler({ databaseExists: false, secrets: { gateway: [], console: [] } }), { dryRun: true, measure: sizes(151) }),
    ).rejects.toThrow(/gateway's bundle is 151.0 KiB gzip, over its 150 KiB budget/)
  })

  it('measures a bundle raw and gzip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sso-bundle-'))
    try {
      const code = 'export default { fetch() { return new Response("ok") } }\n'.repeat(100)
      writeFileSync(join(dir, 'index.js'), code)
      writeFileSync(join(dir, 'console.js'), code.slice(0, 100))
      const size = bundleSize(dir)!
      expect(size.rawBytes).toBe(code.length)
      expect(size.gzipBytes).toBeGreaterThan(0)
      expect(size.gzipBytes).toBeLessThan(size.rawBytes / 10)
      expect(bundleSize(dir, 'console.js')!.rawBytes).toBe(100)
      expect(bundleSize(join(dir, 'missing'))).toBeNull()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('stops at a failing step, naming it', async () => {
    const w = fakeWrangler({ databaseExists: true, secrets: { gateway: [...REQUIRED_SECRETS], console: [...REQUIRED_SECRETS] }, fail: 'd1 migrations' })
    await expect(runDeploy(w)).rejects.toThrow(/migrations failed/)
    expect(commands(w.calls).filter((c) => c.startsWith('deploy'))).toEqual([])
  })
})
