/**
 * SAML 2.0 metadata (saml-metadata-2.0-os): parsing IdP metadata (EntityDescriptor or an
 * EntitiesDescriptor aggregate; only IDPSSODescriptor roles count) with an optional check of the
 * document's own enveloped signature against certificates the caller trusts, and building this
 * gateway's SP metadata. Only what the signature check covers may be trusted when one is asked for.
 */
import type { Element } from '@xmldom/xmldom'
import { verifyEnvelopedSignature } from './dsig/verify'
import { SamlError } from './errors'
import { parseCertificate } from './x509'
import { attr, childElements, childrenNamed, firstChildNamed, isElementNamed, NS, textContent } from './xml/dom'
import { escapeXmlAttr, escapeXmlText } from './xml/escape'
import { parseXml } from './xml/parse'

/** Aggregates (InCommon-style federations) are far larger than single messages. */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024

export const BINDINGS = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const

export interface IdpMetadata {
  entityId: string
  /** The role lists the SAML 2.0 protocol (federations still carry SAML 1-only IdPs). */
  supportsSaml2: boolean
  /** Location per binding short name (HTTP-Redirect, HTTP-POST, SOAP, ...), first one wins. */
  ssoUrls: Record<string, string>
  sloUrls: Record<string, string>
  /** Base64 DER, whitespace removed; KeyDescriptors without `use` count for both. */
  signingCertificates: string[]
  encryptionCertificates: string[]
  nameIdFormats: string[]
  wantAuthnRequestsSigned: boolean
}

export interface ParsedMetadata {
  idps: IdpMetadata[]
  signed: boolean
  /** True only when `verifyWith` was given and the root's signature verified with it. */
  signatureVerified: boolean
  validUntil: string | null
}

function bindingName(uri: string): string {
  return uri.startsWith('urn:oasis:names:tc:SAML:2.0:bindings:') ? uri.slice('urn:oasis:names:tc:SAML:2.0:bindings:'.length) : uri
}

function endpoints(role: Element, localName: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const ep of childrenNamed(role, NS.md, localName)) {
    const binding = attr(ep, 'Binding')
    const location = attr(ep, 'Location')
    if (binding && location) out[bindingName(binding)] ??= location.trim()
  }
  return out
}

