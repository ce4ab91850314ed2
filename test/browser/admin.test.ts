// The admin console in Chromium: sign in, import the real Okta metadata XML from the interop
// corpus, edit the attribute mapping, run a test connection against a demo IdP, see the audit
// entry. Screenshots of each page land in test-results/screenshots/.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { interopDir } from '../helpers/interop'
import { launchChromium, screenshot } from './chromium'

const gatewayUrl = inject('gatewayUrl')
const adminToken = inject('adminToken')

let browser: Browser
let page: Page
beforeAll(async () => {
  browser = await launchChromium()
  page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage()
})
afterAll(async () => {
  await browser?.close()
})

describe('admin console', () => {
  it('signs in with the admin token', async () => {
    await page.goto(`${gatewayUrl}/sso/admin`)
    expect(new URL(page.url()).pathname).toBe('/sso/admin/login')
    await screenshot(page, 'admin-login')
    await page.fill('#f-token', 'wrong-token')
    await page.click('button[type=submit]')
    expect(await page.locator('[data-error-for="token"]').innerText()).toContain('not the admin token')
    await page.fill('#f-token', adminToken)
    await page.click('button[type=submit]')
    // The console's home is the overview; the IdP list is one click away.
    await page.waitForURL((u) => u.pathname === '/sso/admin')
    expect(await page.locator('h1').innerText()).toBe('Overview')
    await screenshot(page, 'admin-overview')
    await page.click('nav >> text=Identity providers')
    await page.waitForURL((u) => u.pathname === '/sso/admin/idps')
    expect(await page.locator('[data-idp="acme-okta-demo"]').isVisible()).toBe(true)
    await screenshot(page, 'admin-idps')
  })

  it('imports the real Okta metadata XML', async () => {
    await page.goto(`${gatewayUrl}/sso/admin/idps/new`)
    await page.fill('#f-metadataXml', readFileSync(join(interopDir, 'metadata/okta-app-metadata-2020.xml'), 'utf8'))
    await page.fill('#f-importName', 'Initech (Okta)')
    await screenshot(page, 'admin-import')
    await page.click('[data-testid="import-submit"]')
    await page.waitForURL((u) => /^\/sso\/admin\/idps\/idp_/.test(u.pathname))
    expect(await page.locator('.flash').innerText()).toContain('Identity provider added.')
    expect(await page.inputValue('#f-entityId')).toMatch(/^http:\/\/www\.okta\.com\//)
    expect(await page.inputValue('#copy-acs')).toBe(`${gatewayUrl}/sso/acs`)
    // Okta's attribute names, recognized from the metadata; a new IdP is a draft with its Test first.
    expect(await page.inputValue('[name="attributeMap.email"]')).toBe('email')
    expect(await page.getByTestId('test-top').innerText()).toContain('Draft.')
    await screenshot(page, 'admin-idp-edit')
  })

  it('edits the attribute mapping with a preset and shows field errors in place', async () => {
    await page.selectOption('#f-preset', 'entra')
    await page.fill('#f-clockSkewSeconds', '99999')
    await page.click('button:has-text("Save changes")')
    expect(await page.locator('[data-error-for="clockSkewSeconds"]').innerText()).toContain('clockSkewSeconds')
    // The refusal is announced at the top, focused, with a link to the field.
    expect(await page.evaluate<string | null>("document.activeElement.getAttribute('data-testid')")).toBe('error-summary')
    await page.click('[data-testid="error-summary"] a[href="#f-clockSkewSeconds"]')
    expect(await page.evaluate<string>('location.hash')).toBe('#f-clockSkewSeconds')
    await page.fill('#f-clockSkewSeconds', '120')
    // A preset fills the fields that are empty: clear the email one the Okta preset filled.
    await page.fill('[name="attributeMap.email"]', '')
    await page.selectOption('#f-preset', 'entra')
    await page.click('button:has-text("Save changes")')
    expect(await page.locator('.flash').innerText()).toContain('Changes saved.')
    expect(await page.inputValue('[name="attributeMap.email"]')).toBe('http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress')
  })

  it('runs a test connection against the Okta-like demo IdP', async () => {
    await page.goto(`${gatewayUrl}/sso/admin/idps`)
    await page.click('[data-idp="acme-okta-demo"] a')
    await page.click('[data-testid="test-connection"]')
    await page.click('[data-user="bob@acme.example"]')
    await page.waitForURL((u) => u.pathname.includes('/test/'))
    expect(await page.getByTestId('test-verdict').innerText()).toContain('Success')
    expect(await page.getByTestId('test-nameid').innerText()).toBe('bob@acme.example')
    expect(await page.locator('[data-field="email"]').innerText()).toBe('bob@acme.example')
    await screenshot(page, 'admin-test-connection')
  })

  it('shows the changes and the test in the audit log, and saves settings', async () => {
    await page.goto(`${gatewayUrl}/sso/admin/audit`)
    for (const action of ['admin.login', 'idp.create', 'idp.update', 'login.test']) {
      expect(await page.locator(`tr[data-action="${action}"]`).count(), action).toBeGreaterThan(0)
    }
    await screenshot(page, 'admin-audit')
    await page.goto(`${gatewayUrl}/sso/admin/settings`)
    await page.fill('#f-portalName', 'Initech Support')
    await page.click('button:has-text("Save settings")')
    expect(await page.locator('.flash').innerText()).toContain('Settings saved.')
    await screenshot(page, 'admin-settings')
  })

  it('is usable on a phone-sized screen', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage()
    await phone.goto(`${gatewayUrl}/sso/login`)
    const button = phone.locator('[data-idp="acme-okta-demo"]')
    const box = (await button.boundingBox())!
    expect(box.width).toBeGreaterThan(300)
    expect(box.height).toBeGreaterThanOrEqual(44)
    await screenshot(phone, 'sign-in-phone')
  })
})

