// offeredSigningCertificate: the certificate a Response's KeyInfo names (Response first, then its
// Assertion), as bare base64 DER; null for anything else. Diagnostic only: the gateway offers it to
// the admin after the response has verified with it (test/routes/admin-console.test-fixes.test.ts).
import { XMLSerializer } from '@xmldom/xmldom'
import { describe, expect, it } from 'vitest'
import { signEnveloped } from '../../src/saml/dsig/sign'
import { encodeBase64, utf8Encode } from '../../src/saml/encoding'
import { MAX_XML_BYTES } from '../../src/saml/limits'
import { offeredSigningCertificate } from '../../src/saml/offered-certificate'
import { importPrivateKey, parseCertificate } from '../../src/saml/x509'
import { firstChildNamed, NS } from '../../src/saml/xml/dom'
import { parseXml } from '../../src/saml/xml/parse'
import { testKeyPair } from '../helpers/keys'

const RESPONSE =
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="2026-12-04T10:00:00Z">' +
  '<saml:Issuer>https://idp.example</saml:Issuer><saml:Assertion ID="_a1" Version="2.0" IssueInstant="2026-12-04T10:00:00Z"><saml:Issuer>https://idp.example</saml:Issuer></saml:Assertion></samlp:Response>'

const b64 = (xml: string) => encodeBase64(utf8Encode(xml))

async function signed(where: 'response' | 'assertion', certificatePem: string): Promise<string> {
  const doc = parseXml(RESPONSE)
  const pair = testKeyPair('rsa', 'offered')
  const privateKey = await importPrivateKey(pair.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
  const target = where === 'response' ? doc.documentElement! : firstChildNamed(doc.documentElement!, NS.saml, 'Assertion')!
  await signEnveloped(target, { privateKey, certificatePem })
  return new XMLSerializer().serializeToString(doc)
}

const derOf = (pem: string) => encodeBase64(parseCertificate(pem).der)

describe('offeredSigningCertificate', () => {
  it("returns the certificate in the Response's or the Assertion's KeyInfo", async () => {
    const pem = testKeyPair('rsa', 'offered').certificatePem
    expect(offeredSigningCertificate(b64(await signed('response', pem)))).toBe(derOf(pem))
    expect(offeredSigningCertificate(b64(await signed('assertion', pem)))).toBe(derOf(pem))
  })

  it('returns null without a signature, for a KeyInfo that is not a certificate, and for what is not a Response', async () => {
    expect(offeredSigningCertificate(b64(RESPONSE))).toBeNull()
    const pem = testKeyPair('rsa', 'offered').certificatePem
    const notACertificate = (await signed('response', pem)).replace(/<ds:X509Certificate>[^<]+</, '<ds:X509Certificate>bm90IGEgY2VydA==<')
    expect(offeredSigningCertificate(b64(notACertificate))).toBeNull()
    expect(offeredSigningCertificate(b64('<x/>'))).toBeNull()
    expect(offeredSigningCertificate('%%% not base64')).toBeNull()
    expect(offeredSigningCertificate(b64('<!DOCTYPE x [<!ENTITY a "b">]><x/>'))).toBeNull()
  })

  it('reads nothing beyond the ACS size bound', () => {
    expect(offeredSigningCertificate('A'.repeat(Math.ceil((MAX_XML_BYTES * 4) / 3) * 2))).toBeNull()
  })
})
