// The console's OpenID Connect pages (workerd, real D1, a fake provider behind fetch): the
// protocol choice, the redirect URI ready to copy before anything is registered, creating an
// OIDC IdP from a form (discovery errors shown at the issuer field), the client secret never
// shown and kept when the field is left empty, and the list telling the protocols apart.
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { clientSecretOf, findIdp } from '../../src/store/idps'
import { hiddenValue, TestBrowser } from '../helpers/browser-fetch'
import { CLIENT_ID, CLIENT_SECRET, fakeProvider } from '../helpers/oidc-provider'
import { seedOrganization, TEST_ORG } from '../helpers/tenants'

async function signedIn(): Promise<{ browser: TestBrowser; csrf: string }> {
  const browser = new TestBrowser()
  await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN, next: '/sso/admin/idps' } })
  const page = await browser.fetch('/sso/admin/idps')
  return { browser, csrf: hiddenValue(await page.text(), '_csrf') }
}

beforeAll(async () => {
  await seedOrganization()
})
afterEach(() => vi.restoreAllMocks())

const form = (csrf: string, issuer: string, extra: Record<string, string> = {}) => ({
  _csrf: csrf,
  protocol: 'oidc',
  name: 'Initech (Okta OIDC)',
  slug: '',
  organizationId: TEST_ORG.id,
  issuer,
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  scopes: 'openid email profile',
  tokenEndpointAuth: 'client_secret_basic',
  emailDomains: '',
  allowedGroups: '',
  showOnSelection: 'true',
  clockSkewSeconds: '',
  logoUrl: '',
  ...extra,
})

describe('adding an OIDC IdP in the console', () => {
  it('offers the protocol choice, and for OIDC the redirect URI to copy and no SAML fields', async () => {
    const { browser } = await signedIn()
    const saml = await (await browser.fetch('/sso/admin/idps/new')).text()
    expect(saml).toContain('href="/sso/admin/idps/new?protocol=oidc"')
    expect(saml).toContain('name="entityId"')
    const page = await (await browser.fetch('/sso/admin/idps/new?protocol=oidc')).text()
    expect(page).toContain('value="https://support.example.com/sso/oidc/callback?idp=SLUG"')
    expect(page).toContain('value="https://support.example.com/sso/slo"')
    expect(page).toContain('name="issuer"')
    expect(page).toContain('name="clientSecret"')
    expect(page).toContain('<input type="hidden" name="protocol" value="oidc"')
    for (const samlOnly of ['name="entityId"', 'name="certificates"', 'name="attributeMap.email"', 'name="metadataXml"']) expect(page).not.toContain(samlOnly)
  })

  it('creates it by discovery, never shows the secret, and keeps it when the field is left empty', async () => {
    const provider = await fakeProvider('https://login.initech.example')
    const { browser, csrf } = await signedIn()
    const res = await browser.fetch('/sso/admin/idps', { form: form(csrf, provider.issuer) })
    expect(res.status).toBe(303)
    const idp = (await findIdp(env.DB, 'initech-okta-oidc'))!
    expect(idp).toMatchObject({ protocol: 'oidc', issuer: provider.issuer, ssoUrl: `${provider.issuer}/authorize` })
    const page = await (await browser.fetch(`/sso/admin/idps/${idp.id}`)).text()
    expect(page).not.toContain(CLIENT_SECRET)
    expect(page).toContain('A secret is stored')
    expect(page).toContain('Refresh from discovery')
    // Saved again with the secret field empty: the stored secret stays.
    const saved = await browser.fetch(`/sso/admin/idps/${idp.id}`, {
      form: form(csrf, provider.issuer, { slug: idp.slug, clientSecret: '', scopes: 'openid email' }),
    })
    expect(saved.status).toBe(303)
    const after = (await findIdp(env.DB, idp.id))!
    expect(after.scopes).toBe('openid email')
    expect(await clientSecretOf(env.SSO_SECRET, after)).toBe(CLIENT_SECRET)
    // The list names the protocol and the issuer.
    const list = await (await browser.fetch('/sso/admin/idps')).text()
    expect(list).toMatch(/<span class="tag">OIDC<\/span> https:\/\/login\.initech\.example/)
  })

  it('shows a discovery failure at the issuer field, with its code, and keeps the OIDC form', async () => {
    const provider = await fakeProvider('https://login.wrong.example')
    provider.discovery.issuer = 'https://login.elsewhere.example'
    const { browser, csrf } = await signedIn()
    const res = await browser.fetch('/sso/admin/idps', { form: form(csrf, provider.issuer, { name: 'Wrong issuer' }) })
    expect(res.status).toBe(400)
    const page = await res.text()
    expect(page).toContain('OIDC_DISCOVERY_INVALID: The discovery document is for another issuer')
    expect(page).toContain('<input type="hidden" name="protocol" value="oidc"')
    expect(page).toContain('value="https://login.wrong.example"')
    expect(await findIdp(env.DB, 'wrong-issuer')).toBeNull()
  })
})

describe('test connection for an OIDC IdP', () => {
  it('shows the ID token claims, the userinfo answer and the mapped identity', async () => {
    const provider = await fakeProvider('https://login.tested.example')
    provider.claims = { email: undefined, email_verified: undefined }
    provider.userinfo = { sub: 'user-0001', email: 'jane@acme.example', email_verified: true, groups: ['support'] }
    const { browser, csrf } = await signedIn()
    await browser.fetch('/sso/admin/idps', { form: form(csrf, provider.issuer, { name: 'Tested OIDC' }) })
    const idp = (await findIdp(env.DB, 'tested-oidc'))!
    const start = await browser.fetch(`/sso/admin/idps/${idp.id}/test`, { form: { _csrf: csrf } })
    expect(start.status).toBe(302)
    const back = await browser.fetch(provider.authorize(start.headers.get('location')!))
    expect(back.status).toBe(303)
    const page = await (await browser.fetch(back.headers.get('location')!)).text()
    expect(page).toContain('Success: the ID token is valid')
    expect(page).toMatch(/data-testid="test-nameid">user-0001</)
    expect(page).toMatch(/<table data-testid="test-claims">[\s\S]*<code>iss<\/code>[\s\S]*https:\/\/login\.tested\.example/)
    expect(page).toMatch(/<table data-testid="test-userinfo">[\s\S]*<code>email<\/code>/)
    expect(page).toMatch(/data-field="email">jane@acme\.example</)
  })
})
