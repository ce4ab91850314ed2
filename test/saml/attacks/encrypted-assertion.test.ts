// Encrypted assertions: the Response signature is checked before decryption, a decrypted
// assertion needs a signature of its own unless the Response is signed, and every failure after
// the key looks the same (no CBC padding/format oracle).
import { beforeAll, describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../../src/saml/index'
import { NS } from '../../../src/saml/xml/dom'
import { encryptAssertion } from '../../helpers/encrypt'
import { testEncryptionKeyPair } from '../../helpers/keys'
import { assertionOf, find, optionsFor, parseDoc, responseOf, responseXml, setText, sign, signedResponse } from '../../helpers/saml-response'

let sp: { publicKey: CryptoKey; privateKeyPem: string }
beforeAll(async () => {
  sp = await testEncryptionKeyPair()
})

const withKey = (doc: Parameters<typeof optionsFor>[0]) => optionsFor(doc, { decryptionKeys: [sp.privateKeyPem] })

describe('encrypted assertions', () => {
  it('accepts a signed assertion, encrypted, in an unsigned Response', async () => {
    const doc = await signedResponse('assertion')
    await encryptAssertion(assertionOf(doc), sp.publicKey)
    await expect(validateSamlResponse(withKey(doc))).resolves.toMatchObject({
      nameId: 'alice@example.com',
      signedParts: { response: false, assertion: true },
    })
  })

  it('accepts an unsigned encrypted assertion in a signed Response (signature over the ciphertext)', async () => {
    const doc = parseDoc(responseXml())
    await encryptAssertion(assertionOf(doc), sp.publicKey)
    await sign(responseOf(doc))
    await expect(validateSamlResponse(withKey(doc))).resolves.toMatchObject({
      nameId: 'alice@example.com',
      signedParts: { response: true, assertion: false },
    })
  })

  it('rejects an unsigned encrypted assertion in an unsigned Response with SAML_SIGNATURE_MISSING', async () => {
    const doc = parseDoc(responseXml())
    await encryptAssertion(assertionOf(doc), sp.publicKey)
    await expect(validateSamlResponse(withKey(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
  })

  it('rejects a ciphertext swapped after the Response was signed with SAML_SIGNATURE_INVALID, before decrypting', async () => {
    const doc = parseDoc(responseXml())
    const encrypted = await encryptAssertion(assertionOf(doc), sp.publicKey)
    await sign(responseOf(doc))
    const values = encrypted.getElementsByTagNameNS('http://www.w3.org/2001/04/xmlenc#', 'CipherValue')
    const data = values[values.length - 1]!
    setText(data, Buffer.from('garbage that would fail decryption').toString('base64'))
    await expect(validateSamlResponse(withKey(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })

  it('rejects a forged plaintext that is not an Assertion with SAML_DECRYPTION_FAILED', async () => {
    const doc = parseDoc(responseXml())
    await encryptAssertion(assertionOf(doc), sp.publicKey, '<notAnAssertion/>')
    await expect(validateSamlResponse(withKey(doc))).rejects.toMatchObject({ code: 'SAML_DECRYPTION_FAILED' })
  })

  it('rejects a forged plaintext that is not XML with SAML_DECRYPTION_FAILED (same code as a bad key)', async () => {
    const doc = parseDoc(responseXml())
    await encryptAssertion(assertionOf(doc), sp.publicKey, '<saml:Assertion')
    await expect(validateSamlResponse(withKey(doc))).rejects.toMatchObject({ code: 'SAML_DECRYPTION_FAILED' })
  })

  it('rejects an encrypted assertion with a wrapped copy inside with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    const signed = assertionOf(doc)
    const evil = signed.cloneNode(true) as typeof signed
    setText(find(evil, NS.saml, 'NameID'), 'attacker@evil.test')
    evil.setAttribute('ID', '_evil')
    const outer = evil.getElementsByTagNameNS(NS.ds, 'Signature')[0]!
    evil.removeChild(outer)
    evil.appendChild(signed.cloneNode(true))
    await encryptAssertion(signed, sp.publicKey, new (await import('@xmldom/xmldom')).XMLSerializer().serializeToString(evil))
    await expect(validateSamlResponse(withKey(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects an encrypted assertion when no SP key is configured with SAML_NO_DECRYPTION_KEY', async () => {
    const doc = await signedResponse('assertion')
    await encryptAssertion(assertionOf(doc), sp.publicKey)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_NO_DECRYPTION_KEY' })
  })
})
