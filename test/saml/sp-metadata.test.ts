import { describe, expect, it } from 'vitest'
import { verifyEnvelopedSignature } from '../../src/saml/dsig/verify'
import { buildSpMetadata, signMetadata } from '../../src/saml/sp-metadata'
import type { SpMetadataInput } from '../../src/saml/sp-metadata'
import { encodeBase64 } from '../../src/saml/encoding'
import { parseCertificate } from '../../src/saml/x509'
import { childElements, childrenNamed, firstChildNamed, NS, textContent } from '../../src/saml/xml/dom'
import { parseXml } from '../../src/saml/xml/parse'
import { signingKey, testKeyPair } from '../helpers/keys'
import { itXmlsec1, xmlsec1Verify } from '../helpers/xmlsec1'

const ENTITY_DESCRIPTOR = 'urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor'

function input(overrides: Partial<SpMetadataInput> = {}): SpMetadataInput {
  return {
    entityId: 'https://support.example.com/sso/metadata',
    acsUrl: 'https://support.example.com/sso/acs',
    sloUrl: 'https://support.example.com/sso/slo',
    signingCertificates: [testKeyPair('rsa', 'sp-a').certificatePem, testKeyPair('rsa', 'sp-b').certificatePem],
    encryptionCertificates: [testKeyPair('rsa', 'sp-a').certificatePem],
    wantAssertionsSigned: true,
    authnRequestsSigned: false,
    ...overrides,
  }
}