describe('the console on a phone', () => {
  // Issue 14: the IdP edit page was 1126 px wide on a phone, the audit log 2030 px (fieldsets
  // without min-width: 0, long values in table cells).
  it('fits a 390 px screen on the helpdesk app pages, with their long values and certificates', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage()
    await phone.goto(`${gatewayUrl}/sso/admin/login?next=%2Fsso%2Fadmin%2Fapps`)
    await phone.fill('#f-token', adminToken)
    await phone.click('button[type=submit]')
    await phone.waitForURL((u) => u.pathname === '/sso/admin/apps')
    const widths: Record<string, number> = {}
    widths.list = await phone.evaluate<number>('document.documentElement.scrollWidth')
    for (const slug of ['demo-helpdesk', 'demo-zendesk']) {
      await phone.goto(`${gatewayUrl}/sso/admin/apps`)
      await phone.click(`[data-app="${slug}"] td a >> nth=0`)
      await phone.waitForURL((u) => /^\/sso\/admin\/apps\/app_/.test(u.pathname))
      widths[slug] = await phone.evaluate<number>('document.documentElement.scrollWidth')
      await screenshot(phone, `admin-app-${slug}-phone`)
    }
    for (const kind of ['saml', 'zendesk', 'freshworks']) {
      await phone.goto(`${gatewayUrl}/sso/admin/apps/new?kind=${kind}`)
      widths[`new ${kind}`] = await phone.evaluate<number>('document.documentElement.scrollWidth')
      await screenshot(phone, `admin-new-${kind}-app-phone`)
    }
    expect(widths).toEqual({ list: 390, 'demo-helpdesk': 390, 'demo-zendesk': 390, 'new saml': 390, 'new zendesk': 390, 'new freshworks': 390 })
  })

  it('fits a 390 px screen on the overview, the IdP edit page, the organization page and the audit log', async () => {
    // A customer's sign-in and a refused response first, so the overview has bars to draw.
    const customer = await (await browser.newContext()).newPage()
    await customer.goto(`${gatewayUrl}/sso/login?idp=acme-okta-demo&return_to=%2Fphone`)
    await customer.click('[data-user="jane@acme.example"]')
    await customer.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/phone')
    expect((await fetch(`${gatewayUrl}/sso/acs`, { method: 'POST', body: new URLSearchParams({ SAMLResponse: 'not-base64!' }) })).status).toBe(400)
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage()
    await phone.goto(`${gatewayUrl}/sso/admin/login`)
    await phone.fill('#f-token', adminToken)
    await phone.click('button[type=submit]')
    await phone.waitForURL((u) => u.pathname === '/sso/admin')
    const widths: Record<string, number> = {}
    expect(await phone.locator('[data-chart="sign-ins"] svg a').count()).toBeGreaterThan(0)
    expect(await phone.locator('[data-chart="failures"] li').count()).toBeGreaterThan(0)
    widths.overview = await phone.evaluate<number>('document.documentElement.scrollWidth')
    await phone.goto(`${gatewayUrl}/sso/admin?by=idp`)
    widths.overviewByIdp = await phone.evaluate<number>('document.documentElement.scrollWidth')
    await screenshot(phone, 'admin-overview-phone')
    await phone.goto(`${gatewayUrl}/sso/admin/idps`)
    await phone.click('[data-idp="acme-okta-demo"] a')
    await phone.waitForURL((u) => /^\/sso\/admin\/idps\/idp_/.test(u.pathname))
    widths.idp = await phone.evaluate<number>('document.documentElement.scrollWidth')
    await screenshot(phone, 'admin-idp-edit-phone')
    await phone.goto(`${gatewayUrl}/sso/admin/audit`)
    widths.audit = await phone.evaluate<number>('document.documentElement.scrollWidth')
    await screenshot(phone, 'admin-audit-phone')
    await phone.goto(`${gatewayUrl}/sso/admin/organizations`)
    await phone.click('[data-org] a >> nth=0')
    widths.organization = await phone.evaluate<number>('document.documentElement.scrollWidth')
    expect(widths).toEqual({ overview: 390, overviewByIdp: 390, idp: 390, audit: 390, organization: 390 })
  })
})
