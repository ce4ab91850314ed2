import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { LOGIN_COOKIE_PREFIX } from '../../src/sso/login-state'
import { encodeRedirectBinding, signPostMessage } from '../../src/saml/bindings'
import { decodeBase64, encodeBase64, inflateRaw, utf8Decode, utf8Encode } from '../../src/saml/encoding'
import { buildLogoutRequest, buildLogoutResponse } from '../../src/saml/logout'
import { importPrivateKey } from '../../src/saml/x509'
import { firstChildNamed, NS, textContent } from '../../src/saml/xml/dom'
import { parseXml } from '../../src/saml/xml/parse'
import { seedIdp } from '../helpers/tenants'
import { TEST_IDP_CERT, TEST_IDP_KEY } from '../fixtures/idp-keys'
import { TestBrowser } from '../helpers/browser-fetch'
import { issueResponse, TEST_IDP_ENTITY_ID } from '../helpers/idp'

const SLO = 'https://idp.acme.test/slo'
const GATEWAY_SLO = 'https://support.example.com/sso/slo'
const SP_ENTITY = 'https://support.example.com/sso/metadata'

beforeAll(async () => {
  await seedIdp(
    env.DB,
    'idp_slo',
    {
      name: 'Acme',
      slug: 'acme',
      entityId: TEST_IDP_ENTITY_ID,
      ssoUrl: 'https://idp.acme.test/sso',
      sloUrl: SLO,
      sloBinding: 'redirect',
      certificates: [TEST_IDP_CERT],
    },
    new Date(),
  )
})

async function signedIn(sessionIndex = '_session-1'): Promise<TestBrowser> {
  const browser = new TestBrowser()
  const start = await browser.fetch('/sso/login?idp=acme')
  const cookie = start.headers.getSetCookie().find((c) => c.startsWith(LOGIN_COOKIE_PREFIX))!
  const requestId = cookie.slice(LOGIN_COOKIE_PREFIX.length, cookie.indexOf('='))
  const res = await browser.fetch('/sso/acs', { form: { SAMLResponse: await issueResponse({ inResponseTo: requestId, sessionIndex }) }, crossSite: true })
  expect(res.status).toBe(303)
  return browser
}

const me = (b: TestBrowser) => b.fetch('/sso/me', { headers: { accept: 'application/json' } }).then((r) => r.status)

describe('SP-initiated single logout', () => {
  it('sends a signed LogoutRequest for the session, then accepts the IdP LogoutResponse', async () => {
    const browser = await signedIn('_s-sp')
    const out = await browser.fetch('/sso/logout')
    expect(out.status).toBe(302)
    const location = new URL(out.headers.get('location')!)
    expect(location.origin + location.pathname).toBe(SLO)
    expect(location.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256')
    expect(location.searchParams.get('Signature')).toBeTruthy()
    const request = parseXml(utf8Decode(await inflateRaw(decodeBase64(location.searchParams.get('SAMLRequest')!), 65536))).documentElement!
    expect(request.localName).toBe('LogoutRequest')
    expect(textContent(firstChildNamed(request, NS.saml, 'NameID')!)).toBe('jane@acme.example')
    expect(textContent(firstChildNamed(request, NS.samlp, 'SessionIndex')!)).toBe('_s-sp')
    expect(await me(browser)).toBe(401)

    const response = buildLogoutResponse({
      id: '_lr1',
      issueInstant: new Date(),
      destination: GATEWAY_SLO,
      issuer: TEST_IDP_ENTITY_ID,
      inResponseTo: request.getAttribute('ID')!,
    })
    const back = await browser.fetch(`/sso/slo?${await encodeRedirectBinding({ xml: response, param: 'SAMLResponse' })}`)
    expect(back.status).toBe(200)
    expect(await back.text()).toContain('also signed out of your organization')
    const audit = await env.DB.prepare("SELECT outcome FROM audit_log WHERE action = 'logout.idp-response'").first()
    expect(audit).toMatchObject({ outcome: 'success' })
  })

  it('rejects a LogoutResponse that answers no request of this browser', async () => {
    const response = buildLogoutResponse({
      id: '_lr2',
      issueInstant: new Date(),
      destination: GATEWAY_SLO,
      issuer: TEST_IDP_ENTITY_ID,
      inResponseTo: '_forged',
    })
    const res = await new TestBrowser().fetch(`/sso/slo?${await encodeRedirectBinding({ xml: response, param: 'SAMLResponse' })}`, {
      headers: { accept: 'application/json' },
    })
    expect(res.status).toBe(400)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('LOGIN_STATE_MISSING')
  })
})

describe('IdP-initiated single logout', () => {
  function logoutRequest(sessionIndex: string) {
    return buildLogoutRequest({
      id: `_idp-lr-${sessionIndex}`,
      issueInstant: new Date(),
      destination: GATEWAY_SLO,
      issuer: TEST_IDP_ENTITY_ID,
      nameId: 'jane@acme.example',
      sessionIndex,
    })
  }

  it('ends the matching session and answers with a signed LogoutResponse', async () => {
    const browser = await signedIn('_s-idp')
    const other = await signedIn('_s-other')
    const privateKey = await importPrivateKey(TEST_IDP_KEY, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
    const signed = await signPostMessage(logoutRequest('_s-idp'), { privateKey, certificatePem: TEST_IDP_CERT })
    const res = await new TestBrowser().fetch('/sso/slo', { form: { SAMLRequest: encodeBase64(utf8Encode(signed)), RelayState: 'r1' }, crossSite: true })
    expect(res.status).toBe(302)
    const location = new URL(res.headers.get('location')!)
    expect(location.origin + location.pathname).toBe(SLO)
    expect(location.searchParams.get('RelayState')).toBe('r1')
    expect(location.searchParams.get('Signature')).toBeTruthy()
    const answer = parseXml(utf8Decode(await inflateRaw(decodeBase64(location.searchParams.get('SAMLResponse')!), 65536))).documentElement!
    expect(answer.getAttribute('InResponseTo')).toBe('_idp-lr-_s-idp')
    expect(await me(browser)).toBe(401)
    expect(await me(other)).toBe(200)
    const audit = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'logout.idp-initiated' AND outcome = 'success'").first<{ detail: string }>()
    expect(JSON.parse(audit!.detail)).toMatchObject({ sessionsEnded: 1 })
  })

  it('refuses an unsigned LogoutRequest and keeps the session', async () => {
    const browser = await signedIn('_s-keep')
    const res = await new TestBrowser().fetch('/sso/slo', {
      form: { SAMLRequest: encodeBase64(utf8Encode(logoutRequest('_s-keep'))) },
      crossSite: true,
      headers: { accept: 'application/json' },
    })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('SAML_SIGNATURE_MISSING')
    expect(await me(browser)).toBe(200)
  })
})
