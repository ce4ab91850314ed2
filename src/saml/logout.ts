/**
 * Single Logout messages (SAML core §3.7, profiles §4.4): building LogoutRequest/LogoutResponse
 * and checking received ones over HTTP-Redirect or HTTP-POST. Trusts only the IdP's configured
 * certificates; reads only what a verified signature covers; never accepts an unsigned front-
 * channel logout message unless the caller explicitly opts out (profiles §4.4.4.1, §4.4.4.2).
 */
import type { Document, Element } from '@xmldom/xmldom'
import { decodePostBinding, decodeRedirectBinding, readRedirectQuery, verifyRedirectBindingSignature } from './bindings'
import { parseDateTime } from './assertion'
import { verifyEnvelopedSignature } from './dsig/verify'
import { SamlError } from './errors'
import { DEFAULT_CLOCK_SKEW_SECONDS } from './index'
import { parseCertificate } from './x509'
import { attr, childElements, childrenNamed, isElementNamed, NS, singleChildNamed, textContent } from './xml/dom'
import { escapeXmlAttr, escapeXmlText } from './xml/escape'

export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'
export const STATUS_REQUESTER = 'urn:oasis:names:tc:SAML:2.0:status:Requester'
export const STATUS_RESPONDER = 'urn:oasis:names:tc:SAML:2.0:status:Responder'
/** Second-level status: some session participants could not be logged out (core §3.2.2.2). */
export const STATUS_PARTIAL_LOGOUT = 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout'
/** How old a received logout message may be (IssueInstant), on top of the clock skew. */
export const MAX_LOGOUT_MESSAGE_AGE_SECONDS = 300

const PROTOCOL_NS = `xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}"`

export interface LogoutRequestInput {
  /** xs:ID from the caller's randomness; the IdP's LogoutResponse must name it in InResponseTo. */
  id: string
  issueInstant: Date
  /** The IdP's SLO URL. */
  destination: string
  /** Our SP entity ID. */
  issuer: string
  /**
   * The NameID exactly as the assertion carried it, qualifiers included: IdPs (ADFS above all)
   * match the session by the full NameID (core §3.7.1, §8.3).
   */
  nameId: string
  nameIdFormat?: string | null
  nameQualifier?: string | null
  spNameQualifier?: string | null
  sessionIndex?: string | null
  notOnOrAfter?: Date
}

/** A LogoutRequest from this SP (no XML declaration, unsigned; sign for POST with signPostMessage). */
export function buildLogoutRequest(input: LogoutRequestInput): string {
  const optional = (name: string, value: string | null | undefined): string => (value ? ` ${name}="${escapeXmlAttr(value)}"` : '')
  const notOnOrAfter = input.notOnOrAfter ? ` NotOnOrAfter="${input.notOnOrAfter.toISOString()}"` : ''
  // Core §3.7.1 order: Issuer, (Signature), NameID, SessionIndex*.
  return (
    `<samlp:LogoutRequest ${PROTOCOL_NS} ID="${escapeXmlAttr(input.id)}" Version="2.0" IssueInstant="${input.issueInstant.toISOString()}"` +
    ` Destination="${escapeXmlAttr(input.destination)}"${notOnOrAfter}>` +
    `<saml:Issuer>${escapeXmlText(input.issuer)}</saml:Issuer>` +
    `<saml:NameID${optional('Format', input.nameIdFormat)}${optional('NameQualifier', input.nameQualifier)}${optional('SPNameQualifier', input.spNameQualifier)}>` +
    `${escapeXmlText(input.nameId)}</saml:NameID>` +
    (input.sessionIndex ? `<samlp:SessionIndex>${escapeXmlText(input.sessionIndex)}</samlp:SessionIndex>` : '') +
    `</samlp:LogoutRequest>`
  )
}

export interface LogoutResponseInput {
  id: string
  issueInstant: Date
  /** The IdP's SLO ResponseLocation (else its Location). */
  destination: string
  issuer: string
  /** ID of the IdP's LogoutRequest. */
  inResponseTo: string
  /** Top-level status URI; default Success. */
  statusCode?: string
  statusMessage?: string
}