describe('SP metadata', () => {
  it('lists ACS, SLO, NameID formats and both certificates during a rollover, in schema order', () => {
    const root = parseXml(buildSpMetadata(input())).documentElement!
    expect(root.getAttribute('entityID')).toBe('https://support.example.com/sso/metadata')
    const sp = firstChildNamed(root, NS.md, 'SPSSODescriptor')!
    expect(sp.getAttribute('WantAssertionsSigned')).toBe('true')
    expect(sp.getAttribute('AuthnRequestsSigned')).toBe('false')
    expect(sp.getAttribute('protocolSupportEnumeration')).toBe(NS.samlp)
    // metadata §2.4.2/§2.4.4: KeyDescriptor*, SingleLogoutService*, NameIDFormat*, AssertionConsumerService+.
    expect(childElements(sp).map((c) => c.localName)).toEqual([
      'KeyDescriptor',
      'KeyDescriptor',
      'KeyDescriptor',
      'SingleLogoutService',
      'SingleLogoutService',
      'NameIDFormat',
      'NameIDFormat',
      'AssertionConsumerService',
    ])
    const keys = childrenNamed(sp, NS.md, 'KeyDescriptor')
    expect(keys.map((k) => k.getAttribute('use'))).toEqual(['signing', 'signing', 'encryption'])
    const certs = keys.map((k) => textContent(k.getElementsByTagNameNS(NS.ds, 'X509Certificate').item(0)!))
    expect(certs[0]).toBe(encodeBase64(parseCertificate(testKeyPair('rsa', 'sp-a').certificatePem).der))
    expect(certs[1]).toBe(encodeBase64(parseCertificate(testKeyPair('rsa', 'sp-b').certificatePem).der))
    const slo = childrenNamed(sp, NS.md, 'SingleLogoutService')
    expect(slo.map((s) => [s.getAttribute('Binding'), s.getAttribute('Location')])).toEqual([
      ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', 'https://support.example.com/sso/slo'],
      ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', 'https://support.example.com/sso/slo'],
    ])
    const acs = firstChildNamed(sp, NS.md, 'AssertionConsumerService')!
    expect(acs.getAttribute('Location')).toBe('https://support.example.com/sso/acs')
    expect(acs.getAttribute('Binding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST')
    expect(acs.getAttribute('index')).toBe('0')
    expect(acs.getAttribute('isDefault')).toBe('true')
  })

  it('advertises AES-GCM first for encryption', () => {
    const sp = firstChildNamed(parseXml(buildSpMetadata(input())).documentElement!, NS.md, 'SPSSODescriptor')!
    const encryption = childrenNamed(sp, NS.md, 'KeyDescriptor')[2]!
    expect(childrenNamed(encryption, NS.md, 'EncryptionMethod')[0]!.getAttribute('Algorithm')).toBe('http://www.w3.org/2009/xmlenc11#aes256-gcm')
  })

  it('writes validUntil, custom NameID formats, Organization and ContactPerson after the role', () => {
    const xml = buildSpMetadata(
      input({
        nameIdFormats: ['urn:oasis:names:tc:SAML:2.0:nameid-format:transient'],
        validUntil: new Date('2027-01-01T00:00:00Z'),
        organization: { name: 'Acme & Co', displayName: 'Acme <Support>', url: 'https://acme.example' },
        contacts: [{ contactType: 'technical', givenName: 'Ops', emailAddress: 'ops@acme.example' }],
      }),
    )
    const root = parseXml(xml).documentElement!
    expect(root.getAttribute('validUntil')).toBe('2027-01-01T00:00:00.000Z')
    expect(childElements(root).map((c) => c.localName)).toEqual(['SPSSODescriptor', 'Organization', 'ContactPerson'])
    const org = firstChildNamed(root, NS.md, 'Organization')!
    expect(textContent(firstChildNamed(org, NS.md, 'OrganizationName')!)).toBe('Acme & Co')
    expect(textContent(firstChildNamed(org, NS.md, 'OrganizationDisplayName')!)).toBe('Acme <Support>')
    expect(firstChildNamed(org, NS.md, 'OrganizationName')!.getAttributeNS(NS.xml, 'lang')).toBe('en')
    const contact = firstChildNamed(root, NS.md, 'ContactPerson')!
    expect(textContent(firstChildNamed(contact, NS.md, 'EmailAddress')!)).toBe('mailto:ops@acme.example')
    const sp = firstChildNamed(root, NS.md, 'SPSSODescriptor')!
    expect(childrenNamed(sp, NS.md, 'NameIDFormat').map(textContent)).toEqual(['urn:oasis:names:tc:SAML:2.0:nameid-format:transient'])
  })

  it('escapes hostile configuration values', () => {
    const xml = buildSpMetadata(input({ entityId: 'urn:x"><evil/>&', acsUrl: 'https://a.example/acs?a=1&b="2"' }))
    const root = parseXml(xml).documentElement!
    expect(root.getAttribute('entityID')).toBe('urn:x"><evil/>&')
    expect(root.getElementsByTagName('evil').length).toBe(0)
    const acs = root.getElementsByTagNameNS(NS.md, 'AssertionConsumerService').item(0)!
    expect(acs.getAttribute('Location')).toBe('https://a.example/acs?a=1&b="2"')
  })

  it('refuses a certificate that does not parse', () => {
    expect(() => buildSpMetadata(input({ signingCertificates: ['not a certificate'] }))).toThrow(expect.objectContaining({ code: 'SAML_CERTIFICATE_INVALID' }))
  })

  it('signs with the Signature as first child, and our verifier accepts it', async () => {
    const pair = testKeyPair('rsa', 'sp-a')
    const xml = await signMetadata(buildSpMetadata(input({ id: '_sp-metadata-1' })), {
      privateKey: await signingKey(pair),
      certificatePem: pair.certificatePem,
    })
    const root = parseXml(xml).documentElement!
    const first = childElements(root)[0]!
    expect([first.namespaceURI, first.localName]).toEqual([NS.ds, 'Signature'])
    await expect(verifyEnvelopedSignature(root, first, [parseCertificate(pair.certificatePem)], { allowSha1: false })).resolves.toBeTruthy()
  })

  it('cannot sign metadata without an ID', async () => {
    const pair = testKeyPair('rsa', 'sp-a')
    await expect(signMetadata(buildSpMetadata(input()), { privateKey: await signingKey(pair), certificatePem: pair.certificatePem })).rejects.toMatchObject({
      code: 'SAML_KEY_INVALID',
    })
  })

  itXmlsec1('xmlsec1 verifies signed SP metadata (RSA-SHA256 and ECDSA-SHA256) and rejects an edited copy or another key', async () => {
    for (const kind of ['rsa', 'ec'] as const) {
      const pair = testKeyPair(kind, 'sp-md-signer')
      const signatureAlgorithm = kind === 'ec' ? 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256' : undefined
      const xml = await signMetadata(
        buildSpMetadata(input({ id: '_sp-md', organization: { name: 'Ünïcode & Co', displayName: 'x', url: 'https://x.example' } })),
        {
          privateKey: await signingKey(pair),
          certificatePem: pair.certificatePem,
          ...(signatureAlgorithm ? { signatureAlgorithm } : {}),
        },
      )
      const ok = xmlsec1Verify(xml, pair.certificatePem, [ENTITY_DESCRIPTOR])
      expect(ok.ok, ok.output).toBe(true)
      expect(xmlsec1Verify(xml, testKeyPair(kind, 'someone-else').certificatePem, [ENTITY_DESCRIPTOR]).ok).toBe(false)
      const edited = xmlsec1Verify(xml.replace('https://support.example.com/sso/acs', 'https://evil.example/acs'), pair.certificatePem, [ENTITY_DESCRIPTOR])
      expect(edited.ok).toBe(false)
    }
  })
})
