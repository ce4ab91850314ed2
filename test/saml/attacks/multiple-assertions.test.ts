// One assertion per response (DESIGN.md invariant): an evil second assertion is never read.
import { describe, expect, it } from 'vitest'
import type { Element } from '@xmldom/xmldom'
import { validateSamlResponse } from '../../../src/saml/index'
import { NS } from '../../../src/saml/xml/dom'
import { assertionOf, find, optionsFor, parseDoc, responseOf, responseXml, setText, sign, signatureOf, signedResponse } from '../../helpers/saml-response'

describe('evil second assertion', () => {
  it('accepts one signed assertion (control)', async () => {
    await expect(validateSamlResponse(optionsFor(await signedResponse('assertion')))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  it('rejects an unsigned assertion appended after a signed one with SAML_SIGNATURE_WRAPPING', async () => {
    const doc = await signedResponse('assertion')
    const evil = assertionOf(doc).cloneNode(true) as Element
    evil.removeChild(signatureOf(evil))
    evil.setAttribute('ID', '_evil')
    setText(find(evil, NS.saml, 'NameID'), 'attacker@evil.test')
    responseOf(doc).appendChild(evil)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects a signed Response carrying two unsigned assertions with SAML_MULTIPLE_ASSERTIONS', async () => {
    const doc = parseDoc(responseXml())
    const second = assertionOf(doc).cloneNode(true) as Element
    second.setAttribute('ID', '_assert-2')
    responseOf(doc).appendChild(second)
    await sign(responseOf(doc))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_MULTIPLE_ASSERTIONS' })
  })

  it('rejects a signed Response without any assertion with SAML_ASSERTION_MISSING', async () => {
    const doc = parseDoc(responseXml())
    responseOf(doc).removeChild(assertionOf(doc))
    await sign(responseOf(doc))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_ASSERTION_MISSING' })
  })
})
