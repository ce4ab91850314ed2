// Gateway settings (admin/settings.ts): a change is validated, stored in D1 and audited with the
// keys it changed; a refused change stores nothing. The webhook signing secret is write-only:
// stored sealed, answered only as hasWebhookSecret, required with a webhook URL.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { generateWebhookSecret, readSettings, updateSettings } from '../../src/admin/settings'
import { settingsInputFromForm } from '../../src/admin/settings-fields'
import { DEFAULT_SETTINGS, putSettings, readWebhookSecret } from '../../src/store/settings'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { lastAuditRow, testContext } from '../helpers/context'
import { seedIdp } from '../helpers/tenants'

const ctx = () => testContext({ actor: 'admin-token' })
/** What readSettings answers with nothing stored. */
const DEFAULTS = { ...DEFAULT_SETTINGS, hasWebhookSecret: false }
const invalidField = (field: string) => expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', detail: { field } })

async function auditCount(): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'settings.update'").first<{ n: number }>())!.n
}

/** The console's settings form filled with the stored values, as the page shows it. */
function formOf(s: typeof DEFAULT_SETTINGS): Record<string, string> {
  return {
    portalName: s.portalName,
    primaryColor: s.primaryColor,
    logoUrl: s.logoUrl ?? '',
    spEntityId: s.spEntityId,
    sessionLifetimeSeconds: String(s.sessionLifetimeSeconds),
    clockSkewSeconds: String(s.clockSkewSeconds),
    ...(s.allowSha1 ? { allowSha1: 'true' } : {}),
    adminAccess: s.adminAccess.map((p) => `${p.idpId}: ${p.group}`).join('\n'),
    auditRetentionDays: String(s.auditRetentionDays),
    'headerNames.subject': s.headerNames.subject,
    'headerNames.email': s.headerNames.email,
    'headerNames.name': s.headerNames.name,
    'headerNames.groups': s.headerNames.groups,
    'headerNames.idp': s.headerNames.idp,
    'headerNames.org': s.headerNames.org,
    'userHeader.name': s.userHeader?.name ?? '',
  }
}

const idp = (id: string, slug: string, organizationId?: string) =>
  seedIdp(env.DB, id, {
    name: slug,
    slug,
    entityId: `https://${slug}.test/saml`,
    ssoUrl: `https://${slug}.test/sso`,
    certificates: [TEST_IDP_CERT],
    organizationId,
  })

beforeEach(async () => {
  await env.DB.batch([env.DB.prepare('DELETE FROM settings'), env.DB.prepare('DELETE FROM audit_log'), env.DB.prepare('DELETE FROM idps')])
  // An empty change drops this isolate's settings cache, so the deletion is seen.
  await putSettings(env.DB, {}, new Date())
})

describe('readSettings', () => {
  it('gives the documented defaults when nothing is stored', async () => {
    expect(await readSettings(ctx())).toEqual(DEFAULTS)
  })
})

describe('updateSettings', () => {
  it('stores the change, returns the complete settings and audits the changed keys', async () => {
    await idp('idp_acme', 'acme-okta')
    const saved = await updateSettings(ctx(), { portalName: 'Acme Support', adminAccess: [{ idp: 'acme-okta', group: 'helpdesk-admins' }] }, 'api')
    expect(saved).toEqual({ ...DEFAULTS, portalName: 'Acme Support', adminAccess: [{ idpId: 'idp_acme', group: 'helpdesk-admins' }] })
    expect(await readSettings(ctx())).toEqual(saved)
    const stored = await env.DB.prepare('SELECT key FROM settings ORDER BY key').all<{ key: string }>()
    expect(stored.results.map((r) => r.key)).toEqual(['adminAccess', 'portalName'])
    expect(await auditCount()).toBe(1)
    expect(await lastAuditRow('settings.update')).toMatchObject({
      outcome: 'success',
      actor: 'admin-token',
      detail: { changed: ['portalName', 'adminAccess'], via: 'api' },
    })
  })

  it('sets a nullable setting back to its default with null', async () => {
    await updateSettings(ctx(), { logoUrl: 'https://cdn.acme.example/logo.png', userHeader: { name: 'X-Forwarded-User' } }, 'api')
    const saved = await updateSettings(ctx(), { logoUrl: null, userHeader: null }, 'console')
    expect(saved).toMatchObject({ logoUrl: null, userHeader: null })
    expect((await env.DB.prepare('SELECT COUNT(*) AS n FROM settings').first<{ n: number }>())!.n).toBe(0)
    expect((await lastAuditRow('settings.update'))!.detail).toEqual({ changed: ['logoUrl', 'userHeader'], via: 'console' })
  })

  it('stores nothing and audits no success when one value is refused', async () => {
    await expect(updateSettings(ctx(), { portalName: 'Acme', headerNames: { email: 'Cookie' } }, 'api')).rejects.toThrow(invalidField('headerNames.email'))
    await expect(updateSettings(ctx(), { portalName: 'Acme', sessionTimeout: 5 }, 'api')).rejects.toThrow(invalidField('sessionTimeout'))
    await expect(updateSettings(ctx(), ['portalName'], 'api')).rejects.toMatchObject({ code: 'ADMIN_INVALID_JSON' })
    expect(await readSettings(ctx())).toEqual(DEFAULTS)
    expect(await auditCount()).toBe(0)
  })

  it('applies a console form save', async () => {
    await idp('idp_acme', 'acme-okta')
    await idp('idp_globex', 'globex-entra', 'org_globex')
    const form = { ...formOf(DEFAULT_SETTINGS), portalName: 'Acme Support', adminAccess: 'acme-okta: helpdesk-admins\nglobex-entra : IT Admins' }
    const saved = await updateSettings(ctx(), settingsInputFromForm(form), 'console')
    expect(saved).toEqual({
      ...DEFAULTS,
      portalName: 'Acme Support',
      adminAccess: [
        { idpId: 'idp_acme', group: 'helpdesk-admins' },
        { idpId: 'idp_globex', group: 'IT Admins' },
      ],
    })
  })

  it('refuses an admin group that names no IdP, and the removed adminGroups setting', async () => {
    await idp('idp_acme', 'acme-okta')
    const form = { ...formOf(DEFAULT_SETTINGS), adminAccess: 'helpdesk-admins' }
    await expect(updateSettings(ctx(), settingsInputFromForm(form), 'console')).rejects.toThrow(invalidField('adminAccess[0].idp'))
    await expect(updateSettings(ctx(), { adminAccess: [{ idp: 'unknown', group: 'x' }] }, 'api')).rejects.toThrow(invalidField('adminAccess[0].idp'))
    await expect(updateSettings(ctx(), { adminGroups: ['helpdesk-admins'] }, 'api')).rejects.toThrow(invalidField('adminGroups'))
    expect(await auditCount()).toBe(0)
  })

  // The console form always sends every setting: the audit row lists only those whose value
  // changed, as IdP updates do (found by this test: it used to list every key sent).
  it('audits only the settings a console save really changed', async () => {
    await updateSettings(ctx(), settingsInputFromForm({ ...formOf(DEFAULT_SETTINGS), portalName: 'Acme Support' }), 'console')
    expect((await lastAuditRow('settings.update'))!.detail).toEqual({ changed: ['portalName'], via: 'console' })
  })
})