/** A LogoutResponse from this SP to an IdP-initiated LogoutRequest. */
export function buildLogoutResponse(input: LogoutResponseInput): string {
  const message = input.statusMessage ? `<samlp:StatusMessage>${escapeXmlText(input.statusMessage)}</samlp:StatusMessage>` : ''
  return (
    `<samlp:LogoutResponse ${PROTOCOL_NS} ID="${escapeXmlAttr(input.id)}" Version="2.0" IssueInstant="${input.issueInstant.toISOString()}"` +
    ` Destination="${escapeXmlAttr(input.destination)}" InResponseTo="${escapeXmlAttr(input.inResponseTo)}">` +
    `<saml:Issuer>${escapeXmlText(input.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${escapeXmlAttr(input.statusCode ?? STATUS_SUCCESS)}"/>${message}</samlp:Status>` +
    `</samlp:LogoutResponse>`
  )
}

/** A logout message as the binding delivered it. */
export type ReceivedLogoutMessage =
  /** `url.search` of the GET, untouched: the signature covers the sender's own URL-encoding. */
  | { binding: 'redirect'; rawQuery: string }
  /** The POST form fields. */
  | { binding: 'post'; value: string; relayState?: string | null }

export interface LogoutCheckOptions {
  /** The IdP the message must come from: its entity ID and configured certificates (PEM/base64). */
  idp: { entityId: string; certificates: readonly string[]; allowSha1?: boolean }
  /** Our SLO URL: a signed message must name it as Destination (bindings §3.4.5.2, §3.5.5.2). */
  sloUrl: string
  now: Date
  clockSkewSeconds?: number
  /** Default true. False accepts unsigned messages from an IdP that cannot sign them. */
  requireSignature?: boolean
}

export interface LogoutRequestInfo {
  id: string
  issuer: string
  issueInstant: string
  nameId: string
  nameIdFormat: string | null
  nameQualifier: string | null
  spNameQualifier: string | null
  /** Sessions to end; empty means every session of this NameID (core §3.7.3.2). */
  sessionIndexes: string[]
  reason: string | null
  relayState: string | null
  signed: boolean
}

export interface LogoutResponseInfo {
  id: string
  issuer: string
  issueInstant: string
  inResponseTo: string
  statusCode: string
  /** The IdP reached only some session participants (second-level PartialLogout). */
  partial: boolean
  relayState: string | null
  signed: boolean
}

/**
 * Check an IdP's LogoutRequest: signature (query or enveloped) with the IdP's certificates, then
 * Issuer, Destination, IssueInstant/NotOnOrAfter, NameID. Replay (ID seen before) is the caller's.
 */
export async function parseLogoutRequest(message: ReceivedLogoutMessage, options: LogoutCheckOptions): Promise<LogoutRequestInfo> {
  const { root, signed, relayState } = await openMessage(message, 'SAMLRequest', 'LogoutRequest', options)
  const common = checkCommon(root, signed, options)
  const notOnOrAfter = attr(root, 'NotOnOrAfter')
  if (notOnOrAfter !== null && options.now.getTime() >= parseDateTime(notOnOrAfter, 'LogoutRequest NotOnOrAfter') + skewMs(options)) {
    throw new SamlError('SAML_EXPIRED', 'LogoutRequest NotOnOrAfter has passed', { notOnOrAfter, now: options.now.toISOString() })
  }
  // Core §3.7.1: exactly one of BaseID, NameID, EncryptedID. Only a plain NameID names a session here.
  const identifiers = childElements(root).filter((c) => c.namespaceURI === NS.saml && ['BaseID', 'NameID', 'EncryptedID'].includes(c.localName ?? ''))
  const nameIdEl = identifiers[0]
  if (identifiers.length !== 1 || !nameIdEl) throw invalid('LogoutRequest must carry exactly one identifier')
  if (nameIdEl.localName !== 'NameID') throw invalid(`LogoutRequest ${nameIdEl.localName} is not supported (only NameID)`)
  const nameId = textContent(nameIdEl).trim()
  if (!nameId) throw new SamlError('SAML_NAMEID_MISSING', 'LogoutRequest NameID is empty')
  return {
    ...common,
    nameId,
    nameIdFormat: attr(nameIdEl, 'Format'),
    nameQualifier: attr(nameIdEl, 'NameQualifier'),
    spNameQualifier: attr(nameIdEl, 'SPNameQualifier'),
    // Several SessionIndex elements are allowed (one per session the IdP knows of at this SP).
    sessionIndexes: childrenNamed(root, NS.samlp, 'SessionIndex')
      .map((s) => textContent(s).trim())
      .filter(Boolean),
    reason: attr(root, 'Reason'),
    relayState,
    signed,
  }
}

