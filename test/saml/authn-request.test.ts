import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import { deflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { buildAuthnRequest } from '../../src/saml/authn-request'
import {
  decodePostBinding,
  decodeRedirectBinding,
  encodeRedirectBinding,
  readRedirectQuery,
  signPostMessage,
  verifyRedirectBindingSignature,
} from '../../src/saml/bindings'
import { verifyEnvelopedSignature } from '../../src/saml/dsig/verify'
import { encodeBase64, utf8Encode } from '../../src/saml/encoding'
import { parseCertificate } from '../../src/saml/x509'
import { firstChildNamed, NS, textContent } from '../../src/saml/xml/dom'
import { parseXml } from '../../src/saml/xml/parse'
import { signingKey, testKeyPair } from '../helpers/keys'
import { itXmlsec1, xmlsec1Verify } from '../helpers/xmlsec1'

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1'
const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256'

const input = {
  id: '_0123456789abcdef0123456789abcdef01234567',
  issueInstant: new Date('2026-11-26T10:00:00Z'),
  destination: 'https://acme.okta.com/app/x/sso/saml?a=1&b=2',
  spEntityId: 'https://support.example.com/sso/metadata',
  acsUrl: 'https://support.example.com/sso/acs',
  nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
}

const sp = testKeyPair('rsa', 'sp')
const spCert = () => [parseCertificate(sp.certificatePem)]
const strict = { allowSha1: false }

/** Everything before `&Signature=` and the decoded signature value. */
function splitSigned(query: string): { signed: string; signature: Buffer } {
  const at = query.indexOf('&Signature=')
  return { signed: query.slice(0, at), signature: Buffer.from(decodeURIComponent(query.slice(at + 11)), 'base64') }
}

describe('AuthnRequest', () => {
  it('round-trips through the Redirect binding (raw DEFLATE + base64 + URL encoding)', async () => {
    const query = await encodeRedirectBinding({ xml: buildAuthnRequest(input), param: 'SAMLRequest', relayState: '/x?y=1 z' })
    const message = readRedirectQuery(`?${query}`)
    expect(message).toMatchObject({ param: 'SAMLRequest', relayState: '/x?y=1 z', sigAlg: null, signature: null, signedOctets: null })
    const root = (await decodeRedirectBinding(message.message)).documentElement!
    expect([root.namespaceURI, root.localName]).toEqual([NS.samlp, 'AuthnRequest'])
    expect(root.getAttribute('ID')).toBe(input.id)
    expect(root.getAttribute('Version')).toBe('2.0')
    expect(root.getAttribute('IssueInstant')).toBe('2026-11-26T10:00:00.000Z')
    expect(root.getAttribute('Destination')).toBe(input.destination)
    expect(root.getAttribute('AssertionConsumerServiceURL')).toBe(input.acsUrl)
    expect(root.getAttribute('ProtocolBinding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST')
    expect(root.hasAttribute('ForceAuthn')).toBe(false)
    expect(textContent(firstChildNamed(root, NS.saml, 'Issuer')!)).toBe(input.spEntityId)
    expect(firstChildNamed(root, NS.samlp, 'NameIDPolicy')!.getAttribute('Format')).toBe(input.nameIdFormat)
  })

  it('sets ForceAuthn and IsPassive when asked, and refuses an ID that is not an xs:ID', () => {
    const root = parseXml(buildAuthnRequest({ ...input, forceAuthn: true, isPassive: true })).documentElement!
    expect(root.getAttribute('ForceAuthn')).toBe('true')
    expect(root.getAttribute('IsPassive')).toBe('true')
    expect(() => buildAuthnRequest({ ...input, id: '1abc' })).toThrow(TypeError)
    expect(() => buildAuthnRequest({ ...input, id: '_a" x="y' })).toThrow(TypeError)
  })

  it('escapes hostile values in the XML', () => {
    const xml = buildAuthnRequest({ ...input, spEntityId: 'a<b>&"c', acsUrl: 'https://x/"><y/>' })
    const root = parseXml(xml).documentElement!
    expect(textContent(firstChildNamed(root, NS.saml, 'Issuer')!)).toBe('a<b>&"c')
    expect(root.getAttribute('AssertionConsumerServiceURL')).toBe('https://x/"><y/>')
  })

  it('signs POST-binding requests with an enveloped signature right after the Issuer', async () => {
    const xml = await signPostMessage(buildAuthnRequest(input), { privateKey: await signingKey(sp), certificatePem: sp.certificatePem })
    const root = decodePostBinding(encodeBase64(utf8Encode(xml))).documentElement!
    const signature = firstChildNamed(root, NS.ds, 'Signature')!
    expect((signature.previousSibling as unknown as { localName: string }).localName).toBe('Issuer')
    await expect(verifyEnvelopedSignature(root, signature, spCert(), strict)).resolves.toBeTruthy()
  })

  itXmlsec1('xmlsec1 verifies a POST-signed AuthnRequest and rejects it with another key', async () => {
    const xml = await signPostMessage(buildAuthnRequest(input), { privateKey: await signingKey(sp), certificatePem: sp.certificatePem })
    const id = ['urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest']
    const ok = xmlsec1Verify(xml, sp.certificatePem, id)
    expect(ok.ok, ok.output).toBe(true)
    expect(xmlsec1Verify(xml, testKeyPair('rsa', 'other').certificatePem, id).ok).toBe(false)
  })
})

describe('HTTP-Redirect binding signatures (bindings §3.4.4.1)', () => {
  it('signs SAMLRequest, RelayState, SigAlg in that order, verifiable by an independent implementation', async () => {
    const query = await encodeRedirectBinding({
      xml: buildAuthnRequest(input),
      param: 'SAMLRequest',
      relayState: 'r/1',
      signing: { privateKey: await signingKey(sp) },
    })
    const { signed, signature } = splitSigned(query)
    expect(signed).toMatch(/^SAMLRequest=[^&]+&RelayState=r%2F1&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256$/)
    expect(nodeVerify('sha256', Buffer.from(signed), createPublicKey(sp.certificatePem), signature)).toBe(true)
    const verified = await verifyRedirectBindingSignature(query, spCert(), strict)
    expect(verified).toMatchObject({ param: 'SAMLRequest', relayState: 'r/1', sigAlg: RSA_SHA256 })
  })

  it('signs and verifies ECDSA-SHA256 (r || s, as the SigAlg URI defines it)', async () => {
    const ec = testKeyPair('ec', 'sp')
    const query = await encodeRedirectBinding({
      xml: buildAuthnRequest(input),
      param: 'SAMLRequest',
      signing: { privateKey: await signingKey(ec), algorithm: ECDSA_SHA256 },
    })
    const { signed, signature } = splitSigned(query)
    expect(nodeVerify('sha256', Buffer.from(signed), { key: createPublicKey(ec.certificatePem), dsaEncoding: 'ieee-p1363' }, signature)).toBe(true)
    await expect(verifyRedirectBindingSignature(query, [parseCertificate(ec.certificatePem)], strict)).resolves.toMatchObject({ sigAlg: ECDSA_SHA256 })
  })

  it('rejects a tampered RelayState, SAMLRequest or SigAlg, and a wrong certificate', async () => {
    const query = await encodeRedirectBinding({
      xml: buildAuthnRequest(input),
      param: 'SAMLRequest',
      relayState: 'r',
      signing: { privateKey: await signingKey(sp) },
    })
    const invalid = { code: 'SAML_SIGNATURE_INVALID' }
    await expect(verifyRedirectBindingSignature(query.replace('RelayState=r', 'RelayState=s'), spCert(), strict)).rejects.toMatchObject(invalid)
    const other = await encodeRedirectBinding({ xml: buildAuthnRequest({ ...input, id: '_other' }), param: 'SAMLRequest' })
    const swapped = query.replace(/^SAMLRequest=[^&]+/, other)
    await expect(verifyRedirectBindingSignature(swapped, spCert(), strict)).rejects.toMatchObject(invalid)
    await expect(verifyRedirectBindingSignature(query.replace('rsa-sha256', 'rsa-sha512'), spCert(), strict)).rejects.toMatchObject(invalid)
    await expect(verifyRedirectBindingSignature(query, [parseCertificate(testKeyPair('rsa', 'other').certificatePem)], strict)).rejects.toMatchObject(invalid)
    // Dropping RelayState changes the signed octets too.
    await expect(verifyRedirectBindingSignature(query.replace('&RelayState=r', ''), spCert(), strict)).rejects.toMatchObject(invalid)
  })

  it('accepts the first matching certificate of several (rollover)', async () => {
    const query = await encodeRedirectBinding({ xml: buildAuthnRequest(input), param: 'SAMLRequest', signing: { privateKey: await signingKey(sp) } })
    const certs = [parseCertificate(testKeyPair('ec', 'other').certificatePem), parseCertificate(testKeyPair('rsa', 'other').certificatePem), ...spCert()]
    await expect(verifyRedirectBindingSignature(query, certs, strict)).resolves.toMatchObject({ certificate: certs[2] })
  })

  it('refuses SHA-1 unless allowed, and never signs with it', async () => {
    const query = await sha1SignedQuery()
    await expect(verifyRedirectBindingSignature(query, spCert(), strict)).rejects.toMatchObject({ code: 'SAML_SHA1_FORBIDDEN' })
    await expect(verifyRedirectBindingSignature(query, spCert(), { allowSha1: true })).resolves.toMatchObject({ sigAlg: RSA_SHA1 })
    const signing = { privateKey: await signingKey(sp, 'SHA-1'), algorithm: RSA_SHA1 }
    await expect(encodeRedirectBinding({ xml: '<x/>', param: 'SAMLRequest', signing })).rejects.toMatchObject({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
  })

  it('verifies over the sender’s own URL-encoding (lowercase hex, as ADFS writes it)', async () => {
    const lower = (s: string) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())
    const deflated = encodeBase64(new Uint8Array(deflateRawSync(Buffer.from(buildAuthnRequest(input)))))
    const signed = `SAMLRequest=${lower(deflated)}&RelayState=${lower('/a b')}&SigAlg=${lower(RSA_SHA256)}`
    const value = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', await signingKey(sp), utf8Encode(signed)))
    const query = `${signed}&Signature=${lower(encodeBase64(value))}`
    expect(signed).toContain('%2f')
    await expect(verifyRedirectBindingSignature(query, spCert(), strict)).resolves.toMatchObject({ relayState: '/a b' })
  })

  it('rejects unsigned, ambiguous and unsupported queries', async () => {
    const unsigned = await encodeRedirectBinding({ xml: buildAuthnRequest(input), param: 'SAMLRequest', relayState: 'r' })
    await expect(verifyRedirectBindingSignature(unsigned, spCert(), strict)).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
    const signed = await encodeRedirectBinding({
      xml: buildAuthnRequest(input),
      param: 'SAMLRequest',
      relayState: 'r',
      signing: { privateKey: await signingKey(sp) },
    })
    await expect(verifyRedirectBindingSignature(`${signed}&RelayState=x`, spCert(), strict)).rejects.toMatchObject({ code: 'SAML_NOT_SAML' })
    await expect(verifyRedirectBindingSignature(`${signed}&SAMLResponse=x`, spCert(), strict)).rejects.toMatchObject({ code: 'SAML_NOT_SAML' })
    await expect(verifyRedirectBindingSignature('RelayState=x', spCert(), strict)).rejects.toMatchObject({ code: 'SAML_NOT_SAML' })
    await expect(verifyRedirectBindingSignature(`${signed}&SAMLEncoding=urn:other`, spCert(), strict)).rejects.toMatchObject({ code: 'SAML_NOT_SAML' })
    await expect(verifyRedirectBindingSignature(signed.replace(/SigAlg=[^&]+&/, ''), spCert(), strict)).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_UNSUPPORTED',
    })
    const hmac = signed.replace(/SigAlg=[^&]+/, `SigAlg=${encodeURIComponent('http://www.w3.org/2000/09/xmldsig#hmac-sha1')}`)
    await expect(verifyRedirectBindingSignature(hmac, spCert(), strict)).rejects.toMatchObject({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
    await expect(verifyRedirectBindingSignature(signed, [], strict)).rejects.toMatchObject({ code: 'SAML_NO_CERTIFICATES' })
    await expect(verifyRedirectBindingSignature(signed.replace(/Signature=[^&]+$/, 'Signature=%%%'), spCert(), strict)).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_INVALID',
    })
  })
})

describe('decoding received messages', () => {
  it('stops a deflate bomb at MAX_INFLATED_BYTES', async () => {
    const bomb = encodeBase64(new Uint8Array(deflateRawSync(Buffer.alloc(20 * 1024 * 1024, 0x20))))
    expect(bomb.length).toBeLessThan(40_000)
    await expect(decodeRedirectBinding(bomb)).rejects.toMatchObject({ code: 'SAML_INPUT_TOO_LARGE' })
  })

  it('rejects corrupt DEFLATE, bad base64, DOCTYPE and oversized input', async () => {
    await expect(decodeRedirectBinding(encodeBase64(utf8Encode('not deflate at all')))).rejects.toMatchObject({ code: 'SAML_INFLATE_FAILED' })
    await expect(decodeRedirectBinding('***')).rejects.toMatchObject({ code: 'SAML_INVALID_BASE64' })
    const dtd = encodeBase64(new Uint8Array(deflateRawSync(Buffer.from('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'))))
    await expect(decodeRedirectBinding(dtd)).rejects.toMatchObject({ code: 'SAML_DTD_FORBIDDEN' })
    expect(() => decodePostBinding('A'.repeat(400_000))).toThrow(expect.objectContaining({ code: 'SAML_INPUT_TOO_LARGE' }))
    expect(() => decodePostBinding(encodeBase64(utf8Encode('<x>')))).toThrow(expect.objectContaining({ code: 'SAML_MALFORMED_XML' }))
  })
})

/** A Redirect query signed with RSA-SHA1, as older IdPs still send (built by hand: we never sign SHA-1). */
async function sha1SignedQuery(): Promise<string> {
  const base = await encodeRedirectBinding({ xml: buildAuthnRequest(input), param: 'SAMLRequest' })
  const signed = `${base}&SigAlg=${encodeURIComponent(RSA_SHA1)}`
  const value = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', await signingKey(sp, 'SHA-1'), utf8Encode(signed)))
  return `${signed}&Signature=${encodeURIComponent(encodeBase64(value))}`
}
