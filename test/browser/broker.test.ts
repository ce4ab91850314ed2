// Broker mode in Chromium: a helpdesk that only trusts one SAML IdP (the demo SP, running a real
// SAML SP library: @node-saml/node-saml) sends the customer to the gateway, which signs them in
// with their own company's IdP (the Entra-like demo) and posts a signed assertion back.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
    // Keep the assertion the gateway posts to the helpdesk, to check it with xmlsec1 below.
    let posted: string | null = null
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url() === `${spUrl}/acs`) posted = new URLSearchParams(req.postData() ?? '').get('SAMLResponse')
    })
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

    // Every signature in the issued Response verifies with xmlsec1 and the published certificate.
    const xml = Buffer.from(posted!, 'base64').toString('utf8')
    const metadata = await (await fetch(`${gatewayUrl}/sso/idp/metadata`)).text()
    const b64 = /<ds:X509Certificate>([^<]+)</.exec(metadata)![1]!
    const dir = mkdtempSync(join(tmpdir(), 'broker-'))
    try {
      writeFileSync(join(dir, 'r.xml'), xml)
      writeFileSync(join(dir, 'cert.pem'), `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`)
      const ids = [...xml.matchAll(/<(?:samlp:Response|saml:Assertion) [^>]*\bID="([^"]+)"/g)].map((m) => m[1]!)
      expect(ids).toHaveLength(2)
      for (const id of ids) {
        const args = [
          '--verify',
          '--enabled-key-data',
          'rsa',
          '--pubkey-cert-pem',
          join(dir, 'cert.pem'),
          '--id-attr:ID',
          'urn:oasis:names:tc:SAML:2.0:assertion:Assertion',
          '--id-attr:ID',
          'urn:oasis:names:tc:SAML:2.0:protocol:Response',
          '--node-xpath',
          `//*[@ID='${id}']/*[local-name()='Signature']`,
          join(dir, 'r.xml'),
        ]
        expect(() => execFileSync('xmlsec1', args, { stdio: 'pipe' })).not.toThrow()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
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
