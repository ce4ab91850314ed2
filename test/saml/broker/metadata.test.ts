// The broker's IdP metadata (built from parsed DER, optionally signed) and the helpdesk SP
// metadata reader. Outside checks: our own IdP-metadata parser reads it back; xmlsec1 verifies it.
import { describe, expect, it } from 'vitest'
import { buildBrokerMetadata, parseSpMetadata } from '../../../src/saml/broker/metadata'
import { encodeBase64 } from '../../../src/saml/encoding'
import { parseIdpMetadata } from '../../../src/saml/metadata'
import { buildSpMetadata, signMetadata } from '../../../src/saml/sp-metadata'
import { parseCertificate } from '../../../src/saml/x509'
import { readInterop } from '../../helpers/interop'
import { signingKey, testKeyPair } from '../../helpers/keys'
import { itXmlsec1, xmlsec1Verify } from '../../helpers/xmlsec1'

const key = testKeyPair('rsa', 'broker-signing')
const input = {
  entityId: 'https://gateway.example/sso/idp/metadata',
  ssoUrl: 'https://gateway.example/sso/idp/sso',
  sloUrl: 'https://gateway.example/sso/idp/slo',
  signingCertificates: [key.certificatePem],
}

describe('buildBrokerMetadata', () => {
  it('reads back as a usable SAML 2.0 IdP with both bindings and the certificate re-encoded from DER', async () => {
    const parsed = await parseIdpMetadata(buildBrokerMetadata(input))
    expect(parsed.idps).toHaveLength(1)
    const idp = parsed.idps[0]!
    expect(idp).toMatchObject({
      entityId: input.entityId,
      supportsSaml2: true,
      problem: null,
      ssoUrls: { 'HTTP-Redirect': input.ssoUrl, 'HTTP-POST': input.ssoUrl },
      sloUrls: { 'HTTP-Redirect': input.sloUrl, 'HTTP-POST': input.sloUrl },
      nameIdFormats: [
        'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
        'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
      ],
    })
    expect(idp.signingCertificates).toEqual([encodeBase64(parseCertificate(key.certificatePem).der)])
  })

  it('escapes hostile values and refuses a certificate that does not parse', async () => {
    const xml = buildBrokerMetadata({ ...input, entityId: 'https://g.example/"><x/>' })
    expect((await parseIdpMetadata(xml)).idps[0]!.entityId).toBe('https://g.example/"><x/>')
    expect(() => buildBrokerMetadata({ ...input, signingCertificates: ['not a certificate'] })).toThrow(
      expect.objectContaining({ code: 'SAML_CERTIFICATE_INVALID' }),
    )
  })

  itXmlsec1('signs as the first child of the EntityDescriptor, and xmlsec1 verifies it', async () => {
    const signed = await signMetadata(buildBrokerMetadata({ ...input, id: '_broker-md' }), {
      privateKey: await signingKey(key),
      certificatePem: key.certificatePem,
    })
    const r = xmlsec1Verify(signed, key.certificatePem, ['urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor'])
    expect(r.ok, r.output).toBe(true)
    const verified = await parseIdpMetadata(signed, { verifyWith: [key.certificatePem] })
    expect(verified.signatureVerified).toBe(true)
  })
})

describe('parseSpMetadata (a helpdesk in broker mode)', () => {
  it('reads the SP role of the real ADFS metadata and of our own SP metadata', () => {
    const adfs = parseSpMetadata(readInterop('metadata/adfs-federationmetadata.xml'))
    expect(adfs.entityId).toBe('http://idp.adfs.example.com/adfs/services/trust')
    expect(adfs.acsUrl).toMatch(/^https:\/\/idp\.adfs\.example\.com\/adfs\/ls\/?$/)
    const ours = parseSpMetadata(
      buildSpMetadata({
        entityId: 'urn:sp',
        acsUrl: 'https://sp.example/acs',
        sloUrl: 'https://sp.example/slo',
        signingCertificates: [testKeyPair('rsa', 'sp-a').certificatePem],
        encryptionCertificates: [],
        wantAssertionsSigned: true,
        authnRequestsSigned: true,
      }),
    )
    expect(ours).toMatchObject({ entityId: 'urn:sp', acsUrl: 'https://sp.example/acs', authnRequestsSigned: true })
    expect(ours.signingCertificates).toHaveLength(1)
  })

  // Issue 16: the SingleLogoutService, WantAssertionsSigned and the encryption certificate were dropped.
  it('reads the SingleLogoutService (Redirect preferred, ResponseLocation first), WantAssertionsSigned and the encryption certificate', () => {
    const enc = testKeyPair('rsa', 'sp-enc').certificatePem
    const xml = buildSpMetadata({
      entityId: 'urn:sp',
      acsUrl: 'https://sp.example/acs',
      sloUrl: 'https://sp.example/slo',
      signingCertificates: [],
      encryptionCertificates: [enc],
      wantAssertionsSigned: true,
      authnRequestsSigned: false,
    })
    const sp = parseSpMetadata(xml)
    expect(sp).toMatchObject({ wantAssertionsSigned: true, slo: { url: 'https://sp.example/slo', binding: 'redirect' } })
    expect(sp.encryptionCertificates).toEqual([encodeBase64(parseCertificate(enc).der)])
    const postOnly = xml.replace(/<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2\.0:bindings:HTTP-Redirect"[^>]*\/>/, '')
    expect(parseSpMetadata(postOnly).slo).toEqual({ url: 'https://sp.example/slo', binding: 'post' })
    const responseLocation = xml.replace(
      /(<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2\.0:bindings:HTTP-Redirect")/,
      '$1 ResponseLocation="https://sp.example/slo-answers"',
    )
    expect(parseSpMetadata(responseLocation).slo).toEqual({ url: 'https://sp.example/slo-answers', binding: 'redirect' })
    const none = xml.replace(/<md:SingleLogoutService[^>]*\/>/g, '')
    expect(parseSpMetadata(none).slo).toBeNull()
  })

  it('refuses metadata without a SAML 2.0 SP role: SAML_METADATA_INVALID', () => {
    expect(() => parseSpMetadata(readInterop('metadata/okta-app-metadata-2020.xml'))).toThrow(expect.objectContaining({ code: 'SAML_METADATA_INVALID' }))
  })
})
