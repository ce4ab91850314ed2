/**
 * IdP metadata (saml-metadata-2.0-os): reads an EntityDescriptor or an EntitiesDescriptor
 * aggregate into the facts an SP needs (SSO/SLO endpoints, signing certificates). Only
 * IDPSSODescriptor roles count. Trusts the document only as far as `verifyWith` vouches for it;
 * never takes a trust anchor from the document's own KeyInfo.
 */
import type { Element } from '@xmldom/xmldom'
import { parseDateTime } from './assertion'
import type { Verified } from './dsig/verify'
import { verifyEnvelopedSignature } from './dsig/verify'
import { SamlError } from './errors'
import { MAX_METADATA_BYTES } from './limits'
import { readDisplayName, readOrganizationName } from './metadata-names'
import { certificateValidityWarning, parseCertificate } from './x509'
import type { ParsedCertificate } from './x509'
import { attr, childElements, childrenNamed, firstChildNamed, isElementNamed, NS, singleChildNamed, textContent } from './xml/dom'
import { parseXml } from './xml/parse'

const SAML2_BINDING_PREFIX = 'urn:oasis:names:tc:SAML:2.0:bindings:'

/** Short names of the SAML 2.0 bindings (saml-bindings-2.0-os §3), as keys of `ssoUrls`/`sloUrls`. */
export const BINDINGS = {
  redirect: `${SAML2_BINDING_PREFIX}HTTP-Redirect`,
  post: `${SAML2_BINDING_PREFIX}HTTP-POST`,
} as const

export interface IdpMetadata {
  entityId: string
  /** The role's mdui:DisplayName (English preferred), or null: a label, never an identifier. */
  displayName: string | null
  /** The entity's md:Organization (OrganizationDisplayName, else OrganizationName), or null. */
  organizationName: string | null
  /** The chosen IDPSSODescriptor lists the SAML 2.0 protocol (federations still carry SAML 1-only IdPs). */
  supportsSaml2: boolean
  /**
   * Location per binding: the short name for SAML 2.0 bindings ('HTTP-Redirect', 'HTTP-POST',
   * 'SOAP', 'HTTP-POST-SimpleSign', ...), the full URI for others. The first endpoint wins.
   */
  ssoUrls: Record<string, string>
  sloUrls: Record<string, string>
  /** SLO ResponseLocation per binding where it is given (metadata §2.2.2); else use `sloUrls`. */
  sloResponseUrls: Record<string, string>
  /** Base64 DER, whitespace removed, deduplicated; KeyDescriptors without `use` count for both. */
  signingCertificates: string[]
  encryptionCertificates: string[]
  nameIdFormats: string[]
  wantAuthnRequestsSigned: boolean
  /** A ds:Signature covers this entity (the root's or its own). */
  signed: boolean
  /** True only when `verifyWith` was given and a signature covering this entity verified with it. */
  signatureVerified: boolean
  /** The earliest validUntil on the path root → entity → role (metadata §2.3.2 inherits it down). */
  validUntil: string | null
  /** Why this IdP cannot be used for SAML 2.0 web SSO, or null when it can. */
  problem: string | null
  /** Non-fatal findings for the admin (expired certificates, skipped endpoints). */
  warnings: string[]
}

export interface ParsedMetadata {
  /** Every IdP entity in document order (only the one asked for when `entityId` was given). */
  idps: IdpMetadata[]
  /** The root element carries a ds:Signature. */
  signed: boolean
  /** The root's signature verified with `verifyWith`. */
  signatureVerified: boolean
  validUntil: string | null
  cacheDuration: string | null
}

export interface ParseIdpMetadataOptions {
  /** Keep only this IdP (from an aggregate); absent → SAML_METADATA_INVALID. */
  entityId?: string
  /**
   * PEM or base64 certificates (the federation's or IdP's key, obtained out of band). The root's
   * enveloped signature must verify with one of them; in an unsigned aggregate, an entity's own
   * signature does, and entities without a verified signature are dropped.
   */
  verifyWith?: readonly string[]
  /**
   * Accept SHA-1 metadata signatures (default true): ADFS signs its FederationMetadata with
   * rsa-sha1, and metadata is content the IdP composes itself, so a SHA-1 collision would need a
   * chosen prefix the IdP signs; pass false to refuse it anyway.
   */
  allowSha1?: boolean
  /** When given, metadata past its validUntil is refused and certificate expiry is warned about. */
  now?: Date
}

