// Input before XML-DSig: size bound, strict base64, DOCTYPE/entities refused (XXE, billion laughs),
// not-SAML documents (DESIGN.md invariant "No DOCTYPE, no entities, bounded input size").
import { describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../../src/saml/index'
import { MAX_XML_BYTES } from '../../../src/saml/limits'
import { optionsFor, responseXml, serialize, signedResponse, toBase64 } from '../../helpers/saml-response'

const withPrologue = (prologue: string): string => `<?xml version="1.0"?>\n${prologue}\n${responseXml()}`

describe('hostile input', () => {
  it('accepts a well-formed signed response with an XML declaration (control)', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n${serialize(await signedResponse('response'))}`
    await expect(validateSamlResponse(optionsFor(xml))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  it('rejects an external entity (XXE) with SAML_DTD_FORBIDDEN', async () => {
    const xml = withPrologue('<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>').replace('alice@example.com</saml:NameID>', '&xxe;</saml:NameID>')
    await expect(validateSamlResponse(optionsFor(xml))).rejects.toMatchObject({ code: 'SAML_DTD_FORBIDDEN' })
  })

  it('rejects nested entity expansion (billion laughs) with SAML_DTD_FORBIDDEN', async () => {
    const entities = ['<!ENTITY l0 "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`)].join('')
    const xml = withPrologue(`<!DOCTYPE r [${entities}]>`).replace('alice@example.com</saml:NameID>', '&l9;</saml:NameID>')
    await expect(validateSamlResponse(optionsFor(xml))).rejects.toMatchObject({ code: 'SAML_DTD_FORBIDDEN' })
  })

  it('rejects a bare DOCTYPE with SAML_DTD_FORBIDDEN', async () => {
    await expect(validateSamlResponse(optionsFor(withPrologue('<!DOCTYPE samlp:Response>')))).rejects.toMatchObject({ code: 'SAML_DTD_FORBIDDEN' })
  })

  it('rejects input over the size limit with SAML_INPUT_TOO_LARGE before parsing', async () => {
    const padding = `<!--${'x'.repeat(MAX_XML_BYTES)}-->`
    await expect(validateSamlResponse(optionsFor(responseXml() + padding))).rejects.toMatchObject({ code: 'SAML_INPUT_TOO_LARGE' })
  })

  it('rejects base64 with characters outside the alphabet with SAML_INVALID_BASE64', async () => {
    const options = optionsFor(responseXml())
    await expect(
      validateSamlResponse({ ...options, samlResponse: `${options.samlResponse.slice(0, 40)}*${options.samlResponse.slice(41)}` }),
    ).rejects.toMatchObject({
      code: 'SAML_INVALID_BASE64',
    })
  })

  it('rejects base64 without its padding with SAML_INVALID_BASE64', async () => {
    let xml = responseXml()
    while (Buffer.byteLength(xml) % 3 === 0) xml += ' '
    const unpadded = toBase64(xml).replace(/=+$/, '')
    await expect(validateSamlResponse(optionsFor(responseXml(), { samlResponse: unpadded }))).rejects.toMatchObject({
      code: 'SAML_INVALID_BASE64',
    })
  })

  it('rejects XML that is not a SAML Response with SAML_NOT_SAML', async () => {
    await expect(validateSamlResponse(optionsFor('<html><body>hello</body></html>'))).rejects.toMatchObject({ code: 'SAML_NOT_SAML' })
  })

  it('rejects a LogoutResponse posted to the ACS with SAML_NOT_SAML', async () => {
    const xml = '<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0" IssueInstant="2031-03-01T12:00:00Z"/>'
    await expect(validateSamlResponse(optionsFor(xml))).rejects.toMatchObject({ code: 'SAML_NOT_SAML' })
  })

  it('rejects a SAML 1.1-versioned Response with SAML_VERSION_UNSUPPORTED', async () => {
    await expect(validateSamlResponse(optionsFor(responseXml().replace('Version="2.0"', 'Version="1.1"')))).rejects.toMatchObject({
      code: 'SAML_VERSION_UNSUPPORTED',
    })
  })

  it('rejects XML that is not well-formed with SAML_MALFORMED_XML', async () => {
    await expect(validateSamlResponse(optionsFor(responseXml().replace('</samlp:Response>', '')))).rejects.toMatchObject({ code: 'SAML_MALFORMED_XML' })
  })

  it('rejects bytes that are not UTF-8 with SAML_MALFORMED_XML', async () => {
    const options = optionsFor(responseXml())
    const bytes = Buffer.concat([Buffer.from(responseXml().slice(0, 100)), Buffer.from([0xff, 0xfe]), Buffer.from(responseXml().slice(100))])
    await expect(validateSamlResponse({ ...options, samlResponse: bytes.toString('base64') })).rejects.toMatchObject({ code: 'SAML_MALFORMED_XML' })
  })
})
