// Starting a sign-in at the customer's IdP (sso/sign-in.ts), on real D1 and WebCrypto: the
// AuthnRequest the IdP receives over its binding, signed with the gateway's SP key when the IdP
// wants it, and the login state the browser keeps for the ACS.
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Navigation } from '../../src/navigation'
import { firstChildNamed, NS, textContent } from '../../src/saml/xml/dom'
import { LOGIN_COOKIE_PREFIX, readLoginStates } from '../../src/sso/login-state'
import { signingKey } from '../../src/sso/signing-key'
import { signInFirst, startSignIn, withQuery } from '../../src/sso/sign-in'
import { type IdpRow } from '../../src/store/idps'
import { seedIdp, type IdpSeed } from '../helpers/tenants'
import { OTHER_IDP_CERT, TEST_IDP_CERT } from '../fixtures/idp-keys'
import { TEST_ORIGIN, testContext } from '../helpers/context'
import { readPost, readRedirect, verifyPost, verifyRedirect } from '../helpers/saml-messages'

const base: IdpSeed = {
  name: 'Acme',
  slug: 'acme',
  entityId: 'https://idp.acme.test/saml',
  ssoUrl: 'https://idp.acme.test/sso',
  certificates: [TEST_IDP_CERT],
}
let plain: IdpRow
let signed: IdpRow
let post: IdpRow
let postSigned: IdpRow
let withTenant: IdpRow

