/**
 * What a helpdesk's AuthnRequest asks of the broker, checked and decided by the book (SAML core
 * §3.4.1, profiles §4.1.4.1): where it was addressed and when, which binding it wants the answer
 * in, which NameID format it accepts (NameIDPolicy) and which authentication context it needs
 * (RequestedAuthnContext). Pure: the clock and the upstream context are inputs.
 */
import { parseDateTime } from '../assertion'
import { SamlError } from '../errors'
import { STATUS_REQUESTER, STATUS_RESPONDER } from '../logout'
import type { AuthnRequestInfo } from './authn-request'
import { NAMEID_EMAIL, NAMEID_PERSISTENT, NAMEID_TRANSIENT } from './metadata'
import type { MessageTrust } from '../received-message'

export const BINDING_HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'
/** How old an AuthnRequest may be (IssueInstant), on top of the clock skew: a browser relays it at once. */
export const MAX_AUTHN_REQUEST_AGE_SECONDS = 300

export const NAMEID_FORMATS = { email: NAMEID_EMAIL, persistent: NAMEID_PERSISTENT, transient: NAMEID_TRANSIENT } as const
export type BrokerNameIdFormat = keyof typeof NAMEID_FORMATS
const UNSPECIFIED_NAMEID = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified'

/** Second-level status codes the broker answers with (core §3.2.2.2). */
export const STATUS = {
  requester: STATUS_REQUESTER,
  responder: STATUS_RESPONDER,
  invalidNameIdPolicy: 'urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy',
  noAuthnContext: 'urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext',
  noPassive: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
} as const

/**
 * Checks where and when the request was made, and the binding it asks for. Returns until when
 * its ID must be remembered against replay. Throws SAML_NOT_SAML (no IssueInstant),
 * SAML_NOT_YET_VALID, SAML_EXPIRED, SAML_DESTINATION_MISMATCH, SAML_BINDING_UNSUPPORTED.
 */
export function checkAuthnRequest(request: AuthnRequestInfo<MessageTrust>, options: { ssoUrl: string; now: Date; skewSeconds: number }): { replayUntil: Date } {
  if (!request.issueInstant) throw new SamlError('SAML_NOT_SAML', 'The AuthnRequest has no IssueInstant')
  const issued = parseDateTime(request.issueInstant, 'AuthnRequest IssueInstant')
  const now = options.now.getTime()
  const skew = options.skewSeconds * 1000
  if (issued > now + skew)
    throw new SamlError('SAML_NOT_YET_VALID', 'The AuthnRequest is issued in the future', {
      issueInstant: request.issueInstant,
      now: options.now.toISOString(),
    })
  const tooOld = issued + MAX_AUTHN_REQUEST_AGE_SECONDS * 1000 + skew
  if (now >= tooOld) {
    throw new SamlError('SAML_EXPIRED', 'The AuthnRequest is too old', {
      issueInstant: request.issueInstant,
      now: options.now.toISOString(),
      maxAgeSeconds: MAX_AUTHN_REQUEST_AGE_SECONDS,
    })
  }
  // Bindings §3.4.5.2/§3.5.5.2: a signed request must name us; any Destination must be us.
  if ((request.signed || request.destination !== null) && request.destination !== options.ssoUrl) {
    throw new SamlError('SAML_DESTINATION_MISMATCH', 'The AuthnRequest is addressed elsewhere', {
      expected: options.ssoUrl,
      received: request.destination?.slice(0, 256) ?? null,
    })
  }
  // The broker answers over HTTP-POST only (profiles §4.1.2: Redirect cannot carry a Response).
  if (request.protocolBinding !== null && request.protocolBinding !== BINDING_HTTP_POST) {
    throw new SamlError('SAML_BINDING_UNSUPPORTED', 'The AuthnRequest asks for a response binding the broker does not offer', {
      expected: BINDING_HTTP_POST,
      received: request.protocolBinding.slice(0, 256),
    })
  }
  return { replayUntil: new Date(tooOld) }
}

