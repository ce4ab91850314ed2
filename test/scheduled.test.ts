import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { putSettings } from '../src/store/settings'

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
})
