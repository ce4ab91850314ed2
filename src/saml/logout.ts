/**
 * Single Logout messages (SAML core §3.7, profiles §4.4): building LogoutRequest/LogoutResponse
 * and checking received ones over HTTP-Redirect or HTTP-POST. Trusts only the IdP's configured
 * certificates; reads only what a verified signature covers; never accepts an unsigned front-
 * channel logout message unless the caller explicitly opts out (profiles §4.4.4.1, §4.4.4.2).
 */
import type { Element } from '@xmldom/xmldom'
import { parseDateTime } from './assertion'
import { SamlError } from './errors'
import { DEFAULT_CLOCK_SKEW_SECONDS } from './limits'
import { openReceivedMessage, type MessageTrust, type ReceivedMessage, type TrustResolver } from './received-message'
import { attr, childElements, childrenNamed, NS, singleChildNamed, textContent } from './xml/dom'
import { escapeXmlAttr, escapeXmlText } from './xml/escape'

export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'
export const STATUS_REQUESTER = 'urn:oasis:names:tc:SAML:2.0:status:Requester'
export const STATUS_RESPONDER = 'urn:oasis:names:tc:SAML:2.0:status:Responder'
/** Second-level status: some session participants could not be logged out (core §3.2.2.2). */
export const STATUS_UNKNOWN_PRINCIPAL = 'urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal'
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
  /** A second-level status (core §3.2.2.2), e.g. UnknownPrincipal. */
  subStatusCode?: string
  statusMessage?: string
}

/** A LogoutResponse from this SP to an IdP-initiated LogoutRequest. */
export function buildLogoutResponse(input: LogoutResponseInput): string {
  const message = input.statusMessage ? `<samlp:StatusMessage>${escapeXmlText(input.statusMessage)}</samlp:StatusMessage>` : ''
  return (
    `<samlp:LogoutResponse ${PROTOCOL_NS} ID="${escapeXmlAttr(input.id)}" Version="2.0" IssueInstant="${input.issueInstant.toISOString()}"` +
    ` Destination="${escapeXmlAttr(input.destination)}" InResponseTo="${escapeXmlAttr(input.inResponseTo)}">` +
    `<saml:Issuer>${escapeXmlText(input.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${escapeXmlAttr(input.statusCode ?? STATUS_SUCCESS)}"${input.subStatusCode ? `><samlp:StatusCode Value="${escapeXmlAttr(input.subStatusCode)}"/></samlp:StatusCode>` : '/>'}${message}</samlp:Status>` +
    `</samlp:LogoutResponse>`
  )
}

/** Who may send a logout message: the IdP's entity ID, certificates and policy. */
export interface LogoutIssuer extends MessageTrust {
  entityId: string
  clockSkewSeconds?: number
}

export interface LogoutCheckOptions<T extends LogoutIssuer> {
  /**
   * The IdP the message must come from, or a resolver from the Issuer the message claims to that
   * IdP (the way jose's verify takes a key or a get-key function): the message is parsed once.
   */
  idp: T | TrustResolver<T>
  /** Our SLO URL: a signed message must name it as Destination (bindings §3.4.5.2, §3.5.5.2). */
  sloUrl: string
  now: Date
}

export interface LogoutRequestInfo<T extends LogoutIssuer = LogoutIssuer> {
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
  /** After this instant the message is refused as too old anyway: keep its ID against replay until then. */
  replayUntil: Date
  /** The resolved issuer configuration the message was checked with. */
  issuerConfig: T
}

export interface LogoutResponseInfo<T extends LogoutIssuer = LogoutIssuer> {
  id: string
  issuer: string
  issueInstant: string
  inResponseTo: string
  statusCode: string
  /** The IdP reached only some session participants (second-level PartialLogout). */
  partial: boolean
  relayState: string | null
  signed: boolean
  issuerConfig: T
}

/**
 * Check an IdP's LogoutRequest: signature (query or enveloped) with the IdP's certificates, then
 * Issuer, Destination, IssueInstant/NotOnOrAfter, NameID. Replay (ID seen before) is the caller's.
 */
