// Content, DigestValue and SignatureValue changed after signing.
import { describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../../src/saml/index'
import { NS } from '../../../src/saml/xml/dom'
import { find, optionsFor, responseOf, setText, signatureOf, signedResponse } from '../../helpers/saml-response'

function flipBase64(text: string): string {
  const trimmed = text.trim()
  const i = Math.floor(trimmed.length / 3)
  return trimmed.slice(0, i) + (trimmed[i] === 'A' ? 'B' : 'A') + trimmed.slice(i + 1)
}

describe('tampering after signing', () => {
  it('accepts the untouched response (control)', async () => {
    await expect(validateSamlResponse(optionsFor(await signedResponse('response')))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  it('rejects a changed attribute value with SAML_SIGNATURE_INVALID', async () => {
    const doc = await signedResponse('response')
    setText(find(doc, NS.saml, 'AttributeValue'), 'admin@example.com')
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })

  it('rejects a tampered DigestValue with SAML_SIGNATURE_INVALID', async () => {
    const doc = await signedResponse('response')
    const digest = find(signatureOf(responseOf(doc)), NS.ds, 'DigestValue')
    setText(digest, flipBase64(digest.textContent ?? ''))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })

  it('rejects a tampered SignatureValue with SAML_SIGNATURE_INVALID', async () => {
    const doc = await signedResponse('assertion')
    const value = find(doc, NS.ds, 'SignatureValue')
    setText(value, flipBase64(value.textContent ?? ''))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })

  it('accepts a SignatureValue wrapped over several lines (base64 with whitespace)', async () => {
    const doc = await signedResponse('response')
    const value = find(doc, NS.ds, 'SignatureValue')
    setText(value, `\n  ${(value.textContent ?? '').replace(/(.{64})/g, '$1\r\n  ')}\n`)
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  it('rejects a SignatureValue that is not base64 with SAML_SIGNATURE_INVALID', async () => {
    const doc = await signedResponse('response')
    setText(find(doc, NS.ds, 'SignatureValue'), '!!not-base64!!')
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })
})
