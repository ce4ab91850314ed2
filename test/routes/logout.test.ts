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
})
