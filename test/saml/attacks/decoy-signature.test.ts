// Enveloped-signature removes exactly the Signature being verified, by identity (OneUptime #2981:
// a decoy second Signature hid forged content from the digest).
import { describe, expect, it } from 'vitest'
import { verifiedDescendant, verifyEnvelopedSignature } from '../../../src/saml/dsig/verify'
import { validateSamlResponse } from '../../../src/saml/index'
import { parseCertificate } from '../../../src/saml/x509'
import { NS } from '../../../src/saml/xml/dom'
import { testKeyPair } from '../../helpers/keys'
import { assertionOf, find, optionsFor, responseOf, signatureOf, signedResponse } from '../../helpers/saml-response'

const certs = () => [parseCertificate(testKeyPair('rsa').certificatePem)]

/** A signed assertion whose NameID then gets `admin` text hidden inside a decoy ds:Signature. */
async function withDecoy() {
  const doc = await signedResponse('assertion')
  const nameId = find(assertionOf(doc), NS.saml, 'NameID')
  const decoy = doc.createElementNS(NS.ds, 'ds:Signature')
  decoy.appendChild(doc.createTextNode('.admin'))
  nameId.appendChild(decoy)
  return doc
}

describe('decoy second Signature', () => {
  it('verifies the untouched assertion (control)', async () => {
    const doc = await signedResponse('assertion')
    const result = await verifyEnvelopedSignature(assertionOf(doc), signatureOf(assertionOf(doc)), certs(), { allowSha1: false })
    expect(result.element).toBe(assertionOf(doc))
  })

  it('keeps a decoy Signature inside the signed element in the digest (SAML_SIGNATURE_INVALID)', async () => {
    const doc = await withDecoy()
    await expect(verifyEnvelopedSignature(assertionOf(doc), signatureOf(assertionOf(doc)), certs(), { allowSha1: false })).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_INVALID',
    })
  })

  it('rejects a decoy Signature in a Response with SAML_SIGNATURE_WRAPPING before any digest', async () => {
    await expect(validateSamlResponse(optionsFor(await withDecoy()))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects a second Signature on the same Assertion with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    const assertion = assertionOf(doc)
    assertion.insertBefore(signatureOf(assertion).cloneNode(true), signatureOf(assertion))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('refuses to verify a Signature that is not a direct child of the element with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    await expect(verifyEnvelopedSignature(doc.documentElement!, signatureOf(assertionOf(doc)), certs(), { allowSha1: false })).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_WRAPPING',
    })
  })

  it('does not extend a Response signature to content hidden inside that Signature (SAML_SIGNATURE_WRAPPING)', async () => {
    const doc = await signedResponse('response')
    const response = responseOf(doc)
    const signature = signatureOf(response)
    const object = doc.createElementNS(NS.ds, 'ds:Object')
    signature.appendChild(object)
    const hidden = assertionOf(doc).cloneNode(true) as ReturnType<typeof assertionOf>
    object.appendChild(hidden)
    const verified = await verifyEnvelopedSignature(response, signature, certs(), { allowSha1: false })
    expect(verifiedDescendant(verified.element, assertionOf(doc))).toBe(assertionOf(doc))
    expect(() => verifiedDescendant(verified.element, hidden)).toThrow(expect.objectContaining({ code: 'SAML_SIGNATURE_WRAPPING' }))
  })
})
