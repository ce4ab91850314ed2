/**
 * The two front-channel bindings (saml-bindings-2.0-os): HTTP-Redirect (raw DEFLATE + base64 +
 * URL-encoding, detached signature over the query, §3.4) and HTTP-POST (auto-submitting form,
 * enveloped signature, §3.5). Trusts only certificates the caller configured; never re-encodes
 * a received query before checking its signature, never inflates or parses without a bound.
 */
import { XMLSerializer } from '@xmldom/xmldom'
import type { Document } from '@xmldom/xmldom'
import { importCertificateVerifyKey, lookupSignature, verifySignatureValue } from './dsig/algorithms'
import type { SignatureAlgorithm } from './dsig/algorithms'
import { signEnveloped } from './dsig/sign'
import type { SignaturePolicy } from './dsig/signature-shape'
import { decodeBase64, deflateRaw, encodeBase64, inflateRaw, utf8Decode, utf8Encode } from './encoding'
import { SamlError } from './errors'
import { certificateFingerprint } from './x509'
import type { ParsedCertificate } from './x509'
import { MAX_BASE64_MESSAGE_CHARS, MAX_INFLATED_BYTES, MAX_XML_BYTES } from './limits'
import { parseXml } from './xml/parse'

export const RSA_SHA256_URI = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
/** bindings §3.4.4: the only SAMLEncoding defined, and the default when the parameter is absent. */
export const DEFLATE_ENCODING = 'urn:oasis:names:tc:SAML:2.0:bindings:URL-Encoding:DEFLATE'

export type MessageParam = 'SAMLRequest' | 'SAMLResponse'

export interface RedirectSigning {
  /** Imported for the algorithm below (RSASSA-PKCS1-v1_5 SHA-256 by default, ECDSA for EC keys). */
  privateKey: CryptoKey
  /** SigAlg URI; default RSA-SHA256. SHA-1 algorithms are refused for what we send. */
  algorithm?: string
}

/**
 * The query string of an HTTP-Redirect message: `SAMLRequest|SAMLResponse`, then `RelayState`,
 * `SigAlg`, `Signature`. The signature covers exactly the URL-encoded octets of the first three
 * joined by '&', in that order (bindings §3.4.4.1).
 */
export async function encodeRedirectBinding(input: {
  xml: string
  param: MessageParam
  relayState?: string | null
  signing?: RedirectSigning | null
}): Promise<string> {
  const parts = [`${input.param}=${encodeURIComponent(encodeBase64(await deflateRaw(utf8Encode(input.xml))))}`]
  if (input.relayState) parts.push(`RelayState=${encodeURIComponent(input.relayState)}`)
  if (input.signing) {
    const uri = input.signing.algorithm ?? RSA_SHA256_URI
    const sig = lookupSignature(uri)
    if (sig.isSha1) throw new SamlError('SAML_SIGNATURE_UNSUPPORTED', 'The gateway does not sign with SHA-1', { algorithm: uri })
    parts.push(`SigAlg=${encodeURIComponent(uri)}`)
    const value = await signBytes(sig, input.signing.privateKey, utf8Encode(parts.join('&')))
    parts.push(`Signature=${encodeURIComponent(encodeBase64(value))}`)
  }
  return parts.join('&')
}

async function signBytes(sig: SignatureAlgorithm, key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  if (key.algorithm.name !== sig.name) {
    throw new SamlError('SAML_KEY_INVALID', 'The signing key does not match the signature algorithm', { algorithm: sig.uri, key: key.algorithm.name })
  }
  const params: SubtleCryptoSignAlgorithm =
    sig.name === 'ECDSA'
      ? { name: 'ECDSA', hash: sig.hash }
      : sig.name === 'RSA-PSS'
        ? { name: 'RSA-PSS', saltLength: sig.saltLength ?? 32 }
        : { name: sig.name }
  // The SigAlg URI defines the value's format; for ECDSA that is XML-DSig's r || s (RFC 6931
  // §2.3.6), which is what WebCrypto produces.
  return new Uint8Array(await crypto.subtle.sign(params, key, data))
}

