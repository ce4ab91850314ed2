// SAML core §5.4.2: exactly one Reference, "#" + the signed element's own ID. Each attack below
// carries a cryptographically VALID signature (re-signed with the IdP key), so only the structural
// rule can reject it.
import { describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../../src/saml/index'
import { NS } from '../../../src/saml/xml/dom'
import { assertionOf, find, optionsFor, resign, responseOf, signatureOf, signedResponse } from '../../helpers/saml-response'

describe('Reference URI', () => {
  it('accepts a Reference to the signed element itself (control, re-signed the same way)', async () => {
    const doc = await signedResponse('response')
    await resign(signatureOf(responseOf(doc)), { digestOf: responseOf(doc) })
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  it('rejects a Response signature whose Reference names the Assertion with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('response')
    const signature = signatureOf(responseOf(doc))
    find(signature, NS.ds, 'Reference').setAttribute('URI', '#_assert-1')
    await resign(signature, { digestOf: assertionOf(doc) })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects an Assertion signature moved up to the Response with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    const signature = signatureOf(assertionOf(doc))
    assertionOf(doc).removeChild(signature)
    responseOf(doc).insertBefore(signature, find(responseOf(doc), NS.samlp, 'Status'))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects an empty Reference URI (whole document) with SAML_SIGNATURE_UNSUPPORTED', async () => {
    const doc = await signedResponse('response')
    const signature = signatureOf(responseOf(doc))
    find(signature, NS.ds, 'Reference').setAttribute('URI', '')
    await resign(signature, { digestOf: responseOf(doc) })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
  })

  it('rejects an absent Reference URI with SAML_SIGNATURE_UNSUPPORTED', async () => {
    const doc = await signedResponse('response')
    const signature = signatureOf(responseOf(doc))
    find(signature, NS.ds, 'Reference').removeAttribute('URI')
    await resign(signature, { digestOf: responseOf(doc) })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
  })

  it('rejects a second Reference in SignedInfo with SAML_SIGNATURE_UNSUPPORTED', async () => {
    const doc = await signedResponse('response')
    const signature = signatureOf(responseOf(doc))
    const reference = find(signature, NS.ds, 'Reference')
    const extra = reference.cloneNode(true) as typeof reference
    extra.setAttribute('URI', '#_assert-1')
    reference.parentNode?.appendChild(extra)
    await resign(signature)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
  })

  it('rejects an XPointer Reference with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('response')
    const signature = signatureOf(responseOf(doc))
    find(signature, NS.ds, 'Reference').setAttribute('URI', "#xpointer(id('_resp-1'))")
    await resign(signature)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })
})
