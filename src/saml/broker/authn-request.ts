/**
 * A helpdesk's AuthnRequest to the broker (SAML core §3.4.1), over HTTP-Redirect or HTTP-POST:
 * decoded and parsed once, its claimed Issuer resolved by the caller to the app's certificates,
 * the signature verified with those, and every field read from the element the signature covered.
 * Trusts only the resolver's certificates; never reads a field before the signature is checked.
 */
import { SamlError } from '../errors'
import { openReceivedMessage, type MessageTrust, type ReceivedMessage, type TrustResolver } from '../received-message'
import { attr, childrenNamed, firstChildNamed, NS, textContent } from '../xml/dom'

export interface AuthnRequestInfo<T extends MessageTrust> {
  /** The request's ID: the Response answers it in InResponseTo. */
  id: string
  issuer: string
  issueInstant: string | null
  destination: string | null
  /** AssertionConsumerServiceURL as sent, or null (then the app's configured ACS is meant). */
  acsUrl: string | null
  protocolBinding: string | null
  forceAuthn: boolean
  isPassive: boolean
  nameIdPolicy: { format: string | null; allowCreate: boolean } | null
  requestedAuthnContext: { comparison: string; classRefs: string[] } | null
  relayState: string | null
  signed: boolean
  /** What the resolver returned for this request's Issuer (the app and its trust settings). */
  issuerConfig: T
}

/**
 * Opens and checks an AuthnRequest. The resolver gets the claimed Issuer (the helpdesk's SP
 * entity ID) and answers with the app's signing certificates and whether a signature is required;
 * it throws when the Issuer is unknown. Throws SamlError SAML_NOT_SAML for anything that is not an
 * AuthnRequest with an ID and an Issuer, and the signature codes of the bindings.
 */
export async function parseAuthnRequest<T extends MessageTrust>(message: ReceivedMessage, resolve: TrustResolver<T>): Promise<AuthnRequestInfo<T>> {
  const opened = await openReceivedMessage(message, { param: 'SAMLRequest', rootName: 'AuthnRequest', invalidCode: 'SAML_NOT_SAML' }, resolve)
  const root = opened.root
  const issuerEl = firstChildNamed(root, NS.saml, 'Issuer')
  const issuer = issuerEl ? textContent(issuerEl).trim() : ''
  if (!issuer) throw new SamlError('SAML_NOT_SAML', 'The AuthnRequest has no Issuer')
  const id = attr(root, 'ID')
  if (!id) throw new SamlError('SAML_NOT_SAML', 'The AuthnRequest has no ID')
  const policy = firstChildNamed(root, NS.samlp, 'NameIDPolicy')
  const context = firstChildNamed(root, NS.samlp, 'RequestedAuthnContext')
  return {
    id,
    issuer,
    issueInstant: attr(root, 'IssueInstant'),
    destination: attr(root, 'Destination'),
    acsUrl: attr(root, 'AssertionConsumerServiceURL'),
    protocolBinding: attr(root, 'ProtocolBinding'),
    forceAuthn: isTrue(attr(root, 'ForceAuthn')),
    isPassive: isTrue(attr(root, 'IsPassive')),
    nameIdPolicy: policy ? { format: attr(policy, 'Format'), allowCreate: isTrue(attr(policy, 'AllowCreate')) } : null,
    requestedAuthnContext: context
      ? {
          // Core §3.3.2.2.1: "exact" when absent.
          comparison: attr(context, 'Comparison') ?? 'exact',
          classRefs: childrenNamed(context, NS.saml, 'AuthnContextClassRef').map((c) => textContent(c).trim()),
        }
      : null,
    relayState: opened.relayState,
    signed: opened.signed,
    issuerConfig: opened.trust,
  }
}

/** xs:boolean (XML Schema §3.2.2): "true" or "1". */
function isTrue(value: string | null): boolean {
  return value !== null && (value.trim() === 'true' || value.trim() === '1')
}
