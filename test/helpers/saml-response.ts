// Builds SAML Responses with REAL signatures (src/saml/dsig/sign.ts + openssl-generated keys) for
// attack tests: a valid control and its tampered variants come from the same builder and key.
import { DOMParser, XMLSerializer } from '@xmldom/xmldom'
import type { Document, Element } from '@xmldom/xmldom'
import { signEnveloped } from '../../src/saml/dsig/sign'
import { canonicalize } from '../../src/saml/xml/c14n'
import { childElements, isElementNamed, NS } from '../../src/saml/xml/dom'
import type { IdpConfig, ValidateSamlResponseOptions } from '../../src/saml/types'
import { signingKey, testKeyPair } from './keys'
import type { TestKeyPair } from './keys'

export const IDP = 'https://idp.example.test/metadata'
export const SP = 'https://sp.example.test/sso/metadata'
export const ACS = 'https://sp.example.test/sso/acs'
export const REQUEST_ID = '_req-7f3a9c'
export const NOW = new Date('2031-03-01T12:00:00Z')

const iso = (offsetSeconds: number): string => new Date(NOW.getTime() + offsetSeconds * 1000).toISOString()

export interface ResponseFields {
  responseId: string
  assertionId: string
  issuer: string
  assertionIssuer: string
  destination: string | null
  inResponseTo: string | null
  recipient: string
  audience: string
  notBefore: string
  notOnOrAfter: string
  scdNotOnOrAfter: string
  status: string
  /** Raw XML inside NameID (may contain comments). */
  nameIdXml: string
}

export const DEFAULT_FIELDS: ResponseFields = {
  responseId: '_resp-1',
  assertionId: '_assert-1',
  issuer: IDP,
  assertionIssuer: IDP,
  destination: ACS,
  inResponseTo: REQUEST_ID,
  recipient: ACS,
  audience: SP,
  notBefore: iso(-60),
  notOnOrAfter: iso(300),
  scdNotOnOrAfter: iso(300),
  status: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  nameIdXml: 'alice@example.com',
}

/** Response XML text (pretty-printed: whitespace nodes are part of what gets signed). */
export function responseXml(overrides: Partial<ResponseFields> = {}): string {
  const f = { ...DEFAULT_FIELDS, ...overrides }
  const irt = (v: string | null): string => (v === null ? '' : ` InResponseTo="${v}"`)
  return `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${f.responseId}" Version="2.0" IssueInstant="${iso(-1)}"${
    f.destination === null ? '' : ` Destination="${f.destination}"`
  }${irt(f.inResponseTo)}>
  <saml:Issuer>${f.issuer}</saml:Issuer>
  <samlp:Status><samlp:StatusCode Value="${f.status}"/></samlp:Status>
  <saml:Assertion ID="${f.assertionId}" Version="2.0" IssueInstant="${iso(-1)}">
    <saml:Issuer>${f.assertionIssuer}</saml:Issuer>
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${f.nameIdXml}</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData NotOnOrAfter="${f.scdNotOnOrAfter}" Recipient="${f.recipient}"${irt(f.inResponseTo)}/>
      </saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotBefore="${f.notBefore}" NotOnOrAfter="${f.notOnOrAfter}">
      <saml:AudienceRestriction><saml:Audience>${f.audience}</saml:Audience></saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AuthnStatement AuthnInstant="${iso(-2)}" SessionIndex="_session-1">
      <saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>
    </saml:AuthnStatement>
    <saml:AttributeStatement>
      <saml:Attribute Name="email" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic"><saml:AttributeValue>alice@example.com</saml:AttributeValue></saml:Attribute>
      <saml:Attribute Name="groups"><saml:AttributeValue>staff</saml:AttributeValue><saml:AttributeValue>admins</saml:AttributeValue></saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>`
}

export function parseDoc(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml')
}

export function responseOf(doc: Document): Element {
  return doc.documentElement as Element
}

export function assertionOf(doc: Document): Element {
  const a = childElements(responseOf(doc)).find((c) => isElementNamed(c, NS.saml, 'Assertion'))
  if (!a) throw new Error('no assertion')
  return a
}

export interface SignWith {
  pair?: TestKeyPair
  hash?: 'SHA-1' | 'SHA-256'
  signatureAlgorithm?: string
  digestAlgorithm?: string
  /** Put the certificate in KeyInfo (default true). */
  keyInfo?: boolean
}

