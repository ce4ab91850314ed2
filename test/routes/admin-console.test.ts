import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { COPY_SCRIPT } from '../../src/ui/copy-button'
import { RSA_ESCAPES_CERT } from '../fixtures/x509'
import { hiddenValue, TestBrowser } from '../helpers/browser-fetch'

async function signedIn(): Promise<{ browser: TestBrowser; csrf: string }> {
  const browser = new TestBrowser()
  const login = await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN, next: '/sso/admin/idps' } })
  expect(login.status).toBe(303)
  expect(login.headers.get('location')).toBe('/sso/admin/idps')
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith('__Host-sso_admin='))!
  expect(cookie).toMatch(/HttpOnly/i)
  expect(cookie).toMatch(/Secure/i)
  expect(cookie).toMatch(/SameSite=Lax/i)
  const page = await browser.fetch('/sso/admin/idps')
  expect(page.status).toBe(200)
  return { browser, csrf: hiddenValue(await page.text(), '_csrf') }
}

const manual = {
  name: 'Globex (Entra ID)',
  entityId: 'https://sts.windows.net/globex/',
  ssoUrl: 'https://login.microsoftonline.com/globex/saml2',
  ssoBinding: 'post',
  certificates: RSA_ESCAPES_CERT,
  emailDomains: 'globex.example, globex.co.uk',
  allowedGroups: '',
  showOnSelection: 'true',
  isDefault: 'false',
  wantAssertionsSigned: 'true',
  signAuthnRequests: 'false',
  allowIdpInitiated: 'false',
  allowSha1: 'false',
  clockSkewSeconds: '180',
  preset: 'entra',
}

describe('admin console access', () => {
  it('sends anonymous visitors to the sign-in form', async () => {
    const res = await new TestBrowser().fetch('/sso/admin/idps')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/sso/admin/login?next=%2Fsso%2Fadmin%2Fidps')
  })

  it('refuses a wrong token with 401 and audits it', async () => {
    const res = await new TestBrowser().fetch('/sso/admin/login', { form: { token: 'guess' }, headers: { 'cf-connecting-ip': '192.0.2.44' } })
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('That is not the admin token.')
    const row = await env.DB.prepare("SELECT code, ip FROM audit_log WHERE action = 'admin.auth' AND ip = '192.0.2.44'").first()
    expect(row).toMatchObject({ code: 'ADMIN_TOKEN_INVALID' })
  })

  it('rejects state-changing forms without the CSRF token or from another site', async () => {
    const { browser, csrf } = await signedIn()
    const noToken = await browser.fetch('/sso/admin/settings', { form: { portalName: 'X' }, headers: { accept: 'application/json' } })
    expect(noToken.status).toBe(403)
    expect((await noToken.json<{ error: { code: string } }>()).error.code).toBe('ADMIN_CSRF_REJECTED')
    const crossSite = await browser.fetch('/sso/admin/settings', {
      form: { portalName: 'X', _csrf: csrf },
      crossSite: true,
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', accept: 'application/json' },
    })
    expect(crossSite.status).toBe(403)
    expect((await crossSite.json<{ error: { code: string } }>()).error.code).toBe('ADMIN_CSRF_REJECTED')
  })

  it('signs out and ends the session', async () => {
    const { browser, csrf } = await signedIn()
    const out = await browser.fetch('/sso/admin/logout', { form: { _csrf: csrf } })
    expect(out.status).toBe(303)
    expect((await browser.fetch('/sso/admin/idps')).status).toBe(303)
  })
})

