// Setup links, the admin's side (admin/setup-links.ts) on real D1: statuses as the admin reads
// them, revoke and approve only within the organization, and the console's organization page
// (create: the URL shown once in that answer; the list with each link's progress; revoke).
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { approveSetupLink, createSetupLink, revokeSetupLink, setupLinkStatus } from '../../src/admin/setup-links'
import { hiddenValue, TestBrowser } from '../helpers/browser-fetch'
import { testContext } from '../helpers/context'
import { seedOrganization } from '../helpers/tenants'

const ctx = () => testContext({ actor: 'admin-token' })

describe('setup link status', () => {
  const base = { revokedAt: null, submittedAt: null, completedAt: null, expiresAt: new Date(Date.now() + 1000) }
  it.each([
    [{}, 'open'],
    [{ expiresAt: new Date(Date.now() - 1) }, 'expired'],
    [{ revokedAt: new Date() }, 'revoked'],
    [{ submittedAt: new Date() }, 'awaiting-approval'],
    [{ submittedAt: new Date(), completedAt: new Date(), expiresAt: new Date(0) }, 'completed'],
  ])('%j is %s', (change, status) => {
    expect(setupLinkStatus({ ...base, ...change } as never, new Date())).toBe(status)
  })
})

describe('revoke and approve', () => {
  it("act only on the organization's own links", async () => {
    await seedOrganization({ id: 'org_sl_a', domains: [] })
    await seedOrganization({ id: 'org_sl_b', domains: [] })
    const { link } = await createSetupLink(ctx(), 'org_sl_a', {}, 'api')
    await expect(revokeSetupLink(ctx(), 'org_sl_b', link.id, 'api')).rejects.toMatchObject({ code: 'SETUP_LINK_NOT_FOUND' })
    expect((await revokeSetupLink(ctx(), 'org_sl_a', link.id, 'api')).status).toBe('revoked')
  })

  it('approves only a submitted setup', async () => {
    await seedOrganization({ id: 'org_sl_c', domains: [] })
    const { link } = await createSetupLink(ctx(), 'org_sl_c', { requireApproval: true }, 'api')
    await expect(approveSetupLink(ctx(), 'org_sl_c', link.id, 'api')).rejects.toMatchObject({ code: 'SETUP_NOT_READY' })
  })
})

describe('the console', () => {
  it('creates a link on the organization page, shows its URL once, lists its progress, and revokes it', async () => {
    const org = await seedOrganization({ id: 'org_sl_console', domains: [] })
    const browser = new TestBrowser()
    await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN, next: '/sso/admin/idps' } })
    const page = await (await browser.fetch(`/sso/admin/organizations/${org.id}`)).text()
    const csrf = hiddenValue(page, '_csrf')
    expect(page).toContain('Create setup link')
    const created = await browser.fetch(`/sso/admin/organizations/${org.id}/setup-links`, {
      form: { _csrf: csrf, expiresInDays: '3', requireApproval: 'true' },
    })
    expect(created.status).toBe(201)
    const html = await created.text()
    const url = /data-testid="setup-link-url" aria-label="Setup link"|value="(https:\/\/support\.example\.com\/sso\/setup\/[A-Za-z0-9_-]{43})"/.exec(html)
    expect(url?.[1]).toBeTruthy()
    // Shown once: the page afterwards lists the link, not its URL.
    const later = await (await browser.fetch(`/sso/admin/organizations/${org.id}`)).text()
    expect(later).not.toContain(url![1]!)
    expect(later).toContain('○ opened')
    const linkId = /data-setup-link="(sl_[0-9a-f]+)"/.exec(later)![1]!
    const revoked = await browser.fetch(`/sso/admin/organizations/${org.id}/setup-links/${linkId}/revoke`, { form: { _csrf: csrf } })
    expect(revoked.status).toBe(303)
    expect(await (await new TestBrowser().fetch(new URL(url![1]!).pathname)).status).toBe(410)
  })

  it('refuses more than 30 days on the page, with the reason', async () => {
    const org = await seedOrganization({ id: 'org_sl_console_2', domains: [] })
    const browser = new TestBrowser()
    await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN, next: '/sso/admin/idps' } })
    const csrf = hiddenValue(await (await browser.fetch(`/sso/admin/organizations/${org.id}`)).text(), '_csrf')
    const res = await browser.fetch(`/sso/admin/organizations/${org.id}/setup-links`, { form: { _csrf: csrf, expiresInDays: '45' } })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('expiresInDays: must be a whole number from 1 to 30')
  })
})
