// Test connection's one-click fixes (issue 14): trust the certificate the IdP just signed with (only
// when the response verifies with it), re-import the metadata, map the email from an attribute the
// IdP sent. Each fix takes only what the stored test result holds: a form cannot name another value.
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { describeCertificate } from '../../src/admin/certificates'
import { getIdp } from '../../src/store/idps'
import { OTHER_IDP_CERT, OTHER_IDP_KEY, TEST_IDP_CERT } from '../fixtures/idp-keys'
import { hiddenValue, loginRequestId, TestBrowser } from '../helpers/browser-fetch'
import { lastAuditRow } from '../helpers/context'
import { issueResponse, type IssueOptions } from '../helpers/idp'
import { seedIdp } from '../helpers/tenants'

const base = { ssoUrl: 'https://idp.acme.test/sso', certificates: [TEST_IDP_CERT], emailDomains: ['acme.example'] }

beforeAll(async () => {
  const now = new Date()
  await seedIdp(
    env.DB,
    'idp_rolled',
    { ...base, name: 'Rolled', slug: 'rolled', entityId: 'https://idp.rolled.test', metadataUrl: 'https://idp.rolled.test/metadata' },
    now,
  )
  await seedIdp(env.DB, 'idp_other', { ...base, name: 'Other', slug: 'other', entityId: 'https://idp.other.test' }, now)
  await seedIdp(env.DB, 'idp_mail', { ...base, name: 'Mail', slug: 'mail', entityId: 'https://idp.mail.test', attributeMap: { email: 'mail' } }, now)
})

async function admin(): Promise<{ browser: TestBrowser; csrf: string }> {
  const browser = new TestBrowser()
  await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN } })
  return { browser, csrf: hiddenValue(await (await browser.fetch('/sso/admin/idps')).text(), '_csrf') }
}

/** A console test sign-in at `idpId` answered by `response`; the result page and its request ID. */
async function testWith(idpId: string, response: IssueOptions): Promise<{ browser: TestBrowser; csrf: string; page: string; requestId: string }> {
  const { browser, csrf } = await admin()
  const start = await browser.fetch(`/sso/admin/idps/${idpId}/test`, { form: { _csrf: csrf } })
  const requestId = loginRequestId(start)
  const back = await browser.fetch('/sso/acs', { form: { SAMLResponse: await issueResponse({ inResponseTo: requestId, ...response }) }, crossSite: true })
  expect(back.status).toBe(303)
  return { browser, csrf, requestId, page: await (await browser.fetch(back.headers.get('location')!)).text() }
}

describe('a test signed with a certificate that is not configured', () => {
  it('offers that certificate with its fingerprint, and trusting it makes the next test pass', async () => {
    const rolled = { issuer: 'https://idp.rolled.test', key: OTHER_IDP_KEY, cert: OTHER_IDP_CERT }
    const { browser, csrf, page, requestId } = await testWith('idp_rolled', rolled)
    expect(page).toContain('data-testid="test-code">SAML_SIGNATURE_INVALID')
    const fingerprint = (await describeCertificate(OTHER_IDP_CERT, new Date())).fingerprintSha256
    expect(page).toContain(`data-testid="offered-fingerprint">${fingerprint}<`)
    // Plain words instead of raw keys; the re-import is offered too (the IdP has a metadata URL).
    expect(page).toContain('Certificates configured here (SHA-256)')
    expect(page).not.toContain('<th scope="row">configuredCertificates</th>')
    expect(page).toContain('data-testid="fix-reimport"')

    const trusted = await browser.fetch(`/sso/admin/idps/idp_rolled/test/${requestId}/trust-certificate`, { form: { _csrf: csrf } })
    expect(trusted.status).toBe(303)
    expect((await getIdp(env.DB, 'idp_rolled'))!.certificates).toHaveLength(2)
    expect(await lastAuditRow('idp.update')).toMatchObject({
      idp_id: 'idp_rolled',
      // The one way a KeyInfo certificate becomes trusted: the row says which, and from which test.
      detail: expect.objectContaining({
        changed: ['certificates'],
        certificatesChanged: true,
        fix: { kind: 'trust-certificate', requestId, fingerprintSha256: fingerprint },
      }),
    })
    const again = await testWith('idp_rolled', rolled)
    expect(again.page).toContain('data-testid="test-verdict">')
    expect(again.page).toContain('Success')
  })

  it('offers nothing when the certificate the response names did not sign it', async () => {
    // Signed with another key, while KeyInfo names the configured certificate: nothing to offer.
    const { page, requestId, browser, csrf } = await testWith('idp_other', { issuer: 'https://idp.other.test', key: OTHER_IDP_KEY, cert: TEST_IDP_CERT })
    expect(page).toContain('SAML_SIGNATURE_INVALID')
    expect(page).not.toContain('data-testid="fix-trust-certificate"')
    expect(page).not.toContain('data-testid="fix-reimport"') // no metadata URL
    const forged = await browser.fetch(`/sso/admin/idps/idp_other/test/${requestId}/trust-certificate`, { form: { _csrf: csrf } })
    expect(forged.status).toBe(409)
    expect((await getIdp(env.DB, 'idp_other'))!.certificates).toEqual([TEST_IDP_CERT])
  })

  it("cannot apply one IdP's test result to another IdP", async () => {
    const { requestId, browser, csrf } = await testWith('idp_rolled', { issuer: 'https://idp.rolled.test', key: OTHER_IDP_KEY, cert: OTHER_IDP_CERT })
    const crossed = await browser.fetch(`/sso/admin/idps/idp_other/test/${requestId}/trust-certificate`, { form: { _csrf: csrf } })
    expect(crossed.status).toBe(409)
    expect((await getIdp(env.DB, 'idp_other'))!.certificates).toEqual([TEST_IDP_CERT])
  })
})

describe('a test whose email is in another attribute', () => {
  it('offers each attribute holding an email address, and using one maps the email from it', async () => {
    const oid = 'urn:oid:0.9.2342.19200300.100.1.3'
    const { browser, csrf, page, requestId } = await testWith('idp_mail', {
      issuer: 'https://idp.mail.test',
      nameId: 'u-1234',
      attributes: { [oid]: ['jane@acme.example'], displayName: ['Jane Doe'] },
    })
    expect(page).toContain('Success')
    expect(page).toContain('data-testid="fix-email-attribute"')
    expect(page).toContain(`Use ${oid} as the email`)
    expect(page).not.toContain('Use displayName as the email')

    const refused = await browser.fetch(`/sso/admin/idps/idp_mail/test/${requestId}/use-email-attribute`, { form: { _csrf: csrf, attribute: 'notSent' } })
    expect(refused.status).toBe(409)
    const used = await browser.fetch(`/sso/admin/idps/idp_mail/test/${requestId}/use-email-attribute`, { form: { _csrf: csrf, attribute: oid } })
    expect(used.status).toBe(303)
    expect((await getIdp(env.DB, 'idp_mail'))!.attributeMap.email).toBe(oid)
    const again = await testWith('idp_mail', { issuer: 'https://idp.mail.test', nameId: 'u-1234', attributes: { [oid]: ['jane@acme.example'] } })
    expect(again.page).toMatch(/data-field="email">jane@acme\.example</)
    expect(again.page).not.toContain('data-testid="fix-email-attribute"')
  })
})
