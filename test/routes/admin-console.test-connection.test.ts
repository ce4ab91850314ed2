// Test connection from the console: a real sign-in in test mode whose result the console shows.
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { seedIdp } from '../helpers/tenants'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { hiddenValue, loginRequestId, TestBrowser } from '../helpers/browser-fetch'
import { issueResponse, TEST_IDP_ENTITY_ID } from '../helpers/idp'

const base = { name: 'Acme', entityId: TEST_IDP_ENTITY_ID, ssoUrl: 'https://idp.acme.test/sso', certificates: [TEST_IDP_CERT] }

beforeAll(async () => {
  const now = new Date()
  await seedIdp(env.DB, 'idp_signed', { ...base, slug: 'signed', signAuthnRequests: true }, now)
  await seedIdp(env.DB, 'idp_post', { ...base, slug: 'post', entityId: 'https://idp.post.test', ssoBinding: 'post' }, now)
  await seedIdp(env.DB, 'idp_default', { ...base, slug: 'default', entityId: 'https://idp.default.test', isDefault: true }, now)
})

describe('test connection from the admin console', () => {
  async function admin(): Promise<{ browser: TestBrowser; csrf: string }> {
    const browser = new TestBrowser()
    await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN } })
    const page = await (await browser.fetch('/sso/admin/idps')).text()
    return { browser, csrf: hiddenValue(page, '_csrf') }
  }

  it('shows NameID, attributes and the mapped identity, and creates no portal session', async () => {
    const { browser, csrf } = await admin()
    const start = await browser.fetch('/sso/admin/idps/idp_default/test', { form: { _csrf: csrf } })
    expect(start.status).toBe(302)
    const back = await browser.fetch('/sso/acs', {
      form: { SAMLResponse: await issueResponse({ issuer: 'https://idp.default.test', inResponseTo: loginRequestId(start) }) },
      crossSite: true,
    })
    expect(back.status).toBe(303)
    expect(browser.cookies.has('__Host-sso_session')).toBe(false)
    const result = await (await browser.fetch(back.headers.get('location')!)).text()
    expect(result).toContain('data-testid="test-nameid">jane@acme.example')
    expect(result).toContain('data-field="groups">Everyone, Support')
    expect(result).toContain('<code>firstName</code>')
  })

  it('shows the rejection code and the expected/received values', async () => {
    const { browser, csrf } = await admin()
    const start = await browser.fetch('/sso/admin/idps/idp_default/test', { form: { _csrf: csrf } })
    const back = await browser.fetch('/sso/acs', {
      form: { SAMLResponse: await issueResponse({ issuer: 'https://idp.default.test', inResponseTo: loginRequestId(start), audience: 'urn:wrong' }) },
      crossSite: true,
    })
    const result = await (await browser.fetch(back.headers.get('location')!)).text()
    expect(result).toContain('data-testid="test-code">SAML_AUDIENCE_MISMATCH')
    expect(result).toContain('urn:wrong')
  })

  it("says plainly when the IdP sent an email outside its organization's verified domains", async () => {
    const { browser, csrf } = await admin()
    const start = await browser.fetch('/sso/admin/idps/idp_default/test', { form: { _csrf: csrf } })
    const back = await browser.fetch('/sso/acs', {
      form: {
        SAMLResponse: await issueResponse({
          issuer: 'https://idp.default.test',
          inResponseTo: loginRequestId(start),
          nameId: 'cfo@umbrella.example',
          attributes: { email: ['cfo@umbrella.example'] },
        }),
      },
      crossSite: true,
    })
    expect(browser.cookies.has('__Host-sso_session')).toBe(false)
    const result = await (await browser.fetch(back.headers.get('location')!)).text()
    expect(result).toContain('data-testid="test-code">LOGIN_EMAIL_DOMAIN_MISMATCH')
    const plain = /data-testid="test-email-domain">([\s\S]*?)<\/p>/.exec(result)![1]!.replace(/<[^>]+>/g, '')
    expect(plain).toContain('The IdP sent an email address in umbrella.example.')
    expect(plain).toContain('Its organization may only use: acme.example.')
    expect(result).toContain('href="/sso/admin/organizations/org_test"')
    // Refused after verification: what the IdP sent is shown too.
    expect(result).toContain('data-testid="test-received-nameid">cfo@umbrella.example<')
    expect(result).toMatch(/data-testid="test-received-attributes">[\s\S]*<code>email<\/code>[\s\S]*cfo@umbrella\.example/)
  })
})