/** The parts of a received HTTP-Redirect query, values URL-decoded, plus the signed octets. */
export interface RedirectMessage {
  param: MessageParam
  /** The base64 message (URL-decoded), for decodeRedirectBinding. */
  message: string
  relayState: string | null
  sigAlg: string | null
  signature: string | null
  /** `param=…[&RelayState=…]&SigAlg=…` exactly as received, or null when unsigned. */
  signedOctets: string | null
}

/**
 * Split a received query string (`url.search`, with or without '?') into the binding's
 * parameters without normalizing anything. Exactly one of SAMLRequest/SAMLResponse; no parameter
 * of the binding twice (which one would a verifier and a reader pick?). Throws SAML_NOT_SAML.
 */
export function readRedirectQuery(rawQuery: string): RedirectMessage {
  const raw = new Map<string, string>()
  for (const pair of (rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery).split('&')) {
    if (!pair) continue
    const eq = pair.indexOf('=')
    const name = formDecode(eq < 0 ? pair : pair.slice(0, eq), 'SAML_NOT_SAML')
    if (!BINDING_PARAMS.has(name)) continue
    if (raw.has(name)) throw new SamlError('SAML_NOT_SAML', 'A binding parameter appears twice in the query', { parameter: name })
    raw.set(name, eq < 0 ? '' : pair.slice(eq + 1))
  }
  const request = raw.get('SAMLRequest')
  const response = raw.get('SAMLResponse')
  if ((request === undefined) === (response === undefined)) {
    throw new SamlError('SAML_NOT_SAML', 'The query must carry exactly one of SAMLRequest and SAMLResponse')
  }
  const encoding = raw.get('SAMLEncoding')
  if (encoding !== undefined && formDecode(encoding, 'SAML_NOT_SAML') !== DEFLATE_ENCODING) {
    throw new SamlError('SAML_NOT_SAML', 'Unsupported SAMLEncoding (only DEFLATE is defined)')
  }
  const param: MessageParam = request !== undefined ? 'SAMLRequest' : 'SAMLResponse'
  const rawMessage = (request ?? response)!
  const rawRelay = raw.get('RelayState')
  const rawSigAlg = raw.get('SigAlg')
  const rawSignature = raw.get('Signature')
  // bindings §3.4.4.1: the signer's own URL-encoding is what was signed. Re-encoding decoded values
  // would break signatures from IdPs that encode differently (ADFS writes lowercase %2f).
  const signedOctets =
    rawSigAlg !== undefined ? [`${param}=${rawMessage}`, ...(rawRelay !== undefined ? [`RelayState=${rawRelay}`] : []), `SigAlg=${rawSigAlg}`].join('&') : null
  return {
    param,
    // Base64 never contains a space, so '+' is kept as '+' (senders that forget to encode it).
    message: percentDecode(rawMessage, 'SAML_INVALID_BASE64'),
    relayState: rawRelay !== undefined ? formDecode(rawRelay, 'SAML_NOT_SAML') : null,
    sigAlg: rawSigAlg !== undefined ? formDecode(rawSigAlg, 'SAML_SIGNATURE_UNSUPPORTED') : null,
    signature: rawSignature !== undefined ? percentDecode(rawSignature, 'SAML_SIGNATURE_INVALID') : null,
    signedOctets,
  }
}

const BINDING_PARAMS = new Set(['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature', 'SAMLEncoding'])

function percentDecode(value: string, code: SamlError['code']): string {
  try {
    return decodeURIComponent(value)
  } catch {
    throw new SamlError(code, 'Malformed percent-encoding in the query')
  }
}

/** application/x-www-form-urlencoded value decoding: '+' is a space (WHATWG URL §5.1). */
function formDecode(value: string, code: SamlError['code']): string {
  return percentDecode(value.replace(/\+/g, ' '), code)
}

