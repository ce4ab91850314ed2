// Signature stripping: removing the signature must never turn a message into an unsigned-but-accepted one.
import { describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../../src/saml/index'
import { assertionOf, optionsFor, responseOf, signatureOf, signedResponse } from '../../helpers/saml-response'

describe('signature stripping', () => {
  it('accepts a Response signed on both levels (control)', async () => {
    const doc = await signedResponse('both')
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ signedParts: { response: true, assertion: true } })
  })

  it('rejects a Response whose only signature was stripped with SAML_SIGNATURE_MISSING', async () => {
    const doc = await signedResponse('response')
    responseOf(doc).removeChild(signatureOf(responseOf(doc)))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
  })

  it('rejects an Assertion whose only signature was stripped with SAML_SIGNATURE_MISSING', async () => {
    const doc = await signedResponse('assertion')
    assertionOf(doc).removeChild(signatureOf(assertionOf(doc)))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
  })

  it('rejects a never-signed Response with SAML_SIGNATURE_MISSING', async () => {
    const doc = await signedResponse('none')
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
  })

  it('rejects a doubly signed Response whose Assertion signature was stripped with SAML_SIGNATURE_INVALID', async () => {
    // The Response digest covered the Assertion's Signature: stripping it breaks the outer signature.
    const doc = await signedResponse('both')
    assertionOf(doc).removeChild(signatureOf(assertionOf(doc)))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })
})