/** Sign `element` (Assertion or Response) with the IdP's RSA key unless told otherwise. */
export async function sign(element: Element, how: SignWith = {}): Promise<Element> {
  const pair = how.pair ?? testKeyPair('rsa')
  const ec = pair.kind === 'ec'
  const sha1 = how.hash === 'SHA-1'
  return signEnveloped(element, {
    privateKey: await signingKey(pair, how.hash ?? 'SHA-256'),
    ...(how.keyInfo === false ? {} : { certificatePem: pair.certificatePem }),
    signatureAlgorithm:
      how.signatureAlgorithm ??
      (ec
        ? 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256'
        : sha1
          ? 'http://www.w3.org/2000/09/xmldsig#rsa-sha1'
          : 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'),
    digestAlgorithm: how.digestAlgorithm ?? (sha1 ? 'http://www.w3.org/2000/09/xmldsig#sha1' : 'http://www.w3.org/2001/04/xmlenc#sha256'),
  })
}

/** A parsed Response, signed as asked. */
export async function signedResponse(
  parts: 'response' | 'assertion' | 'both' | 'none',
  overrides: Partial<ResponseFields> = {},
  how: SignWith = {},
): Promise<Document> {
  const doc = parseDoc(responseXml(overrides))
  if (parts === 'assertion' || parts === 'both') await sign(assertionOf(doc), how)
  if (parts === 'response' || parts === 'both') await sign(responseOf(doc), how)
  return doc
}

export function serialize(doc: Document | Element): string {
  return new XMLSerializer().serializeToString(doc)
}

export function toBase64(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64')
}

/** Arguments for validateSamlResponse with the IdP's configured certificate (RSA unless told). */
/** Options for a fixed IdP (`idp` is a config, never a resolver, so tests can spread it). */
export type FixedIdpOptions = ValidateSamlResponseOptions & { idp: IdpConfig }

export function optionsFor(doc: Document | string, extra: Partial<FixedIdpOptions> = {}): FixedIdpOptions {
  return {
    samlResponse: toBase64(typeof doc === 'string' ? doc : serialize(doc)),
    idp: { entityId: IDP, certificates: [testKeyPair('rsa').certificatePem] },
    sp: { entityId: SP, acsUrl: ACS },
    now: NOW,
    expectedRequestId: REQUEST_ID,
    ...extra,
  }
}

/** The ds:Signature that is a direct child of `el`. */
export function signatureOf(el: Element): Element {
  const s = childElements(el).find((c) => isElementNamed(c, NS.ds, 'Signature'))
  if (!s) throw new Error('no signature')
  return s
}

/** The first descendant `{ns}localName` of `el` (tests only: the product never searches like this). */
export function find(el: Element | Document, ns: string, localName: string): Element {
  const hit = el.getElementsByTagNameNS(ns, localName)[0]
  if (!hit) throw new Error(`no ${localName}`)
  return hit
}

/**
 * Recompute SignatureValue over the (edited) SignedInfo with the real key, and optionally the
 * DigestValue over `digestOf` (minus `signature`): the result is a cryptographically valid
 * signature over whatever the attacker wrote, so only structural checks can reject it.
 */
export async function resign(
  signature: Element,
  options: { pair?: TestKeyPair; hash?: 'SHA-1' | 'SHA-256'; digestOf?: Element; inclusiveDigest?: boolean; inclusiveSignedInfo?: boolean } = {},
): Promise<void> {
  const pair = options.pair ?? testKeyPair('rsa')
  const hash = options.hash ?? 'SHA-256'
  const signedInfo = find(signature, NS.ds, 'SignedInfo')
  if (options.digestOf) {
    const canonical = canonicalize(options.digestOf, { exclusive: !options.inclusiveDigest, withComments: false, excludeElement: signature })
    const digest = new Uint8Array(await crypto.subtle.digest(hash, new TextEncoder().encode(canonical)))
    setText(find(signedInfo, NS.ds, 'DigestValue'), Buffer.from(digest).toString('base64'))
  }
  const bytes = new TextEncoder().encode(canonicalize(signedInfo, { exclusive: !options.inclusiveSignedInfo, withComments: false }))
  const params = pair.kind === 'ec' ? { name: 'ECDSA', hash } : { name: 'RSASSA-PKCS1-v1_5' }
  const value = new Uint8Array(await crypto.subtle.sign(params, await signingKey(pair, hash), bytes))
  setText(find(signature, NS.ds, 'SignatureValue'), Buffer.from(value).toString('base64'))
}

export function setText(el: Element, text: string): void {
  while (el.firstChild) el.removeChild(el.firstChild)
  el.appendChild((el.ownerDocument as Document).createTextNode(text))
}
