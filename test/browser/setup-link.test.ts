// Onboarding a customer company in Chromium (issue 13), against `wrangler dev` with the demo
// OpenID provider and the demo DNS-over-HTTPS resolver: the admin creates a setup link in the
// console; a second browser context, the company's IT on a phone-sized screen, connects the
// provider, publishes its TXT record, passes a test sign-in and turns sign-in on; then a customer
// of that company signs in. The screenshots illustrate the README's "Onboarding a customer company".
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium, screenshot } from './chromium'

const gatewayUrl = inject('gatewayUrl')
const adminToken = inject('adminToken')
const dnsUrl = inject('dnsUrl')
const { oidc } = inject('idps')
const providerHost = new URL(oidc.url).host

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

/** No sideways scrolling at this width (a phone). */
async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth')
}

describe('onboarding a customer company with a setup link', () => {
  it('lets the company’s IT connect its own IdP, verify its domain and pass a test; then its customers sign in', async () => {
    const ivy = oidc.users.find((u) => u.email === 'ivy@initech.example')!
    const created = await fetch(`${gatewayUrl}/sso/admin/api/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Initech', slug: 'initech' }),
    })
    expect(created.status).toBe(201)
    const org = (await created.json()) as { id: string }

    // The admin: "Create setup link" on the organization's page; the URL is shown once.
    const admin = await adminPage()
    await admin.goto(`${gatewayUrl}/sso/admin/organizations/${org.id}`)
    await admin.click('[data-testid="create-setup-link"]')
    const url = await admin.inputValue('[data-testid="setup-link-url"]')
    expect(url).toMatch(new RegExp(`^${gatewayUrl}/sso/setup/[A-Za-z0-9_-]{43}$`))
    await screenshot(admin, 'onboarding-1-admin-creates-link')

    // The company's IT, on a phone.
    const it = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage()
    await it.goto(url)
    expect(await it.locator('h1').innerText()).toContain('Connect Initech')
    expect(await fitsWidth(it)).toBe(true)
    await screenshot(it, 'onboarding-2-setup-page')
    await it.click('[data-product="oidc"]')
    expect(await it.inputValue('#v-redirectUri')).toBe(`${gatewayUrl}/sso/oidc/callback?idp=initech-sso`)
    // JavaScript on: the copy buttons show.
    expect(await it.locator('button[data-copy-from="v-redirectUri"]').isVisible()).toBe(true)
    await it.fill('#f-issuer', oidc.issuer)
    await it.fill('#f-clientId', oidc.clientId)
    await it.fill('#f-clientSecret', oidc.clientSecret)
    await it.click('#step-3 button[type=submit]')
    expect(await it.getByTestId('setup-notice').innerText()).toContain('Saved')
    expect(await it.getByTestId('setup-idp').innerText()).toContain(oidc.issuer)

    // Its domain: the TXT record published in the (demo) DNS, then "Check now".
    await it.fill('#f-domain', 'initech.example')
    await it.click('#step-4 form:has(#f-domain) button[type=submit]')
    const name = await it.inputValue('[id="v-txt-name-initech.example"]')
    const value = await it.inputValue('[id="v-txt-value-initech.example"]')
    expect(name).toBe('_edge-sso-challenge.initech.example')
    expect((await fetch(`${dnsUrl}/records`, { method: 'POST', body: JSON.stringify({ name, value }) })).status).toBe(204)
    await it.click('[data-testid="check-initech.example"]')
    expect(await it.locator('tr[data-domain="initech.example"] .ok').innerText()).toBe('verified')
    expect(await fitsWidth(it)).toBe(true)

    // A test sign-in at the provider shows what the portal will receive.
    await it.click('[data-testid="setup-test"]')
    await it.waitForURL((u) => u.host === providerHost)
    await it.click(`[data-user="${ivy.email}"]`)
    await it.waitForURL((u) => u.origin === gatewayUrl && /^\/sso\/setup\/[^/]+\/test\/_[0-9a-f]{40}$/.test(u.pathname))
    const result = it.getByTestId('setup-test-result')
    expect(await result.innerText()).toContain('The test sign-in passed')
    expect(await result.locator('[data-field="email"]').innerText()).toBe(ivy.email)
    await screenshot(it, 'onboarding-3-test-passed')

    await it.click('[data-testid="setup-activate"]')
    expect(await it.getByTestId('setup-done').innerText()).toContain('your users can now sign in')
    await screenshot(it, 'onboarding-4-done')

    // The admin sees how far it got.
    await admin.goto(`${gatewayUrl}/sso/admin/organizations/${org.id}`)
    expect(await admin.getByTestId('setup-link-progress').first().innerText()).toContain('✓ active')
    await screenshot(admin, 'onboarding-5-admin-progress')

    // A customer of Initech signs in through the IdP its IT just connected.
    const customer = await (await browser.newContext()).newPage()
    await customer.goto(`${gatewayUrl}/tickets`)
    expect(new URL(customer.url()).pathname).toBe('/sso/login')
    await customer.click('[data-idp="initech-sso"]')
    await customer.waitForURL((u) => u.host === providerHost)
    await customer.click(`[data-user="${ivy.email}"]`)
    await customer.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/tickets')
    expect(await customer.locator('[data-header="x-sso-subject"]').innerText()).toBe(`initech-sso:${ivy.sub}`)
    expect(await customer.locator('[data-header="x-sso-org"]').innerText()).toBe('initech')
  })
})
