// Test helper (runs in workerd): a fake IdP that issues real signed SAML Responses with the
// fixture keys, using the core's own enveloped signer. For gateway integration tests.
import { XMLSerializer } from '@xmldom/xmldom'
import { signEnveloped } from '../../src/saml/dsig/sign'
import { firstChildNamed, NS } from '../../src/saml/xml/dom'
import { parseXml } from '../../src/saml/xml/parse'
import { importPrivateKey } from '../../src/saml/x509'
import { TEST_IDP_CERT, TEST_IDP_KEY } from '../fixtures/idp-keys'

export const TEST_IDP_ENTITY_ID = 'https://idp.acme.test/saml'

export interface IssueOptions {
  inResponseTo?: string | null
  acsUrl?: string
  audience?: string
  issuer?: string
  nameId?: string
  attributes?: Record<string, string[]>
  now?: Date
  lifetimeSeconds?: number
  sessionIndex?: string
  sessionNotOnOrAfter?: Date | null
  assertionId?: string
  sign?: 'assertion' | 'response' | 'none'
  key?: string
  cert?: string
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')

let counter = 0
const freshId = () => `_t${Date.now().toString(16)}${(++counter).toString(16).padStart(6, '0')}${crypto.randomUUID().replace(/-/g, '')}`

export async function issueResponse(o: IssueOptions = {}): Promise<string> {
  const now = o.now ?? new Date()
  const iso = (ms: number) => new Date(now.getTime() + ms).toISOString()
  const until = iso((o.lifetimeSeconds ?? 300) * 1000)
  const issuer = o.issuer ?? TEST_IDP_ENTITY_ID
  const acs = o.acsUrl ?? 'https://support.example.com/sso/acs'
  const irt = o.inResponseTo ? ` InResponseTo="${esc(o.inResponseTo)}"` : ''
  const attrs = Object.entries(o.attributes ?? { email: ['jane@acme.example'], firstName: ['Jane'], lastName: ['Doe'], groups: ['Everyone', 'Support'] })
    .map(
      ([name, values]) =>
        `<saml:Attribute Name="${esc(name)}">${values.map((v) => `<saml:AttributeValue>${esc(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`,
    )
    .join('')
  const sessionNotOnOrAfter = o.sessionNotOnOrAfter === undefined ? iso(8 * 3600_000) : o.sessionNotOnOrAfter?.toISOString()
  const xml =
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${freshId()}" Version="2.0" IssueInstant="${now.toISOString()}" Destination="${esc(acs)}"${irt}>` +
    `<saml:Issuer>${esc(issuer)}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="${o.assertionId ?? freshId()}" Version="2.0" IssueInstant="${now.toISOString()}"><saml:Issuer>${esc(issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(o.nameId ?? 'jane@acme.example')}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="${esc(acs)}"${irt}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(-60_000)}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${esc(o.audience ?? 'https://support.example.com/sso/metadata')}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="${esc(o.sessionIndex ?? '_session-1')}"${sessionNotOnOrAfter ? ` SessionNotOnOrAfter="${sessionNotOnOrAfter}"` : ''}>` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attrs}</saml:AttributeStatement></saml:Assertion></samlp:Response>`
  const doc = parseXml(xml)
  const how = o.sign ?? 'assertion'
  if (how !== 'none') {
    const privateKey = await importPrivateKey(o.key ?? TEST_IDP_KEY, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
    const target = how === 'response' ? doc.documentElement! : firstChildNamed(doc.documentElement!, NS.saml, 'Assertion')!
    await signEnveloped(target, { privateKey, certificatePem: o.cert ?? TEST_IDP_CERT })
  }
  return btoa(String.fromCharCode(...new TextEncoder().encode(new XMLSerializer().serializeToString(doc))))
}
