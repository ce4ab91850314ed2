/**
 * Metadata on the broker side (the gateway as the one SAML IdP of a hosted helpdesk): the IdP
 * metadata we publish (saml-metadata-2.0-os §2.4.3), built from parsed certificate DER like our
 * SP metadata, and the helpdesk's SP metadata we import. Trusts the configuration it is handed;
 * every value is escaped; a helpdesk's metadata is only read, never a trust anchor by itself.
 */
import type { Element } from '@xmldom/xmldom'
import { SamlError } from '../errors'
import { MAX_METADATA_BYTES } from '../limits'
import { BINDINGS, collectEntities, isHttpUrl, readCertificates } from '../metadata'
import { keyDescriptor } from '../sp-metadata'
import { attr, childrenNamed, isElementNamed, NS, textContent } from '../xml/dom'
import { escapeXmlAttr, escapeXmlText } from '../xml/escape'
import { parseXml } from '../xml/parse'

export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'
export const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'
export const NAMEID_TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient'

export interface BrokerMetadataInput {
  /** Our IdP entity ID (`<origin>/sso/idp/metadata`). */
  entityId: string
  ssoUrl: string
  sloUrl: string
  /** PEM or base64 DER; re-encoded from the parsed certificate. */
  signingCertificates: readonly string[]
  nameIdFormats?: readonly string[]
  /** ID attribute of the EntityDescriptor; required to sign the document. */
  id?: string
  /** WantAuthnRequestsSigned (metadata §2.4.3): the app this copy is for must sign its requests. */
  wantAuthnRequestsSigned?: boolean
}

/** The broker's IdP metadata XML (no XML declaration). Certificates that do not parse throw SAML_CERTIFICATE_INVALID. */
export function buildBrokerMetadata(input: BrokerMetadataInput): string {
  const id = input.id !== undefined ? ` ID="${escapeXmlAttr(input.id)}"` : ''
  const formats = input.nameIdFormats ?? [NAMEID_EMAIL, NAMEID_PERSISTENT, NAMEID_TRANSIENT]
  const endpoint = (name: string, location: string) =>
    [BINDINGS.redirect, BINDINGS.post].map((b) => `<md:${name} Binding="${b}" Location="${escapeXmlAttr(location)}"/>`).join('')
  // Schema order (metadata §2.4.1, §2.4.2, §2.4.3): KeyDescriptor, SingleLogoutService, NameIDFormat, SingleSignOnService.
  return (
    `<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}"${id} entityID="${escapeXmlAttr(input.entityId)}">` +
    `<md:IDPSSODescriptor WantAuthnRequestsSigned="${input.wantAuthnRequestsSigned ? 'true' : 'false'}" protocolSupportEnumeration="${NS.samlp}">` +
    input.signingCertificates.map((c) => keyDescriptor('signing', c)).join('') +
    endpoint('SingleLogoutService', input.sloUrl) +
    formats.map((f) => `<md:NameIDFormat>${escapeXmlText(f)}</md:NameIDFormat>`).join('') +
    endpoint('SingleSignOnService', input.ssoUrl) +
    `</md:IDPSSODescriptor></md:EntityDescriptor>`
  )
}

/** A downstream SP (a helpdesk in broker mode) as its metadata describes it. */
export interface SpMetadata {
  entityId: string
  /** HTTP-POST AssertionConsumerService: the default one, else the lowest index, else the first. */
  acsUrl: string
  signingCertificates: string[]
  /** Certificates it wants assertions encrypted to (KeyDescriptor use="encryption" or no use). */
  encryptionCertificates: string[]
  authnRequestsSigned: boolean
  /** WantAssertionsSigned: the broker always signs its assertions, so this is always met. */
  wantAssertionsSigned: boolean
  nameIdFormats: string[]
  /** Its SingleLogoutService (Redirect preferred, else POST): where logout answers go, and how. */
  slo: { url: string; binding: 'redirect' | 'post' } | null
}

/**
 * Parses a helpdesk's SP metadata (one EntityDescriptor with an SPSSODescriptor, or the entity
 * named `entityId` in an aggregate). Throws SAML_METADATA_INVALID when no SAML 2.0 SP with an
 * HTTP-POST ACS is found.
 */
export function parseSpMetadata(xml: string, entityId?: string): SpMetadata {
  const root: Element = parseXml(xml, { maxBytes: MAX_METADATA_BYTES }).documentElement!
  const entities: Element[] = []
  if (isElementNamed(root, NS.md, 'EntityDescriptor')) entities.push(root)
  else if (isElementNamed(root, NS.md, 'EntitiesDescriptor')) {
    const found: { el: Element; validUntil: string | null }[] = []
    collectEntities(root, null, found)
    entities.push(...found.map((f) => f.el))
  } else throw invalid('Not SAML metadata: the root must be md:EntityDescriptor or md:EntitiesDescriptor')
  const candidates = entities
    .filter((e) => !entityId || attr(e, 'entityID') === entityId)
    .map((e) => ({ e, role: childrenNamed(e, NS.md, 'SPSSODescriptor').find((r) => (attr(r, 'protocolSupportEnumeration') ?? '').includes(NS.samlp)) }))
    .filter((x): x is { e: Element; role: Element } => x.role !== undefined)
  if (candidates.length !== 1)
    throw invalid(candidates.length ? 'The metadata lists several SPs: name the entity ID' : 'The metadata describes no SAML 2.0 service provider')
  const { e, role } = candidates[0]!
  const acs = childrenNamed(role, NS.md, 'AssertionConsumerService')
    .filter((a) => attr(a, 'Binding') === BINDINGS.post && isHttpUrl((attr(a, 'Location') ?? '').trim()))
    .sort(
      (a, b) =>
        (attr(b, 'isDefault') === 'true' ? 1 : 0) - (attr(a, 'isDefault') === 'true' ? 1 : 0) || Number(attr(a, 'index') ?? 0) - Number(attr(b, 'index') ?? 0),
    )[0]
  if (!acs) throw invalid('The SP has no HTTP-POST AssertionConsumerService')
  return {
    entityId: attr(e, 'entityID') ?? '',
    acsUrl: (attr(acs, 'Location') ?? '').trim(),
    signingCertificates: readCertificates(role, 'signing'),
    encryptionCertificates: readCertificates(role, 'encryption'),
    authnRequestsSigned: attr(role, 'AuthnRequestsSigned') === 'true',
    wantAssertionsSigned: attr(role, 'WantAssertionsSigned') === 'true',
    nameIdFormats: childrenNamed(role, NS.md, 'NameIDFormat').map((n) => textContent(n).trim()),
    slo: singleLogout(role),
  }
}

/** The SP's SingleLogoutService: HTTP-Redirect if it offers one, else HTTP-POST; ResponseLocation when given (metadata §2.2.2). */
function singleLogout(role: Element): { url: string; binding: 'redirect' | 'post' } | null {
  const services = childrenNamed(role, NS.md, 'SingleLogoutService')
  for (const [binding, uri] of [
    ['redirect', BINDINGS.redirect],
    ['post', BINDINGS.post],
  ] as const) {
    const service = services.find((sv) => attr(sv, 'Binding') === uri)
    const url = service ? (attr(service, 'ResponseLocation') ?? attr(service, 'Location') ?? '').trim() : ''
    if (service && isHttpUrl(url)) return { url, binding }
  }
  return null
}

function invalid(message: string): SamlError {
  return new SamlError('SAML_METADATA_INVALID', message)
}
