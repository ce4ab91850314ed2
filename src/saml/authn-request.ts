/**
 * AuthnRequest (SAML core §3.4.1) and the two front-channel bindings that carry SP messages:
 * HTTP-Redirect (raw DEFLATE + base64 + URL-encoding, optional detached signature over the
 * query string, bindings §3.4.4.1) and HTTP-POST (an auto-submitting form, bindings §3.5).
 * Builds strings with every value escaped; never embeds unescaped input.
 */
import { XMLSerializer } from '@xmldom/xmldom'
import { signEnveloped } from './dsig/sign'
import { deflateRaw, encodeBase64, utf8Encode } from './encoding'
import { escapeXmlAttr, escapeXmlText } from './xml/escape'
import { parseXml } from './xml/parse'

export interface AuthnRequestInput {
  /** `_` + hex; the ACS later requires InResponseTo to equal it. */
  id: string
  issueInstant: Date
  /** The IdP's SSO URL. */
  destination: string
  spEntityId: string
  acsUrl: string
  nameIdFormat?: string | null
  forceAuthn?: boolean
}

/** The AuthnRequest XML, asking for an HTTP-POST response to our ACS. */
export function buildAuthnRequest(input: AuthnRequestInput): string {
  const force = input.forceAuthn ? ' ForceAuthn="true"' : ''
  const policy = input.nameIdFormat ? `<samlp:NameIDPolicy Format="${escapeXmlAttr(input.nameIdFormat)}" AllowCreate="true"/>` : ''
  return (
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
    ` ID="${escapeXmlAttr(input.id)}" Version="2.0" IssueInstant="${input.issueInstant.toISOString()}"` +
    ` Destination="${escapeXmlAttr(input.destination)}" AssertionConsumerServiceURL="${escapeXmlAttr(input.acsUrl)}"` +
    ` ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"${force}>` +
    `<saml:Issuer>${escapeXmlText(input.spEntityId)}</saml:Issuer>${policy}</samlp:AuthnRequest>`
  )
}

export const RSA_SHA256_URI = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'

export interface RedirectSigning {
  /** RSASSA-PKCS1-v1_5 SHA-256 private key. */
  privateKey: CryptoKey
  algorithm?: typeof RSA_SHA256_URI
}

/**
 * The query string of an HTTP-Redirect binding message: `SAMLRequest|SAMLResponse`, then
 * `RelayState`, `SigAlg`, `Signature`, signed over exactly the URL-encoded octets in that order.
 */
export async function encodeRedirectBinding(input: {
  xml: string
  param: 'SAMLRequest' | 'SAMLResponse'
  relayState?: string | null
  signing?: RedirectSigning | null
}): Promise<string> {
  const parts = [`${input.param}=${encodeURIComponent(encodeBase64(await deflateRaw(utf8Encode(input.xml))))}`]
  if (input.relayState) parts.push(`RelayState=${encodeURIComponent(input.relayState)}`)
  if (input.signing) {
    parts.push(`SigAlg=${encodeURIComponent(input.signing.algorithm ?? RSA_SHA256_URI)}`)
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', input.signing.privateKey, utf8Encode(parts.join('&')))
    parts.push(`Signature=${encodeURIComponent(encodeBase64(new Uint8Array(signature)))}`)
  }
  return parts.join('&')
}

/**
 * A minimal HTTP-POST binding page. Auto-submits with a tiny script that the gateway's CSP
 * allows by hash; the visible button keeps it working with JavaScript off.
 */
export function buildPostForm(input: { action: string; field: 'SAMLRequest' | 'SAMLResponse'; value: string; relayState?: string | null }): string {
  const relay = input.relayState ? `<input type="hidden" name="RelayState" value="${escapeXmlAttr(input.relayState)}">` : ''
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Signing in…</title></head>` +
    `<body><form method="post" action="${escapeXmlAttr(input.action)}">` +
    `<input type="hidden" name="${input.field}" value="${escapeXmlAttr(input.value)}">${relay}` +
    `<p>Continuing to your organization's sign-in…</p><button type="submit">Continue</button></form>` +
    `<script>${POST_FORM_SCRIPT}</script></body></html>`
  )
}

/** The only inline script the gateway serves; routes allow it by its CSP hash. */
export const POST_FORM_SCRIPT = 'document.forms[0].submit()'

/**
 * Signs an SP message for the HTTP-POST binding: an enveloped RSA-SHA256 signature with
 * exclusive C14N right after the Issuer (bindings §3.5.5.2), returned as serialized XML.
 */
export async function signPostMessage(xml: string, signing: { privateKey: CryptoKey; certificatePem: string }): Promise<string> {
  const doc = parseXml(xml)
  await signEnveloped(doc.documentElement!, { privateKey: signing.privateKey, certificatePem: signing.certificatePem })
  return new XMLSerializer().serializeToString(doc)
}
