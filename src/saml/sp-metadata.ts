/**
 * This gateway's SP metadata (saml-metadata-2.0-os §2.4.4): EntityDescriptor + SPSSODescriptor
 * with ACS, SLO, NameID formats and signing/encryption certificates, optionally signed.
 * Trusts the configuration and keys it is handed; every value is escaped into the XML, and
 * certificates are re-encoded from their parsed DER, never copied as text.
 */
import { XMLSerializer } from '@xmldom/xmldom'
import { signEnveloped } from './dsig/sign'
import { encodeBase64 } from './encoding'
import { parseCertificate } from './x509'
import { NS } from './xml/dom'
import { escapeXmlAttr, escapeXmlText } from './xml/escape'
import { parseXml } from './xml/parse'

const HTTP_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect'
const HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'

export const DEFAULT_SP_NAMEID_FORMATS: readonly string[] = [
  'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
]

/**
 * Content algorithms the decryptor (xmlenc/decrypt.ts) supports, strongest first. Listed as
 * EncryptionMethod (metadata §2.4.1.1) so that IdPs which read them (Shibboleth, SimpleSAMLphp)
 * pick AES-GCM instead of CBC, whose padding oracle (XML-Enc CBC attack, 2011) we would rather avoid.
 */
const ENCRYPTION_METHODS = [
  'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  'http://www.w3.org/2009/xmlenc11#rsa-oaep',
  'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
]

export interface SpContact {
  contactType: 'technical' | 'support' | 'administrative' | 'billing' | 'other'
  company?: string
  givenName?: string
  surName?: string
  emailAddress?: string
}

export interface SpMetadataInput {
  entityId: string
  acsUrl: string
  sloUrl: string
  /** PEM or base64 DER; two during a key rollover (IdPs then accept both). */
  signingCertificates: readonly string[]
  encryptionCertificates: readonly string[]
  wantAssertionsSigned: boolean
  authnRequestsSigned: boolean
  nameIdFormats?: readonly string[]
  /** ID attribute of the EntityDescriptor; required to sign the document. */
  id?: string
  validUntil?: Date
  organization?: { name: string; displayName: string; url: string; lang?: string }
  contacts?: readonly SpContact[]
}

/** SP metadata XML (no XML declaration; the route adds one). Certificates that do not parse throw SAML_CERTIFICATE_INVALID. */
export function buildSpMetadata(input: SpMetadataInput): string {
  const formats = input.nameIdFormats ?? DEFAULT_SP_NAMEID_FORMATS
  const id = input.id !== undefined ? ` ID="${escapeXmlAttr(input.id)}"` : ''
  const validUntil = input.validUntil ? ` validUntil="${input.validUntil.toISOString()}"` : ''
  // Element order is fixed by the schema (metadata §2.4.1, §2.4.2, §2.4.4): KeyDescriptor,
  // SingleLogoutService, NameIDFormat, AssertionConsumerService; then Organization, ContactPerson.
  return (
    `<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" entityID="${escapeXmlAttr(input.entityId)}"${id}${validUntil}>` +
    `<md:SPSSODescriptor AuthnRequestsSigned="${input.authnRequestsSigned}" WantAssertionsSigned="${input.wantAssertionsSigned}"` +
    ` protocolSupportEnumeration="${NS.samlp}">` +
    input.signingCertificates.map((c) => keyDescriptor('signing', c)).join('') +
    input.encryptionCertificates.map((c) => keyDescriptor('encryption', c)).join('') +
    `<md:SingleLogoutService Binding="${HTTP_REDIRECT}" Location="${escapeXmlAttr(input.sloUrl)}"/>` +
    `<md:SingleLogoutService Binding="${HTTP_POST}" Location="${escapeXmlAttr(input.sloUrl)}"/>` +
    formats.map((f) => `<md:NameIDFormat>${escapeXmlText(f)}</md:NameIDFormat>`).join('') +
    // One ACS, HTTP-POST only: the gateway never accepts Artifact or Redirect responses.
    `<md:AssertionConsumerService Binding="${HTTP_POST}" Location="${escapeXmlAttr(input.acsUrl)}" index="0" isDefault="true"/>` +
    `</md:SPSSODescriptor>` +
    organization(input.organization) +
    (input.contacts ?? []).map(contactPerson).join('') +
    `</md:EntityDescriptor>`
  )
}

/**
 * Sign metadata (ours as SP, or the broker's) with an enveloped signature as the root's first
 * child (metadata §3.1), exclusive C14N; the root needs an `ID`. Returns the serialized document.
 */
export async function signMetadata(xml: string, signing: { privateKey: CryptoKey; certificatePem: string; signatureAlgorithm?: string }): Promise<string> {
  const doc = parseXml(xml)
  const root = doc.documentElement!
  // The schema puts ds:Signature before every role descriptor: first child, not "after Issuer".
  await signEnveloped(root, { ...signing, insertAfter: null })
  return new XMLSerializer().serializeToString(doc)
}

/** A KeyDescriptor with the certificate re-encoded from its parsed DER. Shared with broker/metadata.ts. */
export function keyDescriptor(use: 'signing' | 'encryption', certificate: string): string {
  // Parsed and re-encoded: a malformed certificate fails here, not at the IdP's import.
  const b64 = encodeBase64(parseCertificate(certificate).der)
  const methods = use === 'encryption' ? ENCRYPTION_METHODS.map((m) => `<md:EncryptionMethod Algorithm="${m}"/>`).join('') : ''
  return `<md:KeyDescriptor use="${use}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>${methods}</md:KeyDescriptor>`
}

function organization(org: SpMetadataInput['organization']): string {
  if (!org) return ''
  // xml:lang is required on each localized name (metadata §2.3.2.1).
  const lang = escapeXmlAttr(org.lang ?? 'en')
  return (
    `<md:Organization>` +
    `<md:OrganizationName xml:lang="${lang}">${escapeXmlText(org.name)}</md:OrganizationName>` +
    `<md:OrganizationDisplayName xml:lang="${lang}">${escapeXmlText(org.displayName)}</md:OrganizationDisplayName>` +
    `<md:OrganizationURL xml:lang="${lang}">${escapeXmlText(org.url)}</md:OrganizationURL>` +
    `</md:Organization>`
  )
}

function contactPerson(contact: SpContact): string {
  const part = (name: string, value: string | undefined): string => (value ? `<md:${name}>${escapeXmlText(value)}</md:${name}>` : '')
  // metadata §2.3.2.2: EmailAddress is an anyURI, conventionally mailto:.
  const email = contact.emailAddress && !contact.emailAddress.startsWith('mailto:') ? `mailto:${contact.emailAddress}` : contact.emailAddress
  return (
    `<md:ContactPerson contactType="${escapeXmlAttr(contact.contactType)}">` +
    part('Company', contact.company) +
    part('GivenName', contact.givenName) +
    part('SurName', contact.surName) +
    part('EmailAddress', email) +
    `</md:ContactPerson>`
  )
}
