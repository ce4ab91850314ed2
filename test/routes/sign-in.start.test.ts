// Starting a sign-in: signed Redirect requests, the POST binding's page, the default IdP.
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { seedIdp } from '../helpers/tenants'
import { metadataCertificates } from '../../src/store/sp-keys'
import { importCertificateVerifyKey, lookupSignature, verifySignatureValue } from '../../src/saml/dsig/algorithms'
import { decodeBase64, utf8Encode } from '../../src/saml/encoding'
import { parseCertificate } from '../../src/saml/x509'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { hiddenValue, TestBrowser } from '../helpers/browser-fetch'
import { TEST_IDP_ENTITY_ID } from '../helpers/idp'

const base = { name: 'Acme', entityId: TEST_IDP_ENTITY_ID, ssoUrl: 'https://idp.acme.test/sso', certificates: [TEST_IDP_CERT] }

beforeAll(async () => {
  const now = new Date()
  await seedIdp(env.DB, 'idp_signed', { ...base, slug: 'signed', signAuthnRequests: true }, now)
  await seedIdp(env.DB, 'idp_post', { ...base, slug: 'post', entityId: 'https://idp.post.test', ssoBinding: 'post' }, now)
  await seedIdp(env.DB, 'idp_default', { ...base, slug: 'default', entityId: 'https://idp.default.test', isDefault: true }, now)
})

describe('login start', () => {
  it('signs Redirect-binding AuthnRequests with the SP signing key when the IdP wants it', async () => {
    const res = await new TestBrowser().fetch('/sso/login?idp=signed')
    const location = res.headers.get('location')!
    const query = location.slice(location.indexOf('?') + 1)
    const signedPart = query.slice(0, query.indexOf('&Signature='))
    const signature = decodeBase64(decodeURIComponent(query.slice(query.indexOf('&Signature=') + 11)))
    const [cert] = await metadataCertificates(env.DB, 'signing')
    const sig = lookupSignature('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256')
    const key = await importCertificateVerifyKey(parseCertificate(cert!), sig)
    expect(await verifySignatureValue(sig, key, signature, utf8Encode(signedPart))).toBe(true)
  })

  it('uses an auto-submitting form for POST-binding IdPs, allowed by the CSP hash', async () => {
    const res = await new TestBrowser().fetch('/sso/login?idp=post')
    expect(res.status).toBe(200)
    const page = await res.text()
    expect(page).toContain('action="https://idp.acme.test/sso"')
    expect(hiddenValue(page, 'SAMLRequest')).toMatch(/^[A-Za-z0-9+/=]+$/)
    expect(res.headers.get('content-security-policy')).toContain("script-src 'sha256-")
  })

  it('goes straight to the one default IdP, unless the page is asked for explicitly', async () => {
    const straight = await new TestBrowser().fetch('/sso/login?return_to=%2Fx')
    expect(straight.status).toBe(302)
    expect(straight.headers.get('location')).toMatch(/^https:\/\/idp\.acme\.test\/sso\?SAMLRequest=/)
    const page = await new TestBrowser().fetch('/sso/login?select')
    expect(page.status).toBe(200)
  })
})