function invalid(message: string, detail: Record<string, string | null> = {}): SamlError {
  return new SamlError('SAML_METADATA_INVALID', message, detail)
}

/**
 * Parse IdP metadata. Throws SAML_METADATA_INVALID when no IdP is described, when the entity
 * asked for (or the single EntityDescriptor) is unusable, or when the metadata has expired;
 * SAML_SIGNATURE_MISSING / SAML_SIGNATURE_INVALID when `verifyWith` is given and not satisfied.
 */
export async function parseIdpMetadata(xml: string, options: ParseIdpMetadataOptions = {}): Promise<ParsedMetadata> {
  const root = parseXml(xml, { maxBytes: MAX_METADATA_BYTES }).documentElement!
  const rootName = root.localName ?? ''
  const isSingle = isElementNamed(root, NS.md, 'EntityDescriptor')
  if (!isSingle && !isElementNamed(root, NS.md, 'EntitiesDescriptor')) {
    throw invalid('Not SAML 2.0 metadata: the root must be md:EntityDescriptor or md:EntitiesDescriptor', { root: rootName })
  }
  const policy = { allowSha1: options.allowSha1 ?? true }
  const trusted = options.verifyWith?.map((pem) => parseCertificate(pem)) ?? null
  // Metadata schema: Signature is the first child of the element it signs (metadata §3.1).
  const rootSignature = singleChildNamed(root, NS.ds, 'Signature', () => invalid('The metadata root has two Signature elements'))
  let verifiedRoot: Verified<Element> | null = null
  if (trusted && rootSignature) verifiedRoot = (await verifyEnvelopedSignature(root, rootSignature, trusted, policy)).element

  // Everything below is read from the verified element when there is one (it is the same node).
  const top: Element = verifiedRoot ?? root
  const entities: { el: Element; validUntil: string | null }[] = []
  if (isSingle) entities.push({ el: top, validUntil: null })
  else collectEntities(top, attr(top, 'validUntil'), entities)

  const idps: IdpMetadata[] = []
  for (const { el, validUntil } of entities) {
    if (options.entityId !== undefined && attr(el, 'entityID') !== options.entityId) continue
    const idp = readEntity(el, validUntil, options.now)
    if (!idp) continue
    const own = firstChildNamed(el, NS.ds, 'Signature')
    idp.signed = rootSignature !== null || own !== null
    if (trusted && !verifiedRoot) {
      // An unsigned aggregate of individually signed entities (MDQ-style); unsigned entities
      // (and an unsigned single EntityDescriptor) are dropped, so nothing unverified comes back.
      if (!own) continue
      await verifyEnvelopedSignature(el, own, trusted, policy)
    }
    idp.signatureVerified = trusted !== null
    idps.push(idp)
  }

  if (trusted && !verifiedRoot && idps.length === 0) throw new SamlError('SAML_SIGNATURE_MISSING', 'The metadata is not signed')
  if (idps.length === 0) {
    throw options.entityId !== undefined
      ? invalid('The metadata has no identity provider with this entity ID', { entityId: options.entityId })
      : invalid('The metadata describes no identity provider (no IDPSSODescriptor)')
  }
  const rootValidUntil = attr(root, 'validUntil')
  if (options.now && rootValidUntil && isPast(rootValidUntil, options.now)) {
    throw invalid('The metadata has expired (validUntil is in the past)', { validUntil: rootValidUntil })
  }
  // One entity asked for (or the only one there is): its problems are the caller's problems now.
  if (options.entityId !== undefined || isSingle) assertUsable(idps[0]!, options.now)
  return {
    idps,
    signed: rootSignature !== null,
    signatureVerified: verifiedRoot !== null,
    validUntil: rootValidUntil,
    cacheDuration: attr(root, 'cacheDuration'),
  }
}

