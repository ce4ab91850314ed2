// Transforms: enveloped-signature + at most one C14N 1.0 (SAML core §5.4.4). Everything else is
// refused before it runs (XPath/XSLT are code execution surfaces; base64 changes what is signed).
import { describe, expect, it } from 'vitest'
import type { Element } from '@xmldom/xmldom'
import { validateSamlResponse } from '../../../src/saml/index'
import { NS } from '../../../src/saml/xml/dom'
import { find, optionsFor, resign, responseOf, signatureOf, signedResponse } from '../../helpers/saml-response'

const XPATH = 'http://www.w3.org/TR/1999/REC-xpath-19991116'
const XSLT = 'http://www.w3.org/TR/1999/REC-xslt-19991116'
const BASE64 = 'http://www.w3.org/2000/09/xmldsig#base64'
const C14N11 = 'http://www.w3.org/2006/12/xml-c14n11'
const C14N10 = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315'

/** Signed Response whose Transforms are rewritten by `edit`, then re-signed with the real key. */
async function withTransforms(edit: (transforms: Element, doc: Element['ownerDocument']) => void, inclusiveDigest = false) {
  const doc = await signedResponse('response')
  const signature = signatureOf(responseOf(doc))
  edit(find(signature, NS.ds, 'Transforms'), doc)
  await resign(signature, { digestOf: responseOf(doc), inclusiveDigest })
  return doc
}

function transform(doc: Element['ownerDocument'], algorithm: string, child?: string): Element {
  const el = doc!.createElementNS(NS.ds, 'ds:Transform')
  el.setAttribute('Algorithm', algorithm)
  if (child) {
    const inner = doc!.createElementNS(NS.ds, `ds:${child}`)
    inner.appendChild(doc!.createTextNode('self::text()'))
    el.appendChild(inner)
  }
  return el
}

const lastTransform = (transforms: Element): Element => transforms.lastChild as Element

describe('Reference transforms', () => {
  it('accepts enveloped-signature alone, digesting with inclusive C14N 1.0 (XML-DSig §4.3.3.2)', async () => {
    const doc = await withTransforms((t) => void t.removeChild(lastTransform(t)), true)
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  it('accepts enveloped-signature + inclusive C14N 1.0', async () => {
    const doc = await withTransforms((t, d) => void t.replaceChild(transform(d, C14N10), lastTransform(t)), true)
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  it('rejects an XPath transform with SAML_SIGNATURE_UNSUPPORTED', async () => {
    const doc = await withTransforms((t, d) => void t.appendChild(transform(d, XPATH, 'XPath')))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
  })

  it('rejects an XSLT transform with SAML_SIGNATURE_UNSUPPORTED', async () => {
    const doc = await withTransforms((t, d) => void t.replaceChild(transform(d, XSLT), lastTransform(t)))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
  })

  it('rejects a base64 transform with SAML_SIGNATURE_UNSUPPORTED', async () => {
    const doc = await withTransforms((t, d) => void t.insertBefore(transform(d, BASE64), t.firstChild))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
  })

  it('rejects a Canonical XML 1.1 transform with SAML_SIGNATURE_UNSUPPORTED', async () => {
    const doc = await withTransforms((t, d) => void t.replaceChild(transform(d, C14N11), lastTransform(t)))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
  })

  it('rejects Canonical XML 1.1 signed by another key with SAML_SIGNATURE_INVALID (wrong key reported first)', async () => {
    const doc = await signedResponse('response')
    find(signatureOf(responseOf(doc)), NS.ds, 'CanonicalizationMethod').setAttribute('Algorithm', C14N11)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })

  it('rejects a Reference without the enveloped-signature transform with SAML_SIGNATURE_UNSUPPORTED', async () => {
    const doc = await withTransforms((t) => void t.removeChild(t.firstChild as Element))
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
  })

  it('rejects Canonical XML 1.1 as the SignedInfo CanonicalizationMethod with SAML_SIGNATURE_UNSUPPORTED', async () => {
    const doc = await signedResponse('response')
    const signature = signatureOf(responseOf(doc))
    find(signature, NS.ds, 'CanonicalizationMethod').setAttribute('Algorithm', C14N11)
    await resign(signature, { inclusiveSignedInfo: true })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
  })
})
