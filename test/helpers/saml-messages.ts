// Test helper: reads the SAML messages the gateway sends a browser onwards, as the receiving IdP or
// helpdesk would: an HTTP-Redirect URL (message inflated and parsed, detached signature checked
// over the raw query) or an HTTP-POST field (enveloped signature checked), with one certificate.
import type { Element } from '@xmldom/xmldom'
import { decodePostBinding, decodeRedirectBinding, readRedirectQuery, verifyRedirectBindingSignature } from '../../src/saml/bindings'
import { verifyEnvelopedSignature } from '../../src/saml/dsig/verify'
import { parseCertificate } from '../../src/saml/x509'
import { firstChildNamed, NS } from '../../src/saml/xml/dom'

export interface RedirectRead {
  /** The URL without the binding's query (where the message goes). */
  target: string
  root: Element
  relayState: string | null
  signed: boolean
}

/** The message an HTTP-Redirect URL carries (SAMLRequest or SAMLResponse). */
export async function readRedirect(location: string): Promise<RedirectRead> {
  const url = new URL(location)
  const message = readRedirectQuery(url.search)
  const root = (await decodeRedirectBinding(message.message)).documentElement!
  return { target: `${url.origin}${url.pathname}`, root, relayState: message.relayState, signed: message.signature !== null }
}

/** Checks the Redirect-binding signature of `location` with `certificatePem` only (throws SamlError otherwise). */
export async function verifyRedirect(location: string, certificatePem: string): Promise<void> {
  await verifyRedirectBindingSignature(new URL(location).search, [parseCertificate(certificatePem)], { allowSha1: false })
}

/** The root of an HTTP-POST binding value (base64 XML). */
export function readPost(value: string): Element {
  return decodePostBinding(value).documentElement!
}

/** Checks the enveloped signature on the root of a POST-binding message with `certificatePem` only. */
export async function verifyPost(value: string, certificatePem: string): Promise<void> {
  const root = readPost(value)
  const signature = firstChildNamed(root, NS.ds, 'Signature')
  if (!signature) throw new Error('the message is not signed')
  await verifyEnvelopedSignature(root, signature, [parseCertificate(certificatePem)], { allowSha1: false })
}
