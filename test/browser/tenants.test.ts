// Tenants in Chromium, against `wrangler dev` with the demo IdPs and the demo DNS-over-HTTPS
// resolver (`npm start` runs the same): the admin verifies a domain from the console by publishing
// its TXT record, and a customer whom Acme's IdP signs in with a Globex address is refused with a
// clear page and no session.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium, screenshot } from './chromium'

const gatewayUrl = inject('gatewayUrl')
const adminToken = inject('adminToken')
const dnsUrl = inject('dnsUrl')
const idps = inject('idps')

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

async function adminPage(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage()
  await page.goto(`${gatewayUrl}/sso/admin/login`)
  await page.fill('#f-token', adminToken)
  await page.click('button[type=submit]')
  await page.waitForURL((u) => u.pathname === '/sso/admin')
  return page
}

describe('domain verification from the console', () => {
  it('shows the TXT record to publish, reports what a check found, and verifies once the record is published', async () => {
    const page = await adminPage()
    await page.click('nav >> text=Organizations')
    await page.waitForURL((u) => u.pathname === '/sso/admin/organizations')
    // The demo organizations were verified by `npm start` through the same resolver.
    expect(await page.locator('[data-org] [data-domain="acme.example"]').getAttribute('data-status')).toBe('verified')
    await screenshot(page, 'admin-organizations')

    await page.click(`[data-org] a:has-text("${idps.okta.name}")`)
    await page.waitForURL((u) => /^\/sso\/admin\/organizations\/org_/.test(u.pathname))
    await page.fill('#f-domain', 'Support.Acme.Example')
    await page.click('[data-testid="domain-add"]')
    const row = page.locator('tr[data-domain="support.acme.example"]')
    expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('pending')
    const txtName = await row.locator('code').first().innerText()
    const txtValue = await row.getByTestId('txt-value').innerText()
    expect(txtName).toBe('_edge-sso-challenge.support.acme.example')
    expect(txtValue).toMatch(/^edge-sso-verify=[0-9a-f]{32}$/)

    // Checked before the record exists: still pending, with what the lookup found.
    await row.locator('button:has-text("Check now")').click()
    const pending = page.locator('tr[data-domain="support.acme.example"]')
    expect(await pending.locator('[data-status]').getAttribute('data-status')).toBe('pending')
    expect(await pending.getByTestId('last-check').innerText()).toContain('no TXT record at _edge-sso-challenge.support.acme.example')
    await screenshot(page, 'admin-domain-pending')

    // The company's IT publishes the record (here: in the demo resolver), then the admin checks again.
    const published = await fetch(`${dnsUrl}/records`, { method: 'POST', body: JSON.stringify({ name: txtName, value: txtValue }) })
    expect(published.status).toBe(204)
    await pending.locator('button:has-text("Check now")').click()
    const verified = page.locator('tr[data-domain="support.acme.example"] [data-status]')
    expect(await verified.getAttribute('data-status')).toBe('verified')
    expect(await verified.innerText()).toContain('support.acme.example · verified')
    await screenshot(page, 'admin-domain-verified')

    // The audit log says who verified it, and how.
    await page.goto(`${gatewayUrl}/sso/admin/audit`)
    expect(await page.locator('body').innerText()).toContain('domain.verify')
    await page.context().close()
  })
})

describe("a customer whose IdP asserts another organization's address", () => {
  it('is refused with a clear page naming the problem and a code, and gets no session', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${gatewayUrl}/tickets`)
    await page.click('[data-idp="acme-okta-demo"]')
    await page.waitForURL((u) => u.host === new URL(idps.okta.url).host)
    // Mallory is in Acme's directory, with a Globex address: Acme's IdP may not vouch for it.
    await page.click('[data-user="mallory@globex.example"]')
    await page.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/sso/acs')
    expect(await page.getByTestId('error-code').innerText()).toBe('LOGIN_EMAIL_DOMAIN_MISMATCH')
    expect(await page.locator('h1').innerText()).toContain('not allowed to use here')
    expect(await page.getByTestId('request-id').innerText()).toMatch(/^[0-9a-f-]{36}$/)
    // Nothing meant for the admin: not the allowed domains, not Acme's configuration.
    expect(await page.locator('body').innerText()).not.toContain('acme.example')
    await screenshot(page, 'refused-foreign-email')
    expect((await context.cookies(gatewayUrl)).some((c) => c.name === '__Host-sso_session')).toBe(false)
    const me = await page.goto(`${gatewayUrl}/sso/me`)
    expect(me?.status()).toBe(401)
    await context.close()
  })
})