/**
 * Check the IdP's LogoutResponse to our LogoutRequest `expectedRequestId`. Success (possibly
 * PartialLogout) resolves; any other status throws SAML_STATUS_NOT_SUCCESS.
 */
export async function parseLogoutResponse(
  message: ReceivedLogoutMessage,
  options: LogoutCheckOptions & { expectedRequestId: string },
): Promise<LogoutResponseInfo> {
  const { root, signed, relayState } = await openMessage(message, 'SAMLResponse', 'LogoutResponse', options)
  const common = checkCommon(root, signed, options)
  const inResponseTo = attr(root, 'InResponseTo')
  if (inResponseTo !== options.expectedRequestId) {
    throw new SamlError('SAML_IN_RESPONSE_TO_MISMATCH', 'LogoutResponse does not answer our LogoutRequest', {
      expected: options.expectedRequestId,
      received: inResponseTo?.slice(0, 80) ?? null,
    })
  }
  // Core §3.2.2.2: the top-level StatusCode decides; a nested one only refines it (PartialLogout
  // under Success, or the reason under Requester/Responder).
  const status = singleChildNamed(root, NS.samlp, 'Status', () => invalid('LogoutResponse has two Status elements'))
  const top = status && singleChildNamed(status, NS.samlp, 'StatusCode', () => invalid('Status has two StatusCode elements'))
  const statusCode = (top && attr(top, 'Value')) ?? ''
  const second = top ? childrenNamed(top, NS.samlp, 'StatusCode').map((c) => attr(c, 'Value') ?? '') : []
  if (statusCode !== STATUS_SUCCESS) {
    const statusMessage = status ? childrenNamed(status, NS.samlp, 'StatusMessage').map((m) => textContent(m).trim()) : []
    throw new SamlError('SAML_STATUS_NOT_SUCCESS', 'The IdP reports that logout failed', {
      statusCode: statusCode.slice(0, 120),
      subStatusCodes: second.map((s) => s.slice(0, 120)),
      statusMessage: statusMessage[0]?.slice(0, 200) ?? null,
    })
  }
  return { ...common, inResponseTo, statusCode, partial: second.includes(STATUS_PARTIAL_LOGOUT), relayState, signed }
}

/**
 * The Issuer a logout message claims, UNVERIFIED: only for choosing which IdP's configuration
 * (and so which certificates) to check it with. Never act on it otherwise.
 */
export async function readClaimedIssuer(message: ReceivedLogoutMessage): Promise<string | null> {
  const doc = message.binding === 'redirect' ? await decodeRedirectBinding(readRedirectQuery(message.rawQuery).message) : decodePostBinding(message.value)
  const issuer = singleChildNamed(doc.documentElement!, NS.saml, 'Issuer', () => invalid('Two Issuer elements'))
  return issuer ? textContent(issuer).trim() : null
}

interface OpenedMessage {
  /** The message root; covered by a verified signature whenever `signed` is true. */
  root: Element
  signed: boolean
  relayState: string | null
}

