// The customer journey through an OpenID Connect IdP in Chromium: portal → selection page → the
// demo OpenID provider (oidc-provider on `localhost`, another site than the gateway on 127.0.0.1)
// → /sso/oidc/callback → portal with identity → /sso/logout → the provider's end-session page →
// back at the gateway's signed-out page, with no session left here or at the provider.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium, screenshot } from './chromium'

const gatewayUrl = inject('gatewayUrl')
const { oidc } = inject('idps')
const providerHost = new URL(oidc.url).host

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

function demoUser(email: string) {
  const user = oidc.users.find((u) => u.email === email)
  if (!user) throw new Error(`no demo OIDC user ${email}`)
  return user
}

describe('customer sign-in through the demo OpenID provider', () => {
  it('signs in with the code flow, reaches the portal with identity, and signs out at the provider too', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const erin = demoUser('erin@hooli.example')
    await page.goto(`${gatewayUrl}/servicedesk/customer/portal/3?ticket=9`)
    expect(new URL(page.url()).pathname).toBe('/sso/login')
    await page.click(`[data-idp="${oidc.slug}"]`)
    await page.waitForURL((u) => u.host === providerHost && u.pathname.startsWith('/interaction/'))
    await screenshot(page, 'demo-oidc-sign-in')
    await page.click(`[data-user="${erin.email}"]`)
    await page.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/servicedesk/customer/portal/3')
    expect(new URL(page.url()).search).toBe('?ticket=9')
    // The email, names and groups came from userinfo: the provider's ID token carries only `sub`.
    expect(await header(page, 'x-sso-subject')).toBe(`${oidc.slug}:${erin.sub}`)
    expect(await header(page, 'x-sso-email')).toBe(erin.email)
    expect(await header(page, 'x-sso-name')).toBe(erin.displayName)
    expect(await header(page, 'x-sso-idp')).toBe(oidc.slug)
    expect(await header(page, 'x-sso-org')).toBe(oidc.slug)
    expect((await header(page, 'x-sso-groups')).split(',')).toEqual(erin.groups)
    expect(await page.getByTestId('jwt-claims').innerText()).toContain(`"sub": "${oidc.slug}:${erin.sub}"`)
    await screenshot(page, 'portal-signed-in-oidc')

    // RP-initiated logout: the provider asks to confirm, then sends the browser back to /sso/slo.
    await page.goto(`${gatewayUrl}/sso/logout`)
    await page.waitForURL((u) => u.host === providerHost && u.pathname === '/session/end')
    await screenshot(page, 'demo-oidc-sign-out')
    await page.click('#logout-confirm')
    await page.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/sso/slo')
    expect(await page.getByTestId('signed-out').innerText()).toContain('also signed out of your organization')
    await screenshot(page, 'signed-out-oidc')
    expect((await page.goto(`${gatewayUrl}/sso/me`))?.status()).toBe(401)

    // The portal asks for a sign-in again, and so does the provider: its session ended too.
    await page.goto(`${gatewayUrl}/tickets`)
    expect(new URL(page.url()).pathname).toBe('/sso/login')
    await page.click(`[data-idp="${oidc.slug}"]`)
    await page.waitForURL((u) => u.host === providerHost && u.pathname.startsWith('/interaction/'))
    expect(await page.locator(`[data-user="${erin.email}"]`).isVisible()).toBe(true)
    await context.close()
  })

  it('refuses a user whose email the provider has not verified, with a code and no session', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${gatewayUrl}/sso/login?idp=${oidc.slug}&return_to=%2Ftickets`)
    await page.waitForURL((u) => u.host === providerHost)
    await page.click(`[data-user="${demoUser('grace@hooli.example').email}"]`)
    await page.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/sso/oidc/callback')
    expect(await page.getByTestId('error-code').innerText()).toBe('OIDC_EMAIL_UNVERIFIED')
    await screenshot(page, 'refused-oidc-unverified-email')
    expect((await context.cookies(gatewayUrl)).some((c) => c.name === '__Host-sso_session')).toBe(false)
    await context.close()
  })
})