describe('managing IdPs in the console', () => {
  it('adds an IdP by hand with a preset, shows setup values, and audits it', async () => {
    const { browser, csrf } = await signedIn()
    const created = await browser.fetch('/sso/admin/idps', { form: { ...manual, _csrf: csrf } })
    expect(created.status).toBe(303)
    const location = created.headers.get('location')!
    expect(location).toMatch(/^\/sso\/admin\/idps\/idp_[0-9a-f]+\?flash=created$/)
    const page = await (await browser.fetch(location)).text()
    expect(page).toContain('Identity provider added.')
    expect(page).toContain('value="https://support.example.com/sso/acs"')
    expect(page).toContain('value="https://support.example.com/sso/metadata"')
    expect(page).toContain('value="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"')
    const row = await env.DB.prepare("SELECT * FROM idps WHERE slug = 'globex-entra-id'").first<Record<string, unknown>>()
    expect(row).toMatchObject({ sso_binding: 'post', email_domains: '["globex.example","globex.co.uk"]' })
    expect(await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'idp.create'").first('n')).toBe(1)
  })

  it('shows the error next to the field and keeps what was typed', async () => {
    const { browser, csrf } = await signedIn()
    const res = await browser.fetch('/sso/admin/idps', { form: { ...manual, ssoUrl: 'ftp://nope', name: 'Keep me', _csrf: csrf } })
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toMatch(/data-error-for="ssoUrl">ssoUrl: must be an absolute URL|data-error-for="ssoUrl">ssoUrl: must be an https:\/\/ URL/)
    expect(html).toContain('value="Keep me"')
    expect(html).toContain('aria-invalid="true"')
    // The same failure the API would audit, from the console.
    const row = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'idp.create' AND outcome = 'failure' ORDER BY id DESC").first<
      Record<string, unknown>
    >()
    expect(row).toMatchObject({ code: 'ADMIN_INVALID_FIELD', actor: 'admin-token' })
    expect(JSON.parse(String(row!.detail))).toMatchObject({ field: 'ssoUrl' })
  })

  it('toggles, makes default, reorders and deletes', async () => {
    const { browser, csrf } = await signedIn()
    for (const [name, entityId] of [
      ['First', 'urn:first'],
      ['Second', 'urn:second'],
    ]) {
      expect((await browser.fetch('/sso/admin/idps', { form: { ...manual, name: name!, entityId: entityId!, emailDomains: '', _csrf: csrf } })).status).toBe(
        303,
      )
    }
    const ids = async () =>
      (
        await env.DB.prepare('SELECT id, slug, enabled, is_default FROM idps ORDER BY sort_order, name').all<{
          id: string
          slug: string
          enabled: number
          is_default: number
        }>()
      ).results.filter((r) => ['first', 'second'].includes(r.slug))
    const [first, second] = await ids()
    expect([first!.slug, second!.slug]).toEqual(['first', 'second'])
    await browser.fetch(`/sso/admin/idps/${second!.id}/move`, { form: { direction: 'up', _csrf: csrf } })
    expect((await ids()).map((r) => r.slug)).toEqual(['second', 'first'])
    // New IdPs are drafts: enabling waits for a passed test sign-in (admin-console.drafts.test.ts).
    expect((await browser.fetch(`/sso/admin/idps/${first!.id}/toggle`, { form: { _csrf: csrf } })).status).toBe(409)
    await env.DB.prepare('UPDATE idps SET tested_at = ? WHERE id = ?').bind(Date.now(), first!.id).run()
    await browser.fetch(`/sso/admin/idps/${first!.id}/toggle`, { form: { _csrf: csrf } })
    await browser.fetch(`/sso/admin/idps/${first!.id}/default`, { form: { _csrf: csrf } })
    const after = await ids()
    expect(after.find((r) => r.slug === 'first')).toMatchObject({ enabled: 1, is_default: 1 })
    // While a default is set, the list says so and offers to unset it.
    const list = await (await browser.fetch('/sso/admin/idps')).text()
    expect(list).toMatch(/data-testid="default-banner">Default IdP: <strong>First<\/strong>/)
    // Each IdP can be tested from the list.
    expect(list).toContain(`action="/sso/admin/idps/${first!.id}/test"`)
    await browser.fetch(`/sso/admin/idps/${first!.id}/default/unset`, { form: { _csrf: csrf } })
    expect((await ids()).find((r) => r.slug === 'first')).toMatchObject({ is_default: 0 })
    expect(await (await browser.fetch('/sso/admin/idps')).text()).not.toContain('default-banner')
    // Deleting takes its confirmation box.
    const unconfirmed = await browser.fetch(`/sso/admin/idps/${first!.id}/delete`, { form: { _csrf: csrf } })
    expect(unconfirmed.status).toBe(400)
    expect((await ids()).map((r) => r.slug)).toEqual(['second', 'first'])
    const del = await browser.fetch(`/sso/admin/idps/${first!.id}/delete`, { form: { _csrf: csrf, confirm: 'yes' } })
    expect(del.headers.get('location')).toBe('/sso/admin/idps?flash=deleted')
    expect((await ids()).map((r) => r.slug)).toEqual(['second'])
  })

  it('saves settings and lists the change in the audit log page', async () => {
    const { browser, csrf } = await signedIn()
    const bad = await browser.fetch('/sso/admin/settings', {
      form: { portalName: 'Acme', primaryColor: 'blue', sessionLifetimeSeconds: '3600', clockSkewSeconds: '180', auditRetentionDays: '90', _csrf: csrf },
    })
    expect(bad.status).toBe(400)
    const refused = await bad.text()
    expect(refused).toContain('data-error-for="primaryColor"')
    // Summarized at the top too, in words, with a link to the field.
    expect(refused).toMatch(
      /data-testid="error-summary"[\s\S]*<strong>Not saved\.<\/strong>[\s\S]*<a href="#f-primaryColor">primaryColor: must be a hex color like #2557d6<\/a>/,
    )
    const ok = await browser.fetch('/sso/admin/settings', {
      form: {
        portalName: 'Acme Help',
        primaryColor: '#112233',
        sessionLifetimeSeconds: '3600',
        clockSkewSeconds: '120',
        auditRetentionDays: '30',
        adminGroups: 'helpdesk-admins',
        _csrf: csrf,
      },
    })
    expect(ok.status).toBe(303)
    const audit = await (await browser.fetch('/sso/admin/audit?action=settings.update')).text()
    expect(audit).toContain('data-action="settings.update"')
    expect(audit).not.toContain('data-action="admin.login"')
  })

  it('keeps every admin page under 30 KB of CSS, with no script but the copy buttons’ (allowed by its CSP hash)', async () => {
    const { browser } = await signedIn()
    for (const path of ['/sso/admin/idps', '/sso/admin/idps/new', '/sso/admin/settings', '/sso/admin/audit']) {
      const html = await (await browser.fetch(path)).text()
      const css = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].reduce((n, m) => n + m[1]!.length, 0)
      expect(css, path).toBeLessThan(30_000)
      const scripts = [...html.matchAll(/<script[\s\S]*?<\/script>/g)].map((m) => m[0])
      expect(scripts, path).toEqual([`<script>${COPY_SCRIPT}</script>`])
    }
  })
})

