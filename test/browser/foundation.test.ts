import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium, screenshot } from './chromium'

const gatewayUrl = inject('gatewayUrl')

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

describe('local stack in Chromium', () => {
  it('shows a healthy gateway at /sso/health', async () => {
    const page = await browser.newPage()
    const res = await page.goto(`${gatewayUrl}/sso/health`)
    expect(res?.status()).toBe(200)
    const body = JSON.parse(await page.locator('body').innerText())
    expect(body.status).toBe('ok')
    expect(body.checks.d1.ok).toBe(true)
    expect(body.checks.kv.ok).toBe(true)
    await page.close()
  })

  it('sends an anonymous visitor of a portal page to the sign-in page, keeping the path', async () => {
    const page = await browser.newPage()
    await page.goto(`${gatewayUrl}/servicedesk/customer/portal/2?ticket=42`)
    const url = new URL(page.url())
    expect(url.pathname).toBe('/sso/login')
    expect(url.searchParams.get('return_to')).toBe('/servicedesk/customer/portal/2?ticket=42')
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true)
    // The local stack registers the three demo IdPs: two SAML, one OpenID Connect.
    await expect(page.locator('[data-idp="acme-okta-demo"]').isVisible()).resolves.toBe(true)
    await expect(page.locator('[data-idp="globex-entra-demo"]').isVisible()).resolves.toBe(true)
    await expect(page.locator('[data-idp="hooli-oidc-demo"]').isVisible()).resolves.toBe(true)
    await screenshot(page, 'sign-in-selection')
    await page.close()
  })

  it('shows a coded error page with a request ID for unknown gateway paths', async () => {
    const page = await browser.newPage()
    const res = await page.goto(`${gatewayUrl}/sso/does-not-exist`)
    expect(res?.status()).toBe(404)
    expect(await page.getByTestId('error-code').innerText()).toBe('NOT_FOUND')
    expect(await page.getByTestId('request-id').innerText()).toBe(res?.headers()['x-request-id'])
    await screenshot(page, 'error-not-found')
    await page.close()
  })
})
