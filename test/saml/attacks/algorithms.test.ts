// Algorithm policy: HMAC keyed with the public certificate (CVE-2016-10555 class), key-type
// confusion, and SHA-1 only with the per-IdP opt-in.
import { describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../../src/saml/index'
import { NS } from '../../../src/saml/xml/dom'
import { canonicalize } from '../../../src/saml/xml/c14n'
import { testKeyPair } from '../../helpers/keys'
import { find, optionsFor, responseOf, setText, signatureOf, signedResponse } from '../../helpers/saml-response'

const HMAC_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256'

describe('algorithm confusion', () => {
  it('accepts the RSA-SHA256 response signed with the IdP key (control)', async () => {
    await expect(validateSamlResponse(optionsFor(await signedResponse('response')))).resolves.toMatchObject({ signedParts: { response: true } })
  })

  it('rejects an HMAC SignatureMethod keyed with the IdP certificate with SAML_SIGNATURE_UNSUPPORTED', async () => {
    const doc = await signedResponse('response')
    const signature = signatureOf(responseOf(doc))
    find(signature, NS.ds, 'SignatureMethod').setAttribute('Algorithm', HMAC_SHA256)
    // The attacker knows the public certificate: an HMAC keyed with it is trivially forgeable.
    const secret = new TextEncoder().encode(testKeyPair('rsa').certificatePem)
    const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    const signedInfo = canonicalize(find(signature, NS.ds, 'SignedInfo'), { exclusive: true, withComments: false })
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(signedInfo)))
    setText(find(signature, NS.ds, 'SignatureValue'), Buffer.from(mac).toString('base64'))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
  })

  it('rejects an ECDSA SignatureMethod over an RSA certificate with SAML_SIGNATURE_INVALID', async () => {
    const doc = await signedResponse('response')
    find(signatureOf(responseOf(doc)), NS.ds, 'SignatureMethod').setAttribute('Algorithm', 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256')
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })
})

describe('SHA-1 policy', () => {
  it('rejects an RSA-SHA1 signature with SAML_SHA1_FORBIDDEN when the IdP does not allow SHA-1', async () => {
    const doc = await signedResponse('response', {}, { hash: 'SHA-1' })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SHA1_FORBIDDEN' })
  })

  it('accepts the same RSA-SHA1 signature when the IdP allows SHA-1', async () => {
    const doc = await signedResponse('response', {}, { hash: 'SHA-1' })
    await expect(validateSamlResponse(optionsFor(doc, { allowSha1: true }))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  it('rejects a SHA-1 digest under an RSA-SHA256 signature with SAML_SHA1_FORBIDDEN', async () => {
    const doc = await signedResponse('assertion', {}, { digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SHA1_FORBIDDEN' })
  })
})
