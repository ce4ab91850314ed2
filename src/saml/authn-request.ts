/**
 * AuthnRequest (SAML core §3.4.1) as this SP sends it: ID, IssueInstant and Destination bound,
 * response requested over HTTP-POST to our ACS. Builds a string with every value escaped; the
 * caller supplies the ID and the time (no clock or randomness here). Transport: bindings.ts.
 */
import { escapeXmlAttr, escapeXmlText } from './xml/escape'

const HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'

export interface AuthnRequestInput {
  /**
   * An xs:ID (must not start with a digit): `_` + hex from the caller's randomness. The ACS later
   * requires InResponseTo to equal it, bound to the browser that started the login.
   */
  id: string
  issueInstant: Date
  /** The IdP's SSO URL; signed requests must name it (bindings §3.4.5.2, §3.5.5.2). */
  destination: string
  spEntityId: string
  acsUrl: string
  nameIdFormat?: string | null
  /** Ask the IdP to re-authenticate the user even with a session (core §3.4.1). */
  forceAuthn?: boolean
  /** Ask the IdP not to interact with the user (no login page); it answers NoPassive instead. */
  isPassive?: boolean
}

/** The AuthnRequest XML (no XML declaration), asking for an HTTP-POST response to our ACS. */
export function buildAuthnRequest(input: AuthnRequestInput): string {
  if (!/^[A-Za-z_][\w.-]*$/.test(input.id)) throw new TypeError('AuthnRequest ID must be an xs:ID (letter or _ first)')
  const force = input.forceAuthn ? ' ForceAuthn="true"' : ''
  const passive = input.isPassive ? ' IsPassive="true"' : ''
  // AllowCreate lets the IdP mint a persistent/transient identifier on first login (core §3.4.1.1).
  const policy = input.nameIdFormat ? `<samlp:NameIDPolicy Format="${escapeXmlAttr(input.nameIdFormat)}" AllowCreate="true"/>` : ''
  // Core §3.4.1 element order: Issuer, (Signature), Extensions, Subject, NameIDPolicy, ...; a
  // POST-binding signature goes right after Issuer (signPostMessage does that).
  return (
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
    ` ID="${escapeXmlAttr(input.id)}" Version="2.0" IssueInstant="${input.issueInstant.toISOString()}"` +
    ` Destination="${escapeXmlAttr(input.destination)}" AssertionConsumerServiceURL="${escapeXmlAttr(input.acsUrl)}"` +
    ` ProtocolBinding="${HTTP_POST}"${force}${passive}>` +
    `<saml:Issuer>${escapeXmlText(input.spEntityId)}</saml:Issuer>${policy}</samlp:AuthnRequest>`
  )
}