function certificates(role: Element, use: 'signing' | 'encryption'): string[] {
  const out: string[] = []
  for (const kd of childrenNamed(role, NS.md, 'KeyDescriptor')) {
    const kdUse = attr(kd, 'use')
    if (kdUse && kdUse !== use) continue
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

function readEntity(entity: Element): IdpMetadata | null {
  const roles = childrenNamed(entity, NS.md, 'IDPSSODescriptor')
  const saml2 = roles.find((r) => (attr(r, 'protocolSupportEnumeration') ?? '').includes(NS.samlp))
  const role = saml2 ?? roles[0]
  if (!role) return null
  const entityId = attr(entity, 'entityID')
  if (!entityId) throw new SamlError('SAML_METADATA_INVALID', 'An EntityDescriptor has no entityID')
  return {
    entityId,
    supportsSaml2: saml2 !== undefined,
    ssoUrls: endpoints(role, 'SingleSignOnService'),
    sloUrls: endpoints(role, 'SingleLogoutService'),
    signingCertificates: certificates(role, 'signing'),
    encryptionCertificates: certificates(role, 'encryption'),
    nameIdFormats: childrenNamed(role, NS.md, 'NameIDFormat').map((n) => textContent(n).trim()),
    wantAuthnRequestsSigned: attr(role, 'WantAuthnRequestsSigned') === 'true',
  }
}

function collectEntities(node: Element, out: Element[]): void {
  for (const child of childElements(node)) {
    if (isElementNamed(child, NS.md, 'EntityDescriptor')) out.push(child)
    else if (isElementNamed(child, NS.md, 'EntitiesDescriptor')) collectEntities(child, out)
  }
}

/**
 * Parses IdP metadata. With `verifyWith`, the root element's enveloped signature must verify
 * with one of those certificates (SAML_SIGNATURE_MISSING / SAML_SIGNATURE_INVALID otherwise).
 */
export async function parseIdpMetadata(xml: string, options: { verifyWith?: readonly string[]; allowSha1?: boolean } = {}): Promise<ParsedMetadata> {
  const root: Element = parseXml(xml, { maxBytes: MAX_METADATA_BYTES }).documentElement!
  const rootName = root.localName ?? ''
  const isSingle = isElementNamed(root, NS.md, 'EntityDescriptor')
  if (!isSingle && !isElementNamed(root, NS.md, 'EntitiesDescriptor')) {
    throw new SamlError('SAML_METADATA_INVALID', 'Not SAML metadata: the root must be md:EntityDescriptor or md:EntitiesDescriptor', { root: rootName })
  }
  const signature = firstChildNamed(root, NS.ds, 'Signature')
  let signatureVerified = false
  if (options.verifyWith) {
    if (!signature) throw new SamlError('SAML_SIGNATURE_MISSING', 'The metadata is not signed')
    await verifyEnvelopedSignature(root, signature, options.verifyWith.map((c) => parseCertificate(c)), { allowSha1: options.allowSha1 ?? true })
    signatureVerified = true
  }
  const entities: Element[] = []
  if (isSingle) entities.push(root)
  else collectEntities(root, entities)
  const idps = entities.map(readEntity).filter((e): e is IdpMetadata => e !== null)
  if (idps.length === 0) throw new SamlError('SAML_METADATA_INVALID', 'The metadata describes no identity provider (no IDPSSODescriptor)')
  return { idps, signed: signature !== null, signatureVerified, validUntil: attr(root, 'validUntil') }
}

export interface SpMetadataInput {
  entityId: string
  acsUrl: string
  sloUrl: string
  signingCertificates: readonly string[]
  encryptionCertificates: readonly string[]
  wantAssertionsSigned: boolean
  authnRequestsSigned: boolean
  nameIdFormats?: readonly string[]
}

function keyDescriptor(use: 'signing' | 'encryption', pem: string): string {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
  const methods =
    use === 'encryption'
      ? '<md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/><md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/><md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>'
      : ''
  return `<md:KeyDescriptor use="${use}"><ds:KeyInfo xmlns:ds="${NS.ds}"><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>${methods}</md:KeyDescriptor>`
}

/** SP metadata: SPSSODescriptor with ACS (HTTP-POST), SLO (Redirect + POST), NameIDFormats, keys. */
export function buildSpMetadata(input: SpMetadataInput): string {
  const formats = input.nameIdFormats ?? ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent']
  return (
    `<md:EntityDescriptor xmlns:md="${NS.md}" entityID="${escapeXmlAttr(input.entityId)}">` +
    `<md:SPSSODescriptor AuthnRequestsSigned="${input.authnRequestsSigned}" WantAssertionsSigned="${input.wantAssertionsSigned}" protocolSupportEnumeration="${NS.samlp}">` +
    input.signingCertificates.map((c) => keyDescriptor('signing', c)).join('') +
    input.encryptionCertificates.map((c) => keyDescriptor('encryption', c)).join('') +
    `<md:SingleLogoutService Binding="${BINDINGS.redirect}" Location="${escapeXmlAttr(input.sloUrl)}"/>` +
    `<md:SingleLogoutService Binding="${BINDINGS.post}" Location="${escapeXmlAttr(input.sloUrl)}"/>` +
    formats.map((f) => `<md:NameIDFormat>${escapeXmlText(f)}</md:NameIDFormat>`).join('') +
    `<md:AssertionConsumerService Binding="${BINDINGS.post}" Location="${escapeXmlAttr(input.acsUrl)}" index="0" isDefault="true"/>` +
    `</md:SPSSODescriptor></md:EntityDescriptor>`
  )
}