beforeAll(async () => {
  const now = new Date()
  const make = (id: string, fields: Partial<IdpSeed>) => seedIdp(env.DB, id, { ...base, slug: id, entityId: `https://${id}.test/saml`, ...fields }, now)
  plain = await make('plain', { nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress' })
  signed = await make('signed', { signAuthnRequests: true })
  post = await make('post', { ssoBinding: 'post', ssoUrl: 'https://post.test/sso' })
  postSigned = await make('post-signed', { ssoBinding: 'post', ssoUrl: 'https://post-signed.test/sso', signAuthnRequests: true })
  withTenant = await make('tenant', { ssoUrl: 'https://login.tenant.test/saml2?tenant=acme&x=1', signAuthnRequests: true })
})

function location(navigation: Navigation): string {
  if (navigation.kind !== 'redirect') throw new Error(`expected a redirect, got ${navigation.kind}`)
  return navigation.location
}

const spCertificate = async () => (await signingKey(testContext(), 'signing')).certificatePem

describe('HTTP-Redirect binding', () => {
  it("sends the browser to the IdP's SSO URL with an AuthnRequest for our ACS, bound to this browser's login state", async () => {
    const step = await startSignIn(testContext(), plain, '/tickets', {})
    const { target, root, signed: isSigned } = await readRedirect(location(step.navigation))
    expect(target).toBe('https://idp.acme.test/sso')
    expect(isSigned).toBe(false)
    expect(root.localName).toBe('AuthnRequest')
    expect(root.getAttribute('Destination')).toBe('https://idp.acme.test/sso')
    expect(root.getAttribute('AssertionConsumerServiceURL')).toBe(`${TEST_ORIGIN}/sso/acs`)
    expect(textContent(firstChildNamed(root, NS.saml, 'Issuer')!)).toBe(`${TEST_ORIGIN}/sso/metadata`)
    expect(firstChildNamed(root, NS.samlp, 'NameIDPolicy')!.getAttribute('Format')).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress')
    expect(step.cookies).toHaveLength(1)
    expect(step.cookies[0]).toMatchObject({ name: `${LOGIN_COOKIE_PREFIX}${root.getAttribute('ID')}`, options: { sameSite: 'None' } })
  })

  it('appends the query with & when the SSO URL already has one', async () => {
    const step = await startSignIn(testContext(), withTenant, '/', {})
    const to = location(step.navigation)
    expect(to.startsWith('https://login.tenant.test/saml2?tenant=acme&x=1&SAMLRequest=')).toBe(true)
    await verifyRedirect(to, await spCertificate())
    expect(withQuery('https://a.test/sso', 'q=1')).toBe('https://a.test/sso?q=1')
  })

  it('signs the query with the SP signing certificate when the IdP wants signed requests', async () => {
    const to = location((await startSignIn(testContext(), signed, '/', {})).navigation)
    expect(new URL(to).searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256')
    await verifyRedirect(to, await spCertificate())
    // Control: the signature is the SP key's, not just any signature.
    await expect(verifyRedirect(to, OTHER_IDP_CERT)).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })

  it('does not sign for an IdP that does not ask for it', async () => {
    const to = location((await startSignIn(testContext(), plain, '/', {})).navigation)
    await expect(verifyRedirect(to, await spCertificate())).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
  })
})

describe('HTTP-POST binding', () => {
  it('gives an auto-post of the AuthnRequest to the SSO URL', async () => {
    const step = await startSignIn(testContext(), post, '/', {})
    expect(step.navigation).toMatchObject({ kind: 'post', action: 'https://post.test/sso' })
    if (step.navigation.kind !== 'post') throw new Error('not a post')
    expect(Object.keys(step.navigation.fields)).toEqual(['SAMLRequest'])
    const root = readPost(step.navigation.fields.SAMLRequest!)
    expect(root.localName).toBe('AuthnRequest')
    expect(root.getAttribute('Destination')).toBe('https://post.test/sso')
    expect(firstChildNamed(root, NS.ds, 'Signature')).toBeNull()
  })

  it('signs the posted AuthnRequest (enveloped) with the SP signing certificate when the IdP wants it', async () => {
    const step = await startSignIn(testContext(), postSigned, '/', {})
    if (step.navigation.kind !== 'post') throw new Error('not a post')
    await verifyPost(step.navigation.fields.SAMLRequest!, await spCertificate())
    await expect(verifyPost(step.navigation.fields.SAMLRequest!, OTHER_IDP_CERT)).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })
})

describe('login state', () => {
  const jar = (changes: { name: string; value: string | null }[], into: Record<string, string> = {}) => {
    for (const c of changes)
      if (c.value === null) delete into[c.name]
      else into[c.name] = c.value
    return into
  }

  it('keeps the IdP, the return path and the request ID; a test-connection run is marked as a test', async () => {
    const now = new Date()
    const normal = await startSignIn(testContext(), plain, '/tickets?x=1', {})
    const test = await startSignIn(testContext(), plain, '/', {}, { test: true })
    const [normalState] = await readLoginStates(env.SSO_SECRET, jar(normal.cookies), now)
    const [testState] = await readLoginStates(env.SSO_SECRET, jar(test.cookies), now)
    const { root } = await readRedirect(location(normal.navigation))
    expect(normalState).toMatchObject({ requestId: root.getAttribute('ID'), idpId: 'plain', returnTo: '/tickets?x=1', test: false })
    expect(testState).toMatchObject({ idpId: 'plain', test: true })
  })

  it('keeps the logins other tabs started, up to the limit', async () => {
    const cookies: Record<string, string> = {}
    for (let i = 0; i < 5; i++) jar((await startSignIn(testContext(), plain, `/tab/${i}`, cookies)).cookies, cookies)
    const states = await readLoginStates(env.SSO_SECRET, cookies, new Date())
    expect(states.map((s) => s.returnTo).sort()).toEqual(['/tab/2', '/tab/3', '/tab/4'])
  })
})

describe('signInFirst', () => {
  it('sends the browser to the sign-in page with the return path encoded', () => {
    expect(signInFirst('/sso/idp/resume/_ab?x=1&y=2')).toEqual({
      navigation: { kind: 'redirect', location: '/sso/login?return_to=%2Fsso%2Fidp%2Fresume%2F_ab%3Fx%3D1%26y%3D2', status: 302 },
      cookies: [],
    })
  })
})
