// Broker mode in Chromium: a helpdesk that only trusts one SAML IdP (the demo SP, running a real
// SAML SP library: @node-saml/node-saml) sends the customer to the gateway, which signs them in
// with their own company's IdP (the Entra-like demo) and posts a signed assertion back.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium, screenshot } from './chromium'

const gatewayUrl = inject('gatewayUrl')
const spUrl = inject('spUrl')

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

describe('the gateway as the helpdesk SAML IdP', () => {
  it('signs a customer into the demo helpdesk through their upstream IdP', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(spUrl)
    await page.click('#sp-login')
    await page.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/sso/login')
    await page.click('[data-idp="globex-entra-demo"]')
    await page.click('[data-user="carol@globex.example"]')
    await page.waitForURL((u) => u.origin === spUrl && u.pathname === '/acs')
    expect(await page.getByTestId('sp-user').innerText()).toBe('carol@globex.example')
    const profile = await page.getByTestId('sp-profile').innerText()
    expect(profile).toContain('Globex-Support')
    expect(profile).toContain('globex-entra-demo')
    await screenshot(page, 'broker-demo-helpdesk')
    await context.close()
  })
})

describe('Zendesk JWT hand-off', () => {
  it('signs a customer in and posts a token that the Zendesk stand-in accepts by Zendesk rules', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${gatewayUrl}/sso/handoff/zendesk?return_to=${encodeURIComponent(`${spUrl}/hc/en-us`)}`)
    await page.waitForURL((u) => u.pathname === '/sso/login')
    await page.click('[data-idp="acme-okta-demo"]')
    await page.click('[data-user="jane@acme.example"]')
    await page.waitForURL((u) => u.origin === spUrl && u.pathname === '/access/jwt')
    expect(await page.getByTestId('zd-user').innerText()).toBe('jane@acme.example')
    expect(await page.getByTestId('zd-return-to').innerText()).toBe(`${spUrl}/hc/en-us`)
    await screenshot(page, 'zendesk-stand-in')
    await context.close()
  })
})