/** What a verified Redirect-binding signature proves: these parameters, signed by this certificate. */
export interface VerifiedRedirectMessage extends RedirectMessage {
  certificate: ParsedCertificate
}

/**
 * Verify the detached signature of an HTTP-Redirect message (bindings §3.4.4.1) over the raw
 * query as received, with the configured certificates only. Throws SAML_SIGNATURE_MISSING (no
 * Signature), SAML_SIGNATURE_UNSUPPORTED / SAML_SHA1_FORBIDDEN (SigAlg), SAML_SIGNATURE_INVALID.
 */
export async function verifyRedirectBindingSignature(
  rawQuery: string,
  certs: readonly ParsedCertificate[],
  policy: SignaturePolicy,
): Promise<VerifiedRedirectMessage> {
  const message = readRedirectQuery(rawQuery)
  if (message.signature === null) throw new SamlError('SAML_SIGNATURE_MISSING', 'The Redirect-binding message is not signed')
  if (message.sigAlg === null || message.signedOctets === null) {
    throw new SamlError('SAML_SIGNATURE_UNSUPPORTED', 'Signature without SigAlg')
  }
  if (certs.length === 0) throw new SamlError('SAML_NO_CERTIFICATES', 'No IdP signing certificate is configured')
  const sig = lookupSignature(message.sigAlg)
  // Same SHA-1 rule as XML signatures: only with the IdP's explicit opt-in (SHAttered, 2017).
  if (sig.isSha1 && !policy.allowSha1) throw new SamlError('SAML_SHA1_FORBIDDEN', 'Signature uses SHA-1', { algorithm: message.sigAlg })
  const value = decodeBase64(message.signature, 'SAML_SIGNATURE_INVALID')
  const data = utf8Encode(message.signedOctets)
  for (const cert of certs) {
    try {
      const key = await importCertificateVerifyKey(cert, sig)
      if (await verifySignatureValue(sig, key, value, data)) return { ...message, certificate: cert }
    } catch (error) {
      // A certificate of the other key type cannot match; keep trying the rest (rollover).
      if (!(error instanceof SamlError)) throw error
    }
  }
  throw new SamlError('SAML_SIGNATURE_INVALID', 'Signature does not verify with any configured certificate', {
    reason: 'redirect signature',
    configuredCertificates: await Promise.all(certs.map((c) => certificateFingerprint(c.der, 'SHA-256'))),
  })
}

/**
 * Base64 → raw INFLATE (bounded by MAX_INFLATED_BYTES: a few KB of crafted DEFLATE can expand
 * to gigabytes) → strict UTF-8 → parseXml. `value` is the URL-decoded parameter value.
 */
export async function decodeRedirectBinding(value: string): Promise<Document> {
  checkEncodedLength(value)
  const inflated = await inflateRaw(decodeBase64(value), MAX_INFLATED_BYTES)
  return parseXml(utf8Decode(inflated))
}

/** The HTTP-POST binding's form field: base64 of the XML (bindings §3.5.4), no compression. */
export function decodePostBinding(value: string): Document {
  checkEncodedLength(value)
  return parseXml(utf8Decode(decodeBase64(value)))
}

function checkEncodedLength(value: string): void {
  // Refused before decoding, not after allocating.
  if (value.length > MAX_BASE64_MESSAGE_CHARS) throw new SamlError('SAML_INPUT_TOO_LARGE', 'Binding message is too large', { maxBytes: MAX_XML_BYTES })
}

/**
 * Sign an SP message for the HTTP-POST binding: enveloped signature, exclusive C14N, right after
 * the Issuer (bindings §3.5.5.2; core §5.4). Returns the serialized XML, ready for base64.
 */
export async function signPostMessage(xml: string, signing: { privateKey: CryptoKey; certificatePem: string; signatureAlgorithm?: string }): Promise<string> {
  const doc = parseXml(xml)
  await signEnveloped(doc.documentElement!, signing)
  return new XMLSerializer().serializeToString(doc)
}
