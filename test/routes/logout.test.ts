// /sso/logout: local logout (SAML single logout is in logout.slo.test.ts).
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { seedIdp } from '../helpers/tenants'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { loginRequestId, TestBrowser } from '../helpers/browser-fetch'
import { issueResponse, TEST_IDP_ENTITY_ID } from '../helpers/idp'

const base = { name: 'Acme', entityId: TEST_IDP_ENTITY_ID, ssoUrl: 'https://idp.acme.test/sso', certificates: [TEST_IDP_CERT] }

beforeAll(async () => {
  const now = new Date()
  await seedIdp(env.DB, 'idp_signed', { ...base, slug: 'signed', signAuthnRequests: true }, now)
  await seedIdp(env.DB, 'idp_post', { ...base, slug: 'post', entityId: 'https://idp.post.test', ssoBinding: 'post' }, now)
  await seedIdp(env.DB, 'idp_default', { ...base, slug: 'default', entityId: 'https://idp.default.test', isDefault: true }, now)
})

describe('logout', () => {
  it('ends the session, clears the cookie and audits it', async () => {
    const browser = new TestBrowser()
    const start = await browser.fetch('/sso/login?idp=default')
    await browser.fetch('/sso/acs', {
      form: { SAMLResponse: await issueResponse({ issuer: 'https://idp.default.test', inResponseTo: loginRequestId(start) }) },
      crossSite: true,
    })
    expect((await browser.fetch('/sso/me', { headers: { accept: 'application/json' } })).status).toBe(200)
    const out = await browser.fetch('/sso/logout')
    expect(out.status).toBe(200)
    expect(await out.text()).toContain('You are signed out')
    expect((await browser.fetch('/sso/me', { headers: { accept: 'application/json' } })).status).toBe(401)
    const row = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'logout'").first<Record<string, unknown>>()
    expect(row).toMatchObject({ outcome: 'success', subject: 'default:jane@acme.example' })
  })

  // Issue 11 item 7: a link or an image on another site to /sso/logout ended the session.
  it.each([
    ['a cross-site link', {}, { 'sec-fetch-site': 'cross-site' }],
    ['a cross-site form', { method: 'POST', body: '' }, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }],
    ['an older browser with a foreign Referer', {}, { 'sec-fetch-site': '', referer: 'https://evil.example/page' }],
  ])('asked by %s, shows a confirm page and the session lives until its button is pressed', async (_name, init, headers) => {
    const browser = await signedInBrowser()
    const h = new Headers(headers)
    if (h.get('sec-fetch-site') === '') h.delete('sec-fetch-site')
    const asked = await browser.fetch('/sso/logout', { ...init, headers: h, crossSite: true })
    expect(asked.status).toBe(200)
    expect(asked.headers.get('cache-control')).toBe('no-store')
    const html = await asked.text()
    expect(html).toContain('Do you want to sign out of Support portal?')
    expect(html).toMatch(/<form method="post" action="\/sso\/logout">/)
    expect(html).not.toContain('You are signed out')
    expect((await browser.fetch('/sso/me', { headers: { accept: 'application/json' } })).status).toBe(200)
    // The button: a same-origin POST from the confirm page.
    const out = await browser.fetch('/sso/logout', { method: 'POST', form: {} })
    expect(await out.text()).toContain('You are signed out')
    expect((await browser.fetch('/sso/me', { headers: { accept: 'application/json' } })).status).toBe(401)
  })

  it('cannot be framed by another site to trick a click on its button', async () => {
    const asked = await (await signedInBrowser()).fetch('/sso/logout', { crossSite: true })
    expect(asked.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
  })
})

async function signedInBrowser(): Promise<TestBrowser> {
  const browser = new TestBrowser()
  const start = await browser.fetch('/sso/login?idp=default')
  await browser.fetch('/sso/acs', {
    form: { SAMLResponse: await issueResponse({ issuer: 'https://idp.default.test', inResponseTo: loginRequestId(start) }) },
    crossSite: true,
  })
  expect((await browser.fetch('/sso/me', { headers: { accept: 'application/json' } })).status).toBe(200)
  return browser
}