describe('the webhook settings', () => {
  const SECRET = 'whsec_a-typed-secret-of-some-length'

  it('stores the URL, and the secret only sealed: never in the answer, the stored row or the audit row', async () => {
    const saved = await updateSettings(ctx(), { webhookUrl: 'https://hooks.acme.example/sso', webhookSecret: SECRET }, 'api')
    expect(saved).toMatchObject({ webhookUrl: 'https://hooks.acme.example/sso', hasWebhookSecret: true })
    expect(JSON.stringify(saved)).not.toContain(SECRET)
    expect(JSON.stringify(await readSettings(ctx()))).not.toContain(SECRET)
    const rows = await env.DB.prepare('SELECT key, value FROM settings').all<{ key: string; value: string }>()
    expect(rows.results.map((r) => r.key).sort()).toEqual(['webhookSecretSealed', 'webhookUrl'])
    expect(JSON.stringify(rows.results)).not.toContain(SECRET)
    expect(await readWebhookSecret(env.DB, env.SSO_SECRET)).toBe(SECRET)
    const audit = await lastAuditRow('settings.update')
    expect(audit!.detail).toEqual({ changed: ['webhookUrl', 'webhookSecret'], via: 'api' })
    expect(JSON.stringify(audit)).not.toContain(SECRET)
  })

  it('refuses a webhook URL without a signing secret, and removing the secret while the URL is set', async () => {
    await expect(updateSettings(ctx(), { webhookUrl: 'https://hooks.acme.example/sso' }, 'api')).rejects.toThrow(invalidField('webhookSecret'))
    await updateSettings(ctx(), { webhookUrl: 'https://hooks.acme.example/sso', webhookSecret: SECRET }, 'api')
    await expect(updateSettings(ctx(), { webhookSecret: null }, 'api')).rejects.toThrow(invalidField('webhookSecret'))
    // Webhooks off first (URL empty), then the secret may go.
    await updateSettings(ctx(), { webhookUrl: null }, 'api')
    expect(await updateSettings(ctx(), { webhookSecret: null }, 'api')).toMatchObject({ webhookUrl: null, hasWebhookSecret: false })
  })

  it('refuses plain http to another host than loopback, with ADMIN_INVALID_FIELD', async () => {
    await expect(updateSettings(ctx(), { webhookUrl: 'http://hooks.acme.example/sso', webhookSecret: SECRET }, 'api')).rejects.toThrow(
      invalidField('webhookUrl'),
    )
    expect(await readSettings(ctx())).toEqual(DEFAULTS)
  })

  it('keeps the secret when the console form leaves the field empty', async () => {
    await updateSettings(ctx(), { webhookUrl: 'https://hooks.acme.example/sso', webhookSecret: SECRET }, 'api')
    const form = { ...formOf(DEFAULT_SETTINGS), webhookUrl: 'https://hooks.acme.example/v2', webhookSecret: '' }
    expect(await updateSettings(ctx(), settingsInputFromForm(form), 'console')).toMatchObject({
      webhookUrl: 'https://hooks.acme.example/v2',
      hasWebhookSecret: true,
    })
    expect(await readWebhookSecret(env.DB, env.SSO_SECRET)).toBe(SECRET)
  })

  it('generates a 256-bit secret, stores it sealed and audits that it changed (without it)', async () => {
    const secret = await generateWebhookSecret(ctx(), 'console')
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/)
    expect(await readWebhookSecret(env.DB, env.SSO_SECRET)).toBe(secret)
    expect((await readSettings(ctx())).hasWebhookSecret).toBe(true)
    const audit = await lastAuditRow('settings.update')
    expect(audit!.detail).toEqual({ changed: ['webhookSecret'], generated: true, via: 'console' })
    expect(JSON.stringify(audit)).not.toContain(secret)
    expect(await generateWebhookSecret(ctx(), 'console')).not.toBe(secret)
  })
})