/**
 * The IdP to configure: the one with `entityId`, or else the only usable SAML 2.0 IdP in the
 * document. Throws SAML_METADATA_INVALID naming what is wrong; `detail.reason` is 'not-found' or
 * 'ambiguous' when the choice of entity is the problem (else the IdP itself is unusable).
 */
export function selectIdp(parsed: ParsedMetadata, entityId?: string, now?: Date): IdpMetadata {
  if (entityId !== undefined) {
    const found = parsed.idps.find((i) => i.entityId === entityId)
    if (!found) throw invalid('The metadata has no identity provider with this entity ID', { entityId, reason: 'not-found' })
    return assertUsable(found, now)
  }
  const usable = parsed.idps.filter((i) => i.problem === null)
  if (usable.length === 1) return assertUsable(usable[0]!, now)
  if (usable.length === 0 && parsed.idps.length === 1) return assertUsable(parsed.idps[0]!, now)
  throw invalid(`The metadata lists ${usable.length} usable identity providers; name the entity ID to use`, {
    count: String(usable.length),
    reason: 'ambiguous',
  })
}

function assertUsable(idp: IdpMetadata, now: Date | undefined): IdpMetadata {
  if (idp.problem) throw invalid(idp.problem, { entityId: idp.entityId })
  if (now && idp.validUntil && isPast(idp.validUntil, now)) {
    throw invalid('The metadata has expired (validUntil is in the past)', { entityId: idp.entityId, validUntil: idp.validUntil })
  }
  return idp
}

/** EntityDescriptors of an aggregate, nested EntitiesDescriptors included (metadata §2.3.1). Shared with broker/metadata.ts. */
export function collectEntities(node: Element, validUntil: string | null, out: { el: Element; validUntil: string | null }[]): void {
  for (const child of childElements(node)) {
    if (isElementNamed(child, NS.md, 'EntityDescriptor')) out.push({ el: child, validUntil })
    else if (isElementNamed(child, NS.md, 'EntitiesDescriptor')) collectEntities(child, earliest(validUntil, attr(child, 'validUntil')), out)
  }
}