/**
 * The NameID format to answer with: the one NameIDPolicy names (emailAddress, persistent,
 * transient), else the app's own. null: a format the broker cannot issue (InvalidNameIDPolicy).
 */
export function nameIdFormatFor(policyFormat: string | null | undefined, appDefault: BrokerNameIdFormat): BrokerNameIdFormat | null {
  if (!policyFormat || policyFormat === UNSPECIFIED_NAMEID) return appDefault
  for (const [name, uri] of Object.entries(NAMEID_FORMATS)) if (uri === policyFormat) return name as BrokerNameIdFormat
  return null
}

const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:'
export const AUTHN_CONTEXT_UNSPECIFIED = `${AC}unspecified`

/**
 * Known classes by strength (core §3.3.2.2.1 leaves the order to the IdP): a password, a
 * password over TLS, then anything with a second factor or a key. Classes not listed match only
 * exactly.
 */
const STRENGTH: Record<string, number> = {
  [`${AC}InternetProtocol`]: 1,
  [`${AC}Password`]: 2,
  [`${AC}PasswordProtectedTransport`]: 3,
  [`${AC}Kerberos`]: 4,
  [`${AC}TLSClient`]: 5,
  [`${AC}X509`]: 5,
  [`${AC}Smartcard`]: 5,
  [`${AC}SmartcardPKI`]: 6,
  [`${AC}SoftwarePKI`]: 5,
  [`${AC}TimeSyncToken`]: 5,
  [`${AC}MobileTwoFactorContract`]: 5,
  [`${AC}MobileTwoFactorUnregistered`]: 5,
}

/**
 * Upstream values, as the class the broker can state for them. `Password` becomes
 * `PasswordProtectedTransport`: the customer's IdP is always reached over https (an IdP's SSO URL
 * must be https), and many IdPs (Entra ID, Google, Keycloak) say `Password` for exactly that;
 * stating it as is would fail every SP that asks for PasswordProtectedTransport (node-saml's and
 * python3-saml's default). Method URIs that are not SAML classes (Entra ID, ADFS) are mapped too.
 */
const UPSTREAM_ALIASES: Record<string, string> = {
  [`${AC}Password`]: `${AC}PasswordProtectedTransport`,
  'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password': `${AC}PasswordProtectedTransport`,
  'urn:federation:authentication:windows': `${AC}PasswordProtectedTransport`,
  'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/windows': `${AC}PasswordProtectedTransport`,
  'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/x509': `${AC}X509`,
  'http://schemas.microsoft.com/claims/multipleauthn': `${AC}MobileTwoFactorContract`,
}

/** The class to state in our assertion for what the upstream IdP sent (mapped when it is not a SAML class). */
export function brokerAuthnContext(upstream: string | null | undefined): string {
  if (!upstream) return AUTHN_CONTEXT_UNSPECIFIED
  return UPSTREAM_ALIASES[upstream] ?? upstream
}

/** Whether `classRef` satisfies the requested context (core §3.3.2.2.1, comparison exact/minimum/better/maximum). */
export function satisfiesAuthnContext(requested: { comparison: string; classRefs: string[] } | null, classRef: string): boolean {
  if (!requested || requested.classRefs.length === 0) return true
  if (requested.comparison === 'exact' || STRENGTH[classRef] === undefined) return requested.classRefs.includes(classRef)
  const ours = STRENGTH[classRef]!
  const ranks = requested.classRefs.map((c) => STRENGTH[c]).filter((r): r is number => r !== undefined)
  if (ranks.length === 0) return requested.classRefs.includes(classRef)
  if (requested.comparison === 'minimum') return ours >= Math.min(...ranks)
  if (requested.comparison === 'better') return ours > Math.min(...ranks)
  if (requested.comparison === 'maximum') return ours <= Math.max(...ranks)
  return false
}
