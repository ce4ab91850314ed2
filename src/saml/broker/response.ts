/**
 * The broker (the gateway as a hosted helpdesk's one SAML IdP): builds the Response
 * to a downstream SP, with a bearer assertion (Issuer, NameID, SubjectConfirmation with Recipient,
 * InResponseTo and NotOnOrAfter, Conditions/Audience, AuthnStatement with SessionIndex, the
 * attributes the app asks for), signed with exclusive C14N + RSA-SHA256 (assertion, and the
 * Response too when asked), the assertion encrypted for the SP when it asks. Pure: time, IDs and keys are inputs; every value is escaped.
 */
import { XMLSerializer } from '@xmldom/xmldom'
import { signEnveloped } from '../dsig/sign'
import { encodeBase64, utf8Encode } from '../encoding'
import { firstChildNamed, NS } from '../xml/dom'
import { escapeXmlAttr, escapeXmlText } from '../xml/escape'
import { parseXml } from '../xml/parse'
import { encryptAssertionXml, type ContentEncryption } from '../xmlenc/encrypt'

/** How long a downstream SP may take to consume our assertion (bearer window). */
export const ISSUED_ASSERTION_TTL_SECONDS = 300

export interface IssuedResponseInput {
  /** Our IdP entity ID (`<origin>/sso/idp/metadata`). */
  issuer: string
  /** The downstream SP: entity ID (Audience) and the ACS URL we post to (Destination, Recipient). */
  audience: string
  acsUrl: string
  /** AuthnRequest ID we answer; null for IdP-initiated launch. */
  inResponseTo: string | null
  nameId: string
  nameIdFormat: string
  sessionIndex: string
  /** The attributes: name → values (NameFormat basic), or each with its NameFormat and FriendlyName. */
  attributes: Record<string, string[]> | readonly { name: string; nameFormat: string; friendlyName?: string; values: string[] }[]
  now: Date
  authnInstant: Date
  /** `_` + hex IDs for the Response and the Assertion. */
  responseId: string
  assertionId: string
  signing: { privateKey: CryptoKey; certificatePem: string }
  signResponse: boolean
  /** AuthnContextClassRef of the statement; default unspecified. */
  authnContextClassRef?: string
  /** Encrypt the signed assertion for this SP certificate (saml:EncryptedAssertion). */
  encryptFor?: { certificatePem: string; algorithm: ContentEncryption }
}

const BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic'

interface AttributeOut {
  name: string
  nameFormat: string
  friendlyName?: string
  values: string[]
}

function attributeStatement(input: IssuedResponseInput['attributes']): string {
  const list: readonly AttributeOut[] = Array.isArray(input)
    ? (input as readonly AttributeOut[])
    : Object.entries(input as Record<string, string[]>).map(([name, values]) => ({ name, nameFormat: BASIC, values }))
  const entries = list.filter((a) => a.values.length > 0)
  if (entries.length === 0) return ''
  const body = entries
    .map(
      (a) =>
        `<saml:Attribute Name="${escapeXmlAttr(a.name)}" NameFormat="${escapeXmlAttr(a.nameFormat)}"${a.friendlyName ? ` FriendlyName="${escapeXmlAttr(a.friendlyName)}"` : ''}>` +
        a.values.map((v) => `<saml:AttributeValue>${escapeXmlText(v)}</saml:AttributeValue>`).join('') +
        `</saml:Attribute>`,
    )
    .join('')
  return `<saml:AttributeStatement>${body}</saml:AttributeStatement>`
}

/** The signed Response XML. */
export async function buildIssuedResponse(input: IssuedResponseInput): Promise<string> {
  const now = input.now.toISOString()
  const notBefore = new Date(input.now.getTime() - 60_000).toISOString()
  const notOnOrAfter = new Date(input.now.getTime() + ISSUED_ASSERTION_TTL_SECONDS * 1000).toISOString()
  const irt = input.inResponseTo ? ` InResponseTo="${escapeXmlAttr(input.inResponseTo)}"` : ''
  const xml =
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${escapeXmlAttr(input.responseId)}" Version="2.0" IssueInstant="${now}" Destination="${escapeXmlAttr(input.acsUrl)}"${irt}>` +
    `<saml:Issuer>${escapeXmlText(input.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="${escapeXmlAttr(input.assertionId)}" Version="2.0" IssueInstant="${now}">` +
    `<saml:Issuer>${escapeXmlText(input.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${escapeXmlAttr(input.nameIdFormat)}">${escapeXmlText(input.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${escapeXmlAttr(input.acsUrl)}"${irt}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${escapeXmlText(input.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${input.authnInstant.toISOString()}" SessionIndex="${escapeXmlAttr(input.sessionIndex)}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${escapeXmlText(input.authnContextClassRef ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified')}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    attributeStatement(input.attributes) +
    `</saml:Assertion></samlp:Response>`
  const doc = parseXml(xml)
  const response = doc.documentElement!
  // Assertion first: the Response signature (when asked) then covers the signed assertion.
  const assertion = firstChildNamed(response, NS.saml, 'Assertion')!
  await signEnveloped(assertion, input.signing)
  if (input.encryptFor) {
    // Signed, then encrypted (profiles §4.1.3.5: the SP decrypts, then checks the signature).
    const encrypted = await encryptAssertionXml(new XMLSerializer().serializeToString(assertion), input.encryptFor.certificatePem, input.encryptFor.algorithm)
    response.replaceChild(doc.importNode(parseXml(encrypted).documentElement!, true), assertion)
  }
  if (input.signResponse) await signEnveloped(response, input.signing)
  return new XMLSerializer().serializeToString(doc)
}

export interface StatusResponseInput {
  issuer: string
  acsUrl: string
  inResponseTo: string
  /** Top-level (Requester or Responder) and second-level status codes, and a short message. */
  status: string
  subStatus: string
  message: string
  now: Date
  responseId: string
  signing: { privateKey: CryptoKey; certificatePem: string }
}

/**
 * A signed Response without an assertion, telling the SP why it gets none (core §3.2.2: e.g.
 * InvalidNameIDPolicy, NoAuthnContext, NoPassive), to its ACS URL like any Response.
 */
export async function buildStatusResponse(input: StatusResponseInput): Promise<string> {
  const xml =
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${escapeXmlAttr(input.responseId)}" Version="2.0" IssueInstant="${input.now.toISOString()}" Destination="${escapeXmlAttr(input.acsUrl)}" InResponseTo="${escapeXmlAttr(input.inResponseTo)}">` +
    `<saml:Issuer>${escapeXmlText(input.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${escapeXmlAttr(input.status)}"><samlp:StatusCode Value="${escapeXmlAttr(input.subStatus)}"/></samlp:StatusCode>` +
    `<samlp:StatusMessage>${escapeXmlText(input.message)}</samlp:StatusMessage></samlp:Status></samlp:Response>`
  const doc = parseXml(xml)
  await signEnveloped(doc.documentElement!, input.signing)
  return new XMLSerializer().serializeToString(doc)
}

/** The `SAMLResponse` form value (base64 of the XML). */
export function encodeIssuedResponse(xml: string): string {
  return encodeBase64(utf8Encode(xml))
}