describe('service provider page', () => {
  it('shows the SP endpoints and keys and rolls a key over', async () => {
    const { browser, csrf } = await signedIn()
    const page = await (await browser.fetch('/sso/admin/sp')).text()
    expect(page).toContain('https://support.example.com/sso/acs')
    // One active key per role: signing, encryption, broker, metadata, freshworks, oidc-client.
    expect(page.match(/data-key-status="active"/g)).toHaveLength(6)
    // Each role says who must take its new certificate before activation.
    expect(page).toMatch(/data-testid="dependents-metadata">whoever reads the signed metadata</)
    expect((await browser.fetch('/sso/admin/sp/keys/encryption/stage', { form: { _csrf: csrf } })).status).toBe(303)
    const staged = await (await browser.fetch('/sso/admin/sp')).text()
    expect(staged).toContain('data-key-status="next"')
    expect(staged).toContain('Activate the staged encryption key')
  })
})

describe('admin console through SSO', () => {
  it('lets members of an (IdP, group) pair in settings.adminAccess in through their portal session, and nobody else', async () => {
    const { putSettings } = await import('../../src/store/settings')
    const { sampleSession, sessionCookie } = await import('../helpers/session')
    const [name, value] = (await sessionCookie(sampleSession({ groups: ['helpdesk-admins'] }))).split('=')
    await putSettings(env.DB, { adminAccess: [{ idpId: 'idp_1', group: 'helpdesk-admins' }] }, new Date())
    const admin = new TestBrowser()
    admin.cookies.set(name!, value!)
    const first = await admin.fetch('/sso/admin/idps')
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).toBe('https://support.example.com/sso/admin/idps')
    expect(admin.cookies.has('__Host-sso_admin')).toBe(true)
    const page = await admin.fetch('/sso/admin/idps')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('sso:acme-okta:jane@acme.example')

    const customer = new TestBrowser()
    const [n2, v2] = (await sessionCookie(sampleSession({ groups: ['Everyone'] }))).split('=')
    customer.cookies.set(n2!, v2!)
    const denied = await customer.fetch('/sso/admin/idps')
    expect(denied.headers.get('location')).toMatch(/^\/sso\/admin\/login/)

    // Another organization's IdP with the same group name gets nothing.
    const other = new TestBrowser()
    const otherSession = sampleSession({ idpId: 'idp_other', idpSlug: 'other-idp', organizationId: 'org_other', groups: ['helpdesk-admins'] })
    const [n3, v3] = (await sessionCookie(otherSession)).split('=')
    other.cookies.set(n3!, v3!)
    expect((await other.fetch('/sso/admin/idps')).headers.get('location')).toMatch(/^\/sso\/admin\/login/)

    // The grant is re-checked on every request: once the pair is gone, the console session ends.
    await putSettings(env.DB, { adminAccess: [] }, new Date())
    const after = await admin.fetch('/sso/admin/idps')
    expect(after.headers.get('location')).toMatch(/^\/sso\/admin\/login/)
  })
})
