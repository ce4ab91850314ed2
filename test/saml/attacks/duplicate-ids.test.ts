// SAML core §1.3.4: IDs are unique; duplicates are how by-ID resolvers get confused.
import { describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../../src/saml/index'
import { NS } from '../../../src/saml/xml/dom'
import { find, optionsFor, parseDoc, responseOf, responseXml, sign } from '../../helpers/saml-response'

async function withExtensions(ids: string[]): Promise<ReturnType<typeof parseDoc>> {
  const doc = parseDoc(responseXml())
  const response = responseOf(doc)
  const extensions = doc.createElementNS(NS.samlp, 'samlp:Extensions')
  for (const id of ids) {
    const el = doc.createElementNS('urn:example:ext', 'x:Thing')
    el.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:x', 'urn:example:ext')
    el.setAttribute('ID', id)
    extensions.appendChild(el)
  }
  response.insertBefore(extensions, find(response, NS.samlp, 'Status'))
  await sign(responseOf(doc))
  return doc
}

describe('duplicate IDs', () => {
  it('accepts distinct IDs in Extensions (control)', async () => {
    await expect(validateSamlResponse(optionsFor(await withExtensions(['_x1', '_x2'])))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  it('rejects two extension elements sharing an ID with SAML_DUPLICATE_ID', async () => {
    await expect(validateSamlResponse(optionsFor(await withExtensions(['_x1', '_x1'])))).rejects.toMatchObject({ code: 'SAML_DUPLICATE_ID' })
  })

  it('rejects an element reusing the signed Assertion ID with SAML_SIGNATURE_WRAPPING', async () => {
    await expect(validateSamlResponse(optionsFor(await withExtensions(['_assert-1'])))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })

  it('rejects an element reusing the signed Response ID with SAML_SIGNATURE_WRAPPING', async () => {
    await expect(validateSamlResponse(optionsFor(await withExtensions(['_resp-1'])))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_WRAPPING' })
  })
})
