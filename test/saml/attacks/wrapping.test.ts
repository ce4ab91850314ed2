// XML signature wrapping, XSW1-XSW8 (Somorovsky et al., "On Breaking SAML", USENIX Security 2012),
// each built from a response REALLY signed with the IdP key, beside its valid control.
import { describe, expect, it } from 'vitest'
import type { Element } from '@xmldom/xmldom'
import { validateSamlResponse } from '../../../src/saml/index'
import { NS } from '../../../src/saml/xml/dom'
import { assertionOf, find, optionsFor, responseOf, setText, signatureOf, signedResponse } from '../../helpers/saml-response'

const clone = (el: Element): Element => el.cloneNode(true) as Element
const forge = (assertion: Element, id?: string): void => {
  if (id) assertion.setAttribute('ID', id)
  setText(find(assertion, NS.saml, 'NameID'), 'attacker@evil.test')
}

describe('signature wrapping on a signed Response', () => {
  it('accepts the untouched signed Response (control)', async () => {
    const doc = await signedResponse('response')
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  it('rejects XSW1, the signed Response copied into the Signature of an evil Response, with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('response')
    const evil = responseOf(doc)
    const genuine = clone(evil)
    genuine.removeChild(signatureOf(genuine))
    signatureOf(evil).appendChild(genuine)
    evil.setAttribute('ID', '_evil-response')
    forge(assertionOf(doc))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects XSW2, the signed Response copied next to the Signature of an evil Response, with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('response')
    const evil = responseOf(doc)
    const genuine = clone(evil)
    genuine.removeChild(signatureOf(genuine))
    evil.insertBefore(genuine, signatureOf(evil))
    evil.setAttribute('ID', '_evil-response')
    forge(assertionOf(doc))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })
})

describe('signature wrapping on a signed Assertion', () => {
  it('accepts the untouched signed Assertion (control)', async () => {
    const doc = await signedResponse('assertion')
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  it('rejects XSW3, an evil Assertion placed before the signed one, with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    const signed = assertionOf(doc)
    const evil = clone(signed)
    evil.removeChild(signatureOf(evil))
    forge(evil, '_evil-assertion')
    responseOf(doc).insertBefore(evil, signed)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects XSW4, the signed Assertion nested inside an evil Assertion, with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    const signed = assertionOf(doc)
    const evil = clone(signed)
    evil.removeChild(signatureOf(evil))
    forge(evil, '_evil-assertion')
    responseOf(doc).replaceChild(evil, signed)
    evil.appendChild(signed)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects XSW5, an evil Assertion carrying the copied Signature beside the unsigned original, with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    const signed = assertionOf(doc)
    const evil = clone(signed)
    forge(evil, '_evil-assertion')
    signed.removeChild(signatureOf(signed))
    responseOf(doc).insertBefore(evil, signed)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects XSW5 without the original left beside it (Signature references another ID) with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    const signed = assertionOf(doc)
    forge(signed, '_evil-assertion')
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects XSW6, the original Assertion moved inside the Signature of an evil Assertion, with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    const signed = assertionOf(doc)
    const evil = clone(signed)
    forge(evil, '_evil-assertion')
    responseOf(doc).replaceChild(evil, signed)
    signed.removeChild(signatureOf(signed))
    signatureOf(evil).appendChild(signed)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects XSW7, an assertion moved into Extensions with an evil one in its place, with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    const response = responseOf(doc)
    const signed = assertionOf(doc)
    const evil = clone(signed)
    evil.removeChild(signatureOf(evil))
    forge(evil)
    const extensions = doc.createElementNS(NS.samlp, 'samlp:Extensions')
    response.insertBefore(extensions, find(response, NS.samlp, 'Status'))
    response.replaceChild(evil, signed)
    extensions.appendChild(signed)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects XSW8, the original Assertion hidden in Signature/Object of an evil one, with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    const signed = assertionOf(doc)
    const evil = clone(signed)
    forge(evil)
    responseOf(doc).replaceChild(evil, signed)
    signed.removeChild(signatureOf(signed))
    const object = doc.createElementNS(NS.ds, 'ds:Object')
    object.appendChild(signed)
    signatureOf(evil).appendChild(object)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects a signed Assertion hidden in the Status detail next to an unsigned one with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    const signed = assertionOf(doc)
    const evil = clone(signed)
    evil.removeChild(signatureOf(evil))
    forge(evil)
    responseOf(doc).replaceChild(evil, signed)
    const detail = doc.createElementNS(NS.samlp, 'samlp:StatusDetail')
    detail.appendChild(signed)
    find(responseOf(doc), NS.samlp, 'Status').appendChild(detail)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })
})
