// The whole customer journey in Chromium: portal → selection page → demo IdP (on `localhost`,
// another site than the gateway on 127.0.0.1, so the ACS POST is cross-site as in production)
// → ACS → portal with identity headers → logout.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium, screenshot } from './chromium'

const gatewayUrl = inject('gatewayUrl')
const idps = inject('idps')

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

async function header(page: Page, name: string): Promise<string> {
  return page.locator(`[data-header="${name}"]`).innerText()
}

describe('customer sign-in through the demo IdPs', () => {
  it('signs in through the Okta-like IdP (HTTP-Redirect), reaches the portal with identity, and logs out', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${gatewayUrl}/servicedesk/customer/portal/2?ticket=7`)
    expect(new URL(page.url()).pathname).toBe('/sso/login')
    await page.click('[data-idp="acme-okta-demo"]')
    await page.waitForURL((u) => u.host === new URL(idps.okta.url).host)
    await screenshot(page, 'demo-idp-okta')
    await page.click('[data-user="jane@acme.example"]')
    await page.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/servicedesk/customer/portal/2')
    expect(new URL(page.url()).search).toBe('?ticket=7')
    expect(await header(page, 'x-sso-email')).toBe('jane@acme.example')
    expect(await header(page, 'x-sso-idp')).toBe('acme-okta-demo')
    expect(await header(page, 'x-sso-groups')).toContain('Support-Agents')
    // The user key the portal should use: namespaced by the IdP, with the organization beside it.
    expect(await header(page, 'x-sso-subject')).toBe('acme-okta-demo:jane@acme.example')
    expect(await header(page, 'x-sso-org')).toBe('acme-okta-demo')
    expect(await page.getByTestId('jwt-claims').innerText()).toContain('"email": "jane@acme.example"')
    await screenshot(page, 'portal-signed-in-okta')

    const cookies = await context.cookies(gatewayUrl)
    const session = cookies.find((c) => c.name === '__Host-sso_session')!
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' })

    // Single logout: the gateway sends a signed LogoutRequest to the demo IdP, which answers.
    await page.goto(`${gatewayUrl}/sso/logout`)
    await page.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/sso/slo')
    expect(await page.getByTestId('signed-out').innerText()).toContain('also signed out of your organization')
    await screenshot(page, 'signed-out')
    const me = await page.goto(`${gatewayUrl}/sso/me`)
    expect(me?.status()).toBe(401)
    await context.close()
  })

  it('signs in through the Entra-like IdP (HTTP-POST binding, claim URIs) found by email domain', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${gatewayUrl}/sso/login?return_to=%2Fhelp`)
    await page.fill('#email', 'carol@globex.example')
    await page.click('button[type=submit]')
    await page.waitForURL((u) => u.host === new URL(idps.entra.url).host)
    await page.click('[data-user="carol@globex.example"]')
    await page.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/help')
    expect(await header(page, 'x-sso-email')).toBe('carol@globex.example')
    expect(await header(page, 'x-sso-idp')).toBe('globex-entra-demo')
    expect(await header(page, 'x-sso-groups')).toContain('Globex-Support')
    await screenshot(page, 'portal-signed-in-entra')
    await context.close()
  })

  it('works with JavaScript off (the POST forms have visible buttons)', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(`${gatewayUrl}/sso/login?idp=globex-entra-demo&return_to=%2Fnojs`)
    await page.click('button[type=submit]') // the gateway's POST-binding page
    await page.click('[data-user="carol@globex.example"]')
    await page.click('#continue')
    await page.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/nojs')
    expect(await header(page, 'x-sso-email')).toBe('carol@globex.example')
    await context.close()
  })

  it('shows a coded error page when the user cancels at the IdP', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${gatewayUrl}/sso/login?idp=acme-okta-demo`)
    await page.click('#cancel')
    await page.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/sso/acs')
    expect(await page.getByTestId('error-code').innerText()).toMatch(/^SAML_/)
    await screenshot(page, 'error-cancelled')
    await context.close()
  })
})
