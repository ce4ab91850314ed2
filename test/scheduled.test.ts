import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { queueEvent } from '../src/events/emit'
import worker from '../src/console'
import { MAINTENANCE_TIME_UTC, maintenanceDueSince, runMaintenance, runScheduled } from '../src/scheduled'
import { getDomain } from '../src/store/organizations'
import { createSession } from '../src/store/sessions'
import { putSettings } from '../src/store/settings'
import { lastAuditRow, testContext } from './helpers/context'
import { localDns } from './helpers/dns'
import { sampleSession } from './helpers/session'
import { faultyD1 } from './helpers/storage'
import { seedOrganization } from './helpers/tenants'
import { configureWebhook, webhookReceiver } from './helpers/webhooks'

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

describe('the 5-minute cron', () => {
  const at = (iso: string) => new Date(iso)
  const maintenanceRows = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'maintenance'").first<{ n: number }>())!.n
  const deps = { resolveTxt: localDns().resolver }

  beforeEach(async () => {
    await env.DB.batch([env.DB.prepare('DELETE FROM scheduled_jobs'), env.DB.prepare('DELETE FROM webhook_events')])
    await configureWebhook(false)
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('is due from 03:15 UTC on: before that, the previous day’s 03:15 counts', () => {
    expect(maintenanceDueSince(at('2031-10-01T03:14:59Z'))).toEqual(at('2031-09-30T03:15:00Z'))
    expect(maintenanceDueSince(at('2031-10-01T03:15:00Z'))).toEqual(at('2031-10-01T03:15:00Z'))
    expect(maintenanceDueSince(at('2031-10-01T23:55:00Z'))).toEqual(at('2031-10-01T03:15:00Z'))
    expect(MAINTENANCE_TIME_UTC).toEqual({ hour: 3, minute: 15 })
  })

  it('runs the maintenance once a day, on the first run from 03:15 UTC on, and on the very first run', async () => {
    // The very first run after a deploy (no claim yet) maintains at once, whatever the hour.
    expect((await runScheduled(env, at('2031-10-01T14:00:00Z'), deps)).maintenance).not.toBeNull()
    const before = await maintenanceRows()
    for (const time of ['2031-10-01T14:05:00Z', '2031-10-01T23:55:00Z', '2031-10-02T03:10:00Z'])
      expect((await runScheduled(env, at(time), deps)).maintenance, time).toBeNull()
    expect((await runScheduled(env, at('2031-10-02T03:15:00Z'), deps)).maintenance).not.toBeNull()
    for (const time of ['2031-10-02T03:20:00Z', '2031-10-02T12:00:00Z']) expect((await runScheduled(env, at(time), deps)).maintenance, time).toBeNull()
    // A missed window (no run at 03:15, e.g. an outage) is caught up by the next run.
    expect((await runScheduled(env, at('2031-10-03T04:40:00Z'), deps)).maintenance).not.toBeNull()
    expect(await maintenanceRows()).toBe(before + 2)
  })

  it('lets one of two overlapping runs do the maintenance', async () => {
    const reports = await Promise.all([runScheduled(env, at('2031-10-05T03:15:00Z'), deps), runScheduled(env, at('2031-10-05T03:15:00Z'), deps)])
    expect(reports.filter((r) => r.maintenance !== null)).toHaveLength(1)
  })

  it('gives the claim back when the maintenance fails, so the next run tries again', async () => {
    const failing = { ...env, DB: faultyD1(env.DB, { fails: /consumed_assertions/ }) }
    await expect(runScheduled(failing, at('2031-10-07T03:15:00Z'), deps)).rejects.toThrow(/consumed_assertions/)
    expect((await runScheduled(env, at('2031-10-07T03:20:00Z'), deps)).maintenance).not.toBeNull()
  })

  it('delivers the outbox on every run, maintenance or not, and retries on the schedule', async () => {
    await configureWebhook(true)
    await runScheduled(env, at('2031-10-09T03:15:00Z'), deps)
    const receiver = webhookReceiver()
    receiver.respond = () => new Response('down', { status: 500 })
    const id = (await queueEvent(testContext({ clock: () => at('2031-10-09T10:01:00Z') }), 'webhook.test', {}))!
    expect((await runScheduled(env, at('2031-10-09T10:05:00Z'), deps)).outbox).toEqual({ attempted: 1, delivered: 0, retrying: 1, failed: 0 })
    // Next attempt due 1 minute after the failure: the next 5-minute run makes it.
    receiver.respond = () => new Response(null, { status: 204 })
    const report = await runScheduled(env, at('2031-10-09T10:10:00Z'), deps)
    expect(report).toEqual({ outbox: { attempted: 1, delivered: 1, retrying: 0, failed: 0 }, maintenance: null })
    expect(receiver.requests.map((r) => r.headers.get('webhook-id'))).toEqual([id, id])
  })

  it('drives the outbox from the Worker entry with cron */5, and keeps the maintenance to its daily run', async () => {
    await configureWebhook(true)
    await runScheduled(env, at('2031-10-11T03:15:00Z'), deps)
    const before = await maintenanceRows()
    const receiver = webhookReceiver()
    await queueEvent(testContext({ clock: () => at('2031-10-11T10:00:00Z') }), 'webhook.test', {})
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ scheduledTime: at('2031-10-11T10:05:00Z').getTime(), cron: '*/5 * * * *' }), env, ctx)
    await waitOnExecutionContext(ctx)
    expect(receiver.requests).toHaveLength(1)
    // Signed at the run's time (the scheduled time plus what the run took).
    expect(Number(receiver.requests[0]!.headers.get('webhook-timestamp'))).toBeGreaterThanOrEqual(at('2031-10-11T10:05:00Z').getTime() / 1000)
    expect(await maintenanceRows()).toBe(before)
  })

  it('prunes webhook events after 30 days in the daily maintenance', async () => {
    const now = at('2031-10-13T03:15:00Z')
    await configureWebhook(true)
    await queueEvent(testContext({ clock: () => new Date(now.getTime() - 31 * 86_400_000) }), 'webhook.test', {})
    const recent = await queueEvent(testContext({ clock: () => new Date(now.getTime() - 29 * 86_400_000) }), 'webhook.test', {})
    await configureWebhook(false)
    const report = await runMaintenance(env, now, deps)
    expect(report.eventsPruned).toBe(1)
    expect((await env.DB.prepare('SELECT id FROM webhook_events').all<{ id: string }>()).results.map((r) => r.id)).toEqual([recent])
  })
})
