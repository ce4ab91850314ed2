/**
 * The certificate a Response says it was signed with (its first ds:KeyInfo X509Certificate, on the
 * Response or its Assertion). Never a trust anchor: the admin console's test sign-in offers it to
 * the admin, with its fingerprint, only after the signature has verified with it. Bounded as the
 * ACS input is; anything unreadable is null.
 */
import { decodeBase64, encodeBase64, utf8Decode } from './encoding'
import { MAX_BASE64_MESSAGE_CHARS, MAX_XML_BYTES } from './limits'
import { parseCertificate } from './x509'
import { childElements, firstChildNamed, isElementNamed, NS, textContent } from './xml/dom'
import { parseXml } from './xml/parse'
import type { Element } from '@xmldom/xmldom'

export function offeredSigningCertificate(samlResponse: string): string | null {
  try {
    if (samlResponse.length > MAX_BASE64_MESSAGE_CHARS) return null
    const bytes = decodeBase64(samlResponse)
    if (bytes.length > MAX_XML_BYTES) return null
    const root = parseXml(utf8Decode(bytes)).documentElement
    if (!isElementNamed(root, NS.samlp, 'Response')) return null
    const assertion = firstChildNamed(root, NS.saml, 'Assertion')
    for (const signed of assertion ? [root, assertion] : [root]) {
      const found = keyInfoCertificate(firstChildNamed(signed, NS.ds, 'Signature'))
      if (found) return found
    }
    return null
  } catch {
    return null
  }
}

/** Signature/KeyInfo/X509Data/X509Certificate, as bare base64 DER, if it is a certificate at all. */
function keyInfoCertificate(signature: Element | null): string | null {
  const keyInfo = signature ? firstChildNamed(signature, NS.ds, 'KeyInfo') : null
  for (const data of keyInfo ? childElements(keyInfo) : []) {
    if (!isElementNamed(data, NS.ds, 'X509Data')) continue
    const cert = firstChildNamed(data, NS.ds, 'X509Certificate')
    if (!cert) continue
    const base64 = textContent(cert).replace(/\s+/g, '')
    try {
      return encodeBase64(parseCertificate(base64).der)
    } catch {
      return null
    }
  }
  return null
}
