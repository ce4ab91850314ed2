// Comment injection in NameID (CVE-2017-11428 / CVE-2018-7340 class): the full text is the name.
import { describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../../src/saml/index'
import { NS } from '../../../src/saml/xml/dom'
import { find, optionsFor, signedResponse } from '../../helpers/saml-response'

describe('comments in NameID', () => {
  it('returns the full text of a NameID signed with a comment inside', async () => {
    const doc = await signedResponse('response', { nameIdXml: 'admin@evil.test<!-- -->.example.com' })
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ nameId: 'admin@evil.test.example.com' })
  })

  it('returns the full text when a comment is inserted after signing (comments are outside the digest)', async () => {
    const doc = await signedResponse('assertion', { nameIdXml: 'admin@evil.test.example.com' })
    const nameId = find(doc, NS.saml, 'NameID')
    const text = nameId.firstChild as unknown as { splitText(offset: number): unknown }
    text.splitText('admin@evil.test'.length)
    nameId.insertBefore(doc.createComment('injected'), nameId.lastChild)
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ nameId: 'admin@evil.test.example.com' })
  })

  it('rejects a NameID truncated after signing with SAML_SIGNATURE_INVALID', async () => {
    const doc = await signedResponse('assertion', { nameIdXml: 'admin@evil.test.example.com' })
    const nameId = find(doc, NS.saml, 'NameID')
    ;(nameId.firstChild as unknown as { data: string }).data = 'admin@evil.test'
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })
})