export async function parseLogoutRequest<T extends LogoutIssuer>(message: ReceivedMessage, options: LogoutCheckOptions<T>): Promise<LogoutRequestInfo<T>> {
  const { root, signed, relayState, trust } = await openReceivedMessage(
    message,
    { param: 'SAMLRequest', rootName: 'LogoutRequest', invalidCode: 'SAML_LOGOUT_INVALID' },
    resolverOf(options.idp),
  )
  const common = checkCommon(root, signed, trust, options)
  const notOnOrAfter = attr(root, 'NotOnOrAfter')
  const lastAccepted = notOnOrAfter !== null ? parseDateTime(notOnOrAfter, 'LogoutRequest NotOnOrAfter') + skewMs(trust) : 0
  if (notOnOrAfter !== null && options.now.getTime() >= lastAccepted) {
    throw new SamlError('SAML_EXPIRED', 'LogoutRequest NotOnOrAfter has passed', { notOnOrAfter, now: options.now.toISOString() })
  }
  // checkCommon refuses it once IssueInstant is older than the age limit; a NotOnOrAfter may
  // not make it live longer, but the later of the two is the safe bound for the replay row.
  const tooOld = parseDateTime(common.issueInstant, 'LogoutRequest IssueInstant') + MAX_LOGOUT_MESSAGE_AGE_SECONDS * 1000 + skewMs(trust)
  const replayUntil = new Date(Math.max(tooOld, lastAccepted))
  // Core §3.7.1: exactly one of BaseID, NameID, EncryptedID. Only a plain NameID names a session here.
  const identifiers = childElements(root).filter((c) => c.namespaceURI === NS.saml && ['BaseID', 'NameID', 'EncryptedID'].includes(c.localName ?? ''))
  const nameIdEl = identifiers[0]
  if (identifiers.length !== 1 || !nameIdEl) throw invalid('LogoutRequest must carry exactly one identifier')
  if (nameIdEl.localName !== 'NameID') throw invalid(`LogoutRequest ${nameIdEl.localName} is not supported (only NameID)`)
  // As sent, like the NameID of a login (assertion.ts): trimming here would miss sessions whose NameID has spaces.
  const nameId = textContent(nameIdEl)
  if (!nameId.trim()) throw new SamlError('SAML_NAMEID_MISSING', 'LogoutRequest NameID is empty')
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
    replayUntil,
    issuerConfig: trust,
  }
}

/**
 * Check the IdP's LogoutResponse to our LogoutRequest `expectedRequestId`. Success (possibly
 * PartialLogout) resolves; any other status throws SAML_STATUS_NOT_SUCCESS.
 */
export async function parseLogoutResponse<T extends LogoutIssuer>(
  message: ReceivedMessage,
  options: LogoutCheckOptions<T> & { expectedRequestId: string },
): Promise<LogoutResponseInfo<T>> {
  const { root, signed, relayState, trust } = await openReceivedMessage(
    message,
    { param: 'SAMLResponse', rootName: 'LogoutResponse', invalidCode: 'SAML_LOGOUT_INVALID' },
    resolverOf(options.idp),
  )
  const common = checkCommon(root, signed, trust, options)
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
  return { ...common, inResponseTo, statusCode, partial: second.includes(STATUS_PARTIAL_LOGOUT), relayState, signed, issuerConfig: trust }
}

/** A fixed issuer, or the caller's resolver; a fixed one must still be the Issuer the message names (checkCommon). */
function resolverOf<T extends LogoutIssuer>(idp: T | TrustResolver<T>): TrustResolver<T> {
  return typeof idp === 'function' ? idp : async () => idp
}

/** Version, ID, Issuer, Destination and IssueInstant, common to both messages (core §3.2.1, §3.2.2). */
function checkCommon(
  root: Element,
  signed: boolean,
  idp: LogoutIssuer,
  options: { sloUrl: string; now: Date },
): { id: string; issuer: string; issueInstant: string } {
  if (attr(root, 'Version') !== '2.0') throw new SamlError('SAML_VERSION_UNSUPPORTED', 'Unsupported SAML version', { version: attr(root, 'Version') })
  const id = attr(root, 'ID')
  const issueInstant = attr(root, 'IssueInstant')
  if (!id || !issueInstant) throw invalid(`${root.localName} lacks ID or IssueInstant`)
  // Profiles §4.4.4.1/§4.4.4.2: the Issuer MUST be present and name the IdP.
  const issuerEl = singleChildNamed(root, NS.saml, 'Issuer', () => invalid('Two Issuer elements'))
  const issuer = issuerEl ? textContent(issuerEl).trim() : ''
  if (issuer !== idp.entityId) {
    throw new SamlError('SAML_ISSUER_MISMATCH', 'The logout message is not from this IdP', { expected: idp.entityId, received: issuer.slice(0, 200) })
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
  if (issued > now + skewMs(idp)) {
    throw new SamlError('SAML_NOT_YET_VALID', 'The logout message is issued in the future', { issueInstant, now: options.now.toISOString() })
  }
  // No NotBefore/NotOnOrAfter on responses: a bounded age keeps captured messages from replaying later.
  if (issued + MAX_LOGOUT_MESSAGE_AGE_SECONDS * 1000 + skewMs(idp) < now) {
    throw new SamlError('SAML_EXPIRED', 'The logout message is too old', {
      issueInstant,
      now: options.now.toISOString(),
      maxAgeSeconds: MAX_LOGOUT_MESSAGE_AGE_SECONDS,
    })
  }
  return { id, issuer, issueInstant }
}

function skewMs(idp: LogoutIssuer): number {
  return (idp.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS) * 1000
}

function invalid(message: string): SamlError {
  return new SamlError('SAML_LOGOUT_INVALID', message)
}
