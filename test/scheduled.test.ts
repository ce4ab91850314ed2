import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { runMaintenance } from '../src/scheduled'
import { getDomain } from '../src/store/organizations'
import { createSession } from '../src/store/sessions'
import { putSettings } from '../src/store/settings'
import { lastAuditRow } from './helpers/context'
import { localDns } from './helpers/dns'
import { sampleSession } from './helpers/session'
import { seedOrganization } from './helpers/tenants'

describe('daily cron', () => {
  it('prunes expired replay rows and audit entries past retention, and audits itself', async () => {
    const now = Date.UTC(2026, 10, 26, 3, 17)
    const day = 86_400_000
    await putSettings(env.DB, { auditRetentionDays: 30 }, new Date(now))
    await env.DB.batch([
      env.DB.prepare('INSERT INTO consumed_assertions (issuer, assertion_id, expires_at, consumed_at) VALUES (?, ?, ?, ?)').bind(
        'urn:idp',
        'old',
        now - 1000,
        now - 5000,
      ),
      env.DB.prepare('INSERT INTO consumed_assertions (issuer, assertion_id, expires_at, consumed_at) VALUES (?, ?, ?, ?)').bind(
        'urn:idp',
        'live',
        now + 60_000,
        now - 5000,
      ),
      env.DB.prepare("INSERT INTO audit_log (at, actor, action, outcome) VALUES (?, 'x', 'login', 'success')").bind(now - 31 * day),
      env.DB.prepare("INSERT INTO audit_log (at, actor, action, outcome) VALUES (?, 'x', 'login', 'success')").bind(now - 29 * day),
    ])
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: '17 3 * * *' }), env, ctx)
    await waitOnExecutionContext(ctx)
    const ids = (await env.DB.prepare('SELECT assertion_id FROM consumed_assertions').all<{ assertion_id: string }>()).results.map((r) => r.assertion_id)
    expect(ids).toEqual(['live'])
    const logins = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'login'").first('n')
    expect(logins).toBe(1)
    const run = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'maintenance'").first<{ detail: string }>()
    expect(JSON.parse(run!.detail)).toMatchObject({ consumedAssertionsPruned: 1, auditEntriesPruned: 1, retentionDays: 30 })
  })

  it('prunes expired session index rows and checks pending domains with the injected resolver', async () => {
    const now = new Date(Date.UTC(2026, 10, 27, 3, 17))
    const stores = { kv: env.SESSIONS, db: env.DB }
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
    const indexed = (nameId: string, expiresAt: number) =>
      createSession(stores, sampleSession({ organizationId: 'org_cron', idpId: 'idp_cron', nameId, createdAt: expiresAt - 3600_000, expiresAt }), random, now)
    await indexed('gone-1@cron.example', now.getTime() - 1000)
    await indexed('gone-2@cron.example', now.getTime() - 86_400_000)
    await indexed('live@cron.example', now.getTime() + 3600_000)

    // seedOrganization gives pending domains the token `token-<domain>`.
    await seedOrganization({ id: 'org_cron', domains: ['already.example'], pendingDomains: ['published.example', 'unpublished.example'] })
    const dns = localDns()
    dns.publish('_edge-sso-challenge.published.example', 'edge-sso-verify=token-published.example')

    const report = await runMaintenance(env, now, { resolveTxt: dns.resolver })
    expect(report).toMatchObject({ sessionIndexPruned: 2, domainsChecked: 2, domainsVerified: 1 })
    const subjects = await env.DB.prepare("SELECT subject FROM session_index WHERE organization_id = 'org_cron'").all<{ subject: string }>()
    expect(subjects.results.map((r) => r.subject)).toEqual(['acme-okta:live@cron.example'])
    expect(await getDomain(env.DB, 'published.example')).toMatchObject({ status: 'verified', verificationMethod: 'dns', verifiedAt: now })
    expect(await getDomain(env.DB, 'unpublished.example')).toMatchObject({
      status: 'pending',
      lastCheckedAt: now,
      lastCheckError: 'no TXT record at _edge-sso-challenge.unpublished.example yet',
    })
    // A verified domain is not looked up again.
    expect([...dns.queries].sort()).toEqual(['_edge-sso-challenge.published.example', '_edge-sso-challenge.unpublished.example'])
    expect(await lastAuditRow('domain.verify')).toMatchObject({ actor: 'cron', outcome: 'failure', code: 'ADMIN_DOMAIN_NOT_VERIFIED' })
    expect(await lastAuditRow('maintenance')).toMatchObject({
      actor: 'cron',
      outcome: 'success',
      detail: { sessionIndexPruned: 2, domainsChecked: 2, domainsVerified: 1 },
    })
  })

  it('deletes retired SP keys past their overlap, audits which, and reports how many', async () => {
    const now = Date.UTC(2026, 10, 28, 3, 17)
    const day = 86_400_000
    const key = (id: string, use: string, status: string, retiredAt: number | null) =>
      env.DB.prepare(
        'INSERT INTO sp_keys (id, use, algorithm, certificate_pem, private_key_sealed, status, not_after, retired_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).bind(id, use, 'RSA-2048', 'cert', 'sealed', status, now + 3650 * day, retiredAt, now - 60 * day)
    await env.DB.batch([
      key('spk_b_retired', 'broker', 'retired', now - 2 * day),
      key('spk_b_active', 'broker', 'active', null),
      // Retired two days ago: IdPs may still encrypt to it, so it still decrypts and stays.
      key('spk_e_recent', 'encryption', 'retired', now - 2 * day),
      key('spk_e_old', 'encryption', 'retired', now - 31 * day),
    ])
    const report = await runMaintenance(env, new Date(now), { resolveTxt: localDns().resolver })
    expect(report.spKeysPruned).toBe(2)
    const ids = (await env.DB.prepare("SELECT id FROM sp_keys WHERE id LIKE 'spk_%' ORDER BY id").all<{ id: string }>()).results.map((r) => r.id)
    expect(ids).toEqual(['spk_b_active', 'spk_e_recent'])
    expect(await lastAuditRow('sp-key.prune')).toMatchObject({
      actor: 'cron',
      outcome: 'success',
      detail: {
        keys: [
          { id: 'spk_e_old', use: 'encryption', retiredAt: new Date(now - 31 * day).toISOString() },
          { id: 'spk_b_retired', use: 'broker', retiredAt: new Date(now - 2 * day).toISOString() },
        ],
      },
    })
    expect(await lastAuditRow('maintenance')).toMatchObject({ detail: { spKeysPruned: 2 } })
  })
})
