/**
 * Opens a protocol message received over HTTP-Redirect or HTTP-POST exactly once: decode, parse,
 * read the Issuer it claims, ask the caller's resolver which certificates that issuer has, then
 * verify the binding's signature with them. Trusts only what the resolver returns; the claimed
 * Issuer only selects a configuration and is re-read by the checks that follow. Never parses twice.
 */
import type { Document, Element } from '@xmldom/xmldom'
import { decodePostBinding, decodeRedirectBinding, readRedirectQuery, verifyRedirectBindingSignature, type MessageParam } from './bindings'
import { verifyEnvelopedSignature } from './dsig/verify'
import { SamlError } from './errors'
import { parseCertificate } from './x509'
import { isElementNamed, NS, singleChildNamed, textContent } from './xml/dom'

/** A SAML message as the binding delivered it. */
export type ReceivedMessage =
  /** `url.search` of the GET, untouched: the signature covers the sender's own URL-encoding. */
  | { binding: 'redirect'; rawQuery: string }
  /** The POST form fields. */
  | { binding: 'post'; value: string; relayState?: string | null }

/** What the resolver says about the claimed issuer: the only trust anchors for this message. */
export interface MessageTrust {
  /** PEM or base64 DER; empty means the issuer has none (then `requireSignature` must be false). */
  certificates: readonly string[]
  allowSha1?: boolean
  /** Default true: an unsigned message is refused (profiles §4.4.4.1, §4.4.4.2 for logout). */
  requireSignature?: boolean
}

/** Resolves the Issuer a message claims (unverified, trimmed; null when absent) to its trust settings and the caller's context. */
export type TrustResolver<T extends MessageTrust> = (claimedIssuer: string | null) => Promise<T>

export interface OpenedMessage<T extends MessageTrust> {
  /** The message root; covered by a verified signature whenever `signed` is true. */
  root: Element
  signed: boolean
  /** Redirect: covered by the query signature when signed. POST: never covered (bindings §3.5.3). */
  relayState: string | null
  /** What the resolver returned for this message's issuer. */
  trust: T
}

/**
 * Decode per binding and verify whichever signature the binding carries (bindings §3.4.4.1,
 * §3.5.4). `param` and `rootName` say what the endpoint expects: a request answered as a response
 * (or the reverse) is a confused or reflected message and is refused before any crypto.
 */
export async function openReceivedMessage<T extends MessageTrust>(
  message: ReceivedMessage,
  expected: { param: MessageParam; rootName: string; invalidCode: 'SAML_NOT_SAML' | 'SAML_LOGOUT_INVALID' },
  resolve: TrustResolver<T>,
): Promise<OpenedMessage<T>> {
  let doc: Document
  let relayState: string | null
  let signedQuery: string | null = null
  if (message.binding === 'redirect') {
    const query = readRedirectQuery(message.rawQuery)
    if (query.param !== expected.param) throw new SamlError(expected.invalidCode, `Expected ${expected.param} in the query`)
    doc = await decodeRedirectBinding(query.message)
    relayState = query.relayState
    if (query.signature !== null) signedQuery = message.rawQuery
  } else {
    doc = decodePostBinding(message.value)
    relayState = message.relayState ?? null
  }
  const root = doc.documentElement!
  if (!isElementNamed(root, NS.samlp, expected.rootName)) {
    throw new SamlError('SAML_NOT_SAML', `Expected a samlp:${expected.rootName}`, { root: doc.documentElement?.localName ?? null })
  }
  const issuerEl = singleChildNamed(root, NS.saml, 'Issuer', () => new SamlError(expected.invalidCode, 'Two Issuer elements'))
  const trust = await resolve(issuerEl ? textContent(issuerEl).trim() : null)
  if (trust.certificates.length === 0) {
    // Nothing to check a signature against: the message counts as unsigned, whatever it carries.
    if (trust.requireSignature ?? true) throw new SamlError('SAML_NO_CERTIFICATES', 'No signing certificate is configured for this issuer')
    return { root, signed: false, relayState, trust }
  }
  const certs = trust.certificates.map((c) => parseCertificate(c))
  const policy = { allowSha1: trust.allowSha1 ?? false }
  // The detached signature covers the deflated bytes, so it vouches for the whole document.
  if (signedQuery !== null) {
    await verifyRedirectBindingSignature(signedQuery, certs, policy)
    return { root, signed: true, relayState, trust }
  }
  // POST (or a Redirect message that kept its XML signature): the enveloped signature on the root.
  const signature = singleChildNamed(root, NS.ds, 'Signature', () => new SamlError('SAML_SIGNATURE_WRAPPING', 'Two Signature elements on the message'))
  if (signature) return { root: (await verifyEnvelopedSignature(root, signature, certs, policy)).element, signed: true, relayState, trust }
  if (trust.requireSignature ?? true) throw new SamlError('SAML_SIGNATURE_MISSING', `The ${expected.rootName} is not signed`)
  return { root, signed: false, relayState, trust }
}

/**
 * The form fields that send `message` again in its own binding, without any signature (for a
 * page that asks the user to confirm an unsigned message before it is acted upon): the base64
 * message and RelayState, as an HTML form of method `get` (HTTP-Redirect) or `post` submits them.
 */
export function resubmission(message: ReceivedMessage, param: MessageParam): { method: 'get' | 'post'; fields: Record<string, string> } {
  if (message.binding === 'post')
    return { method: 'post', fields: { [param]: message.value, ...(message.relayState != null ? { RelayState: message.relayState } : {}) } }
  const query = readRedirectQuery(message.rawQuery)
  return { method: 'get', fields: { [query.param]: query.message, ...(query.relayState !== null ? { RelayState: query.relayState } : {}) } }
}
