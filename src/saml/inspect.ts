/**
 * Routing hints from an UNVERIFIED SAMLResponse: which IdP it claims to come from, which request
 * it answers, and whether it is encrypted. Used only to pick the IdP config and the pending
 * login; every value is then checked again by validateSamlResponse against signed content.
 * Never a trust decision.
 */
import { decodeBase64, utf8Decode } from './encoding'
import { SamlError } from './errors'
import { attr, firstChildNamed, isElementNamed, NS, textContent } from './xml/dom'
import { MAX_XML_BYTES, parseXml } from './xml/parse'

export interface SamlResponseHints {
  /** Response Issuer, else the (plain) Assertion's Issuer; trimmed. */
  issuer: string | null
  inResponseTo: string | null
  hasEncryptedAssertion: boolean
}

export function inspectSamlResponse(samlResponse: string): SamlResponseHints {
  const bytes = decodeBase64(samlResponse)
  if (bytes.length > MAX_XML_BYTES) throw new SamlError('SAML_INPUT_TOO_LARGE', 'SAMLResponse is too large', { maxBytes: MAX_XML_BYTES })
  const root = parseXml(utf8Decode(bytes)).documentElement
  if (!isElementNamed(root, NS.samlp, 'Response')) throw new SamlError('SAML_NOT_SAML', 'Not a SAML 2.0 Response')
  const assertion = firstChildNamed(root, NS.saml, 'Assertion')
  const issuerEl = firstChildNamed(root, NS.saml, 'Issuer') ?? (assertion ? firstChildNamed(assertion, NS.saml, 'Issuer') : null)
  return {
    issuer: issuerEl ? textContent(issuerEl).trim() : null,
    inResponseTo: attr(root, 'InResponseTo'),
    hasEncryptedAssertion: firstChildNamed(root, NS.saml, 'EncryptedAssertion') !== null,
  }
}
