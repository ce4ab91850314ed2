// `npm run deploy` (scripts/deploy.mjs) against a stand-in wrangler: the order of steps on a fresh
// account and on an existing one (migrations before the new code when the database exists),
// secrets generated only when missing and printed once, a dry run that needs no account, and a
// failing step that stops everything after it. The real dry run is part of `npm test`.
import { describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundleSize, deploy, REQUIRED_SECRETS } from '../../scripts/deploy.mjs'

type Call = { args: string[]; input?: string }

function fakeWrangler(account: { databaseExists: boolean; secrets: string[]; fail?: string; workerExists?: boolean }) {
  const calls: Call[] = []
  const run = (args: string[], input?: string) => {
    calls.push({ args, ...(input !== undefined ? { input } : {}) })
    const cmd = args.join(' ')
    if (account.fail && cmd.startsWith(account.fail)) return { status: 1, stdout: '', stderr: 'boom' }
    if (cmd === 'd1 info edge-sso') return { status: account.databaseExists ? 0 : 1, stdout: '', stderr: '' }
    if (cmd === 'secret list --format json')
      return { status: 0, stdout: JSON.stringify(account.secrets.map((name) => ({ name, type: 'secret_text' }))), stderr: '' }
    if (args[0] === 'secret' && args[1] === 'put') account.secrets.push(args[2]!)
    return { status: 0, stdout: '', stderr: '' }
  }
  return { calls, run }
}

const commands = (calls: Call[]) => calls.map((c) => c.args.join(' '))

describe('npm run deploy', () => {
  it('on a fresh account: sets both secrets first (printed once), deploys (creating D1 and KV), then migrates', async () => {
    const w = fakeWrangler({ databaseExists: false, secrets: [], workerExists: false })
    const lines: string[] = []
    let n = 0
    const result = await deploy({ run: w.run, log: (l) => lines.push(l), secret: () => `secret-${++n}-${'x'.repeat(40)}` })
    // wrangler refuses to deploy a Worker without its required secrets: they come first.
    expect(commands(w.calls)).toEqual([
      'whoami',
      'secret list --format json',
      'secret put ADMIN_TOKEN',
      'secret put SSO_SECRET',
      'd1 info edge-sso',
      'deploy',
      'd1 migrations apply DB --remote',
    ])
    expect(w.calls.filter((c) => c.input).map((c) => c.input!.length >= 32)).toEqual([true, true])
    expect(result.generated).toEqual(REQUIRED_SECRETS)
    expect(lines.filter((l) => l.includes('secret-1-'))).toHaveLength(1)
  })

  it('run again: migrates before the new code, and leaves the secrets alone', async () => {
    const w = fakeWrangler({ databaseExists: true, secrets: ['ADMIN_TOKEN', 'SSO_SECRET'] })
    const lines: string[] = []
    const result = await deploy({ run: w.run, log: (l) => lines.push(l) })
    expect(commands(w.calls)).toEqual(['whoami', 'secret list --format json', 'd1 info edge-sso', 'd1 migrations apply DB --remote', 'deploy'])
    expect(result.generated).toEqual([])
    expect(lines.join('\n')).toContain('set already')
  })

  it('sets only the secret that is missing', async () => {
    const w = fakeWrangler({ databaseExists: true, secrets: ['ADMIN_TOKEN'] })
    expect((await deploy({ run: w.run, log: () => {} })).generated).toEqual(['SSO_SECRET'])
  })

  it('builds without an account on --dry-run', async () => {
    const w = fakeWrangler({ databaseExists: false, secrets: [] })
    await deploy({ run: w.run, dryRun: true, log: () => {}, measure: () => null })
    expect(commands(w.calls)).toEqual(['deploy --dry-run --outdir dist'])
  })

  it('prints the bundle size of a dry run, raw and gzip, against the 150 KiB gzip target', async () => {
    const w = fakeWrangler({ databaseExists: false, secrets: [] })
    const lines: string[] = []
    await deploy({ run: w.run, dryRun: true, log: (l) => lines.push(l), measure: () => ({ rawBytes: 600 * 1024, gzipBytes: 190 * 1024 }) })
    expect(lines).toContain('Bundle: 600.0 KiB raw, 190.0 KiB gzip (target < 150 KiB gzip: not yet met).')
  })

  it('measures a bundle raw and gzip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sso-bundle-'))
    try {
      const code = 'export default { fetch() { return new Response("ok") } }\n'.repeat(100)
      writeFileSync(join(dir, 'index.js'), code)
      const size = bundleSize(dir)!
      expect(size.rawBytes).toBe(code.length)
      expect(size.gzipBytes).toBeGreaterThan(0)
      expect(size.gzipBytes).toBeLessThan(size.rawBytes / 10)
      expect(bundleSize(join(dir, 'missing'))).toBeNull()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('stops at a failing step, naming it', async () => {
    const w = fakeWrangler({ databaseExists: true, secrets: [], fail: 'd1 migrations' })
    await expect(deploy({ run: w.run, log: () => {} })).rejects.toThrow(/migrations failed/)
    expect(commands(w.calls)).not.toContain('deploy')
  })
})
