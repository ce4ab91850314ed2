// signEnveloped + verifyEnvelopedSignature round trips with RSA-2048 and ECDSA P-256 keys, through
// serialization and a fresh parse (what an IdP and an SP actually exchange).
import { describe, expect, it } from 'vitest'
import { signEnveloped } from '../../../src/saml/dsig/sign'
import { verifyEnvelopedSignature } from '../../../src/saml/dsig/verify'
import { validateSamlResponse } from '../../../src/saml/index'
import { parseCertificate } from '../../../src/saml/x509'
import { childElements, NS } from '../../../src/saml/xml/dom'
import { parseXml } from '../../../src/saml/xml/parse'
import { signingKey, testKeyPair } from '../../helpers/keys'
import { assertionOf, optionsFor, parseDoc, responseXml, serialize, signatureOf, signedResponse } from '../../helpers/saml-response'

describe('enveloped signatures, RSA and ECDSA P-256', () => {
  for (const kind of ['rsa', 'ec'] as const) {
    it(`verifies a ${kind.toUpperCase()}-signed Assertion after serialization and re-parse`, async () => {
      const pair = testKeyPair(kind)
      const doc = await signedResponse('assertion', {}, { pair })
      const reparsed = parseXml(serialize(doc))
      const assertion = assertionOf(reparsed)
      const result = await verifyEnvelopedSignature(assertion, signatureOf(assertion), [parseCertificate(pair.certificatePem)], { allowSha1: false })
      expect(result.element).toBe(assertion)
    })

    it(`accepts a ${kind.toUpperCase()}-signed Response and Assertion end to end`, async () => {
      const pair = testKeyPair(kind)
      const doc = await signedResponse('both', {}, { pair })
      const options = optionsFor(doc, {})
      await expect(validateSamlResponse({ ...options, idp: { ...options.idp, certificates: [pair.certificatePem] } })).resolves.toMatchObject({
        signedParts: { response: true, assertion: true },
      })
    })
  }

  it('puts the Signature right after Issuer (SAML schema order) with KeyInfo when a certificate is given', async () => {
    const doc = parseDoc(responseXml())
    const pair = testKeyPair('rsa')
    const assertion = assertionOf(doc)
    const signature = await signEnveloped(assertion, { privateKey: await signingKey(pair), certificatePem: pair.certificatePem })
    const names = childElements(assertion).map((c) => c.localName)
    expect(names.slice(0, 3)).toEqual(['Issuer', 'Signature', 'Subject'])
    expect(childElements(signature).map((c) => `${c.namespaceURI === NS.ds ? 'ds:' : ''}${c.localName}`)).toEqual([
      'ds:SignedInfo',
      'ds:SignatureValue',
      'ds:KeyInfo',
    ])
  })

  it('rejects a certificate of the wrong key type (EC configured, RSA signed) with SAML_SIGNATURE_INVALID', async () => {
    const doc = await signedResponse('assertion')
    const assertion = assertionOf(doc)
    await expect(
      verifyEnvelopedSignature(assertion, signatureOf(assertion), [parseCertificate(testKeyPair('ec').certificatePem)], { allowSha1: false }),
    ).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })
})