/** Decode per binding and verify whichever signature the binding carries (bindings §3.4.4.1, §3.5.4). */
async function openMessage(
  message: ReceivedLogoutMessage,
  param: 'SAMLRequest' | 'SAMLResponse',
  rootName: string,
  options: LogoutCheckOptions,
): Promise<OpenedMessage> {
  const certs = options.idp.certificates.map((c) => parseCertificate(c))
  const policy = { allowSha1: options.idp.allowSha1 ?? false }
  let doc: Document
  let relayState: string | null
  let querySigned = false
  if (message.binding === 'redirect') {
    const query = readRedirectQuery(message.rawQuery)
    // A request answered as a response (or the reverse) is a confused or reflected message.
    if (query.param !== param) throw invalid(`Expected ${param} in the query`)
    // The detached signature covers the deflated bytes, so it vouches for the whole document.
    const checked = query.signature !== null ? await verifyRedirectBindingSignature(message.rawQuery, certs, policy) : query
    querySigned = query.signature !== null
    doc = await decodeRedirectBinding(checked.message)
    relayState = checked.relayState
  } else {
    // POST RelayState is not covered by any signature (bindings §3.5.3): callers must only ever
    // treat it as a same-origin return path.
    doc = decodePostBinding(message.value)
    relayState = message.relayState ?? null
  }
  const root = doc.documentElement!
  if (!isElementNamed(root, NS.samlp, rootName))
    throw new SamlError('SAML_NOT_SAML', `Expected a samlp:${rootName}`, { root: doc.documentElement?.localName ?? null })
  if (querySigned) return { root, signed: true, relayState }
  // POST (or a Redirect message that kept its XML signature): the enveloped signature on the root.
  const signature = singleChildNamed(root, NS.ds, 'Signature', () => new SamlError('SAML_SIGNATURE_WRAPPING', 'Two Signature elements on the message'))
  if (signature) return { root: (await verifyEnvelopedSignature(root, signature, certs, policy)).element, signed: true, relayState }
  if (options.requireSignature ?? true) throw new SamlError('SAML_SIGNATURE_MISSING', `The ${rootName} is not signed`)
  return { root, signed: false, relayState }
}

/** Version, ID, Issuer, Destination and IssueInstant, common to both messages (core §3.2.1, §3.2.2). */
function checkCommon(root: Element, signed: boolean, options: LogoutCheckOptions): { id: string; issuer: string; issueInstant: string } {
  if (attr(root, 'Version') !== '2.0') throw new SamlError('SAML_VERSION_UNSUPPORTED', 'Unsupported SAML version', { version: attr(root, 'Version') })
  const id = attr(root, 'ID')
  const issueInstant = attr(root, 'IssueInstant')
  if (!id || !issueInstant) throw invalid(`${root.localName} lacks ID or IssueInstant`)
  // Profiles §4.4.4.1/§4.4.4.2: the Issuer MUST be present and name the IdP.
  const issuerEl = singleChildNamed(root, NS.saml, 'Issuer', () => invalid('Two Issuer elements'))
  const issuer = issuerEl ? textContent(issuerEl).trim() : ''
  if (issuer !== options.idp.entityId) {
    throw new SamlError('SAML_ISSUER_MISMATCH', 'The logout message is not from this IdP', { expected: options.idp.entityId, received: issuer.slice(0, 200) })
  }
  const destination = attr(root, 'Destination')
  // Required when signed, and must be us whenever present (a message for another SP replayed here).
  if ((signed || destination !== null) && destination !== options.sloUrl) {
    throw new SamlError('SAML_DESTINATION_MISMATCH', 'The logout message is addressed elsewhere', {
      expected: options.sloUrl,
      received: destination?.slice(0, 200) ?? null,
    })
  }
  const issued = parseDateTime(issueInstant, `${root.localName} IssueInstant`)
  const now = options.now.getTime()
  if (issued > now + skewMs(options)) {
    throw new SamlError('SAML_NOT_YET_VALID', 'The logout message is issued in the future', { issueInstant, now: options.now.toISOString() })
  }
  // No NotBefore/NotOnOrAfter on responses: a bounded age keeps captured messages from replaying later.
  if (issued + MAX_LOGOUT_MESSAGE_AGE_SECONDS * 1000 + skewMs(options) < now) {
    throw new SamlError('SAML_EXPIRED', 'The logout message is too old', {
      issueInstant,
      now: options.now.toISOString(),
      maxAgeSeconds: MAX_LOGOUT_MESSAGE_AGE_SECONDS,
    })
  }
  return { id, issuer, issueInstant }
}

function skewMs(options: LogoutCheckOptions): number {
  return (options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS) * 1000
}

function invalid(message: string): SamlError {
  return new SamlError('SAML_LOGOUT_INVALID', message)
}