/** One entity's IdP role, or null when it has none (SP-only, AttributeAuthority-only, WS-Fed RoleDescriptor). */
function readEntity(entity: Element, inheritedValidUntil: string | null, now: Date | undefined): IdpMetadata | null {
  const roles = childrenNamed(entity, NS.md, 'IDPSSODescriptor')
  // protocolSupportEnumeration is a whitespace-separated list of URIs (metadata §2.4.1).
  const saml2 = roles.find((r) => (attr(r, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(NS.samlp))
  const role = saml2 ?? roles[0]
  if (!role) return null
  const entityId = (attr(entity, 'entityID') ?? '').trim()
  if (!entityId) throw invalid('An EntityDescriptor has no entityID')
  const warnings: string[] = []
  const sso = readEndpoints(role, 'SingleSignOnService', warnings)
  const slo = readEndpoints(role, 'SingleLogoutService', warnings)
  const signing = readCertificates(role, 'signing')
  const idp: IdpMetadata = {
    entityId,
    displayName: readDisplayName(role),
    organizationName: readOrganizationName(entity),
    supportsSaml2: saml2 !== undefined,
    ssoUrls: sso.locations,
    sloUrls: slo.locations,
    sloResponseUrls: slo.responseLocations,
    signingCertificates: signing,
    encryptionCertificates: readCertificates(role, 'encryption'),
    nameIdFormats: childrenNamed(role, NS.md, 'NameIDFormat')
      .map((n) => textContent(n).trim())
      .filter(Boolean),
    // xs:boolean allows "1" as well as "true" (XML Schema part 2 §3.2.2).
    wantAuthnRequestsSigned: ['true', '1'].includes((attr(role, 'WantAuthnRequestsSigned') ?? '').trim()),
    signed: false,
    signatureVerified: false,
    validUntil: earliest(earliest(inheritedValidUntil, attr(entity, 'validUntil')), attr(role, 'validUntil')),
    problem: null,
    warnings,
  }
  idp.problem = findProblem(idp, now)
  return idp
}

/** The first usable reason this IdP cannot serve SAML 2.0 web SSO to this gateway. */
function findProblem(idp: IdpMetadata, now: Date | undefined): string | null {
  if (!idp.supportsSaml2) return 'The IdP role does not support SAML 2.0 (protocolSupportEnumeration)'
  if (!idp.ssoUrls['HTTP-Redirect'] && !idp.ssoUrls['HTTP-POST']) return 'The IdP has no HTTP-Redirect or HTTP-POST SingleSignOnService endpoint'
  if (idp.signingCertificates.length === 0) return 'The IdP publishes no signing certificate (KeyDescriptor with X509Certificate)'
  for (const [i, b64] of idp.signingCertificates.entries()) {
    let cert: ParsedCertificate
    try {
      cert = parseCertificate(b64)
    } catch {
      return `Signing certificate ${i + 1} is not a valid X.509 certificate`
    }
    // Pinned IdP certificates keep working past notAfter (SAML trusts the key, not the CA
    // chain), so expiry is only a warning for the admin.
    const warning = now ? certificateValidityWarning(cert, now) : null
    if (warning) idp.warnings.push(warning)
  }
  return null
}

interface Endpoints {
  locations: Record<string, string>
  responseLocations: Record<string, string>
}

function readEndpoints(role: Element, localName: string, warnings: string[]): Endpoints {
  const out: Endpoints = { locations: {}, responseLocations: {} }
  for (const ep of childrenNamed(role, NS.md, localName)) {
    const binding = (attr(ep, 'Binding') ?? '').trim()
    const location = (attr(ep, 'Location') ?? '').trim()
    if (!binding || !location) continue
    const name = binding.startsWith(SAML2_BINDING_PREFIX) ? binding.slice(SAML2_BINDING_PREFIX.length) : binding
    // Locations become redirect targets and form actions: only absolute http(s) URLs, never
    // `javascript:` or relative ones, which could turn an imported document into script.
    if (!isHttpUrl(location)) {
      warnings.push(`${localName} ${name}: ignored a Location that is not an http(s) URL`)
      continue
    }
    if (out.locations[name] !== undefined) continue
    out.locations[name] = location
    const responseLocation = (attr(ep, 'ResponseLocation') ?? '').trim()
    if (responseLocation && isHttpUrl(responseLocation)) out.responseLocations[name] = responseLocation
  }
  return out
}

export function readCertificates(role: Element, use: 'signing' | 'encryption'): string[] {
  const out: string[] = []
  for (const kd of childrenNamed(role, NS.md, 'KeyDescriptor')) {
    // metadata §2.4.1.1: without `use`, the key serves both purposes.
    const kdUse = attr(kd, 'use')
    if (kdUse !== null && kdUse.trim() !== use) continue
    const keyInfo = firstChildNamed(kd, NS.ds, 'KeyInfo')
    for (const data of keyInfo ? childrenNamed(keyInfo, NS.ds, 'X509Data') : []) {
      for (const cert of childrenNamed(data, NS.ds, 'X509Certificate')) {
        const b64 = textContent(cert).replace(/\s+/g, '')
        if (b64 && !out.includes(b64)) out.push(b64)
      }
    }
  }
  return out
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}

/** Milliseconds of an xs:dateTime; an unreadable one counts as long past (fail closed). */
function instant(value: string): number {
  try {
    return parseDateTime(value, 'validUntil')
  } catch {
    return Number.NEGATIVE_INFINITY
  }
}

/** `value` (an xs:dateTime) is at or before `now`; an unreadable one counts as past. */
export const isPast = (value: string, now: Date): boolean => instant(value) <= now.getTime()
const earliest = (a: string | null, b: string | null): string | null => (a === null ? b : b === null || instant(a) <= instant(b) ? a : b)
