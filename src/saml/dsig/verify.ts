/**
 * XML-DSig verification of one enveloped signature, narrowed to the SAML profile (SAML core §5.4).
 * Trusts only the certificates it is handed; returns the element it verified, branded `Verified`.
 * Must never resolve an ID across the document, take a key from KeyInfo, or run transforms beyond
 * enveloped-signature + one C14N 1.0 (no XPath, XSLT, base64, C14N 1.1).
 */
import type { Element } from '@xmldom/xmldom'
import { SamlError } from '../errors'
import { decodeBase64, utf8Encode } from '../encoding'
import { canonicalize } from '../xml/c14n'
import { childElements, isElementNamed, NS, textContent } from '../xml/dom'
import type { ParsedCertificate } from '../x509'
import { certificateFingerprint } from '../x509'
import { computeDigest, importCertificateVerifyKey, lookupCanonicalization, lookupSignature, verifySignatureValue } from './algorithms'
import type { SignatureAlgorithm } from './algorithms'
import { readReference, readSignatureParts, unsupported } from './signature-shape'
import type { ReferenceParts, SignatureParts, SignaturePolicy } from './signature-shape'

declare const verifiedBrand: unique symbol

/**
 * An element whose bytes a configured certificate vouches for. Only this module mints it, so a
 * reader typed `Verified<Element>` cannot be handed an element nobody checked (goxmldsig
 * `validate.go` returns the validated element; node-saml `getVerifiedXml`, CVE-2025-54419).
 */
export type Verified<T extends Element = Element> = T & { readonly [verifiedBrand]: true }

/** What a successful verification proves: this element, vouched for by this configured certificate. */
export interface VerifiedSignature {
  element: Verified<Element>
  certificate: ParsedCertificate
}

/**
 * Verify `signature`, which must be a direct child of `signed`, against the configured
 * certificates (any one may match: rollover). Throws SamlError with a stable code:
 * SIGNATURE_WRAPPING (signature not about its parent), SIGNATURE_UNSUPPORTED (outside the
 * profile), SHA1_FORBIDDEN, SIGNATURE_INVALID (digest or signature value does not verify).
 */
export async function verifyEnvelopedSignature(
  signed: Element,
  signature: Element,
  certs: readonly ParsedCertificate[],
  policy: SignaturePolicy,
): Promise<VerifiedSignature> {
  // SAML core §5.4.1: enveloped signatures only; a signature elsewhere vouches for something else.
  if (!isElementNamed(signature, NS.ds, 'Signature') || signature.parentNode !== signed) {
    throw new SamlError('SAML_SIGNATURE_WRAPPING', 'Signature is not a direct child of the element it is checked for')
  }
  if (certs.length === 0) throw new SamlError('SAML_NO_CERTIFICATES', 'No IdP signing certificate is configured')
  const parts = readSignatureParts(signature)
  const signatureAlg = lookupSignature(parts.signatureUri, parts.signatureMethod)
  // SHA-1 collisions are practical (SHAttered, 2017): only with an explicit per-IdP opt-in.
  if (signatureAlg.isSha1 && !policy.allowSha1) {
    throw new SamlError('SAML_SHA1_FORBIDDEN', 'Signature uses SHA-1', { algorithm: parts.signatureUri })
  }

  // The Reference is read now, but its problems are reported only after the key check: "signed by
  // a key you have not configured" is the admin's first question (and the interop verdicts').
  let reference: ReferenceParts | null = null
  let referenceError: unknown = null
  try {
    reference = readReference(signed, parts.reference, policy)
  } catch (error) {
    referenceError = error
  }
  // Signature value and digest run concurrently (both are off-thread WebCrypto calls); the digest
  // is only compared once the signature is known to come from a configured certificate.
  const [trust, digest] = await Promise.allSettled([
    findSigningCertificate(parts, signatureAlg, certs, signature),
    reference ? digestReferenced(signed, signature, reference) : Promise.resolve(null),
  ])
  if (trust.status === 'rejected') throw trust.reason
  const trusted = trust.value
  // Right key, but a SignedInfo canonicalization outside the profile: refused now.
  if (parts.c14n.outsideProfile) throw unsupported('CanonicalizationMethod', parts.c14n.outsideProfile)
  if (!reference) throw referenceError
  if (digest.status === 'rejected') throw digest.reason
  if (!digest.value || !constantTimeEqual(digest.value, reference.digestValue)) {
    throw new SamlError('SAML_SIGNATURE_INVALID', 'Digest of the signed element does not match DigestValue', {
      reason: 'digest',
      signedElement: signed.localName,
    })
  }
  return { element: signed as Verified<Element>, certificate: trusted }
}

/** The configured certificate whose key verifies SignatureValue over the canonical SignedInfo. */
async function findSigningCertificate(
  parts: SignatureParts,
  signatureAlg: SignatureAlgorithm,
  certs: readonly ParsedCertificate[],
  signature: Element,
): Promise<ParsedCertificate> {
  const signedInfoBytes = utf8Encode(
    canonicalize(parts.signedInfo, {
      exclusive: parts.c14n.exclusive,
      withComments: parts.c14n.withComments,
      inclusiveNamespacePrefixes: parts.c14n.prefixes,
    }),
  )
  const failures: string[] = []
  for (const cert of certs) {
    try {
      const key = await importCertificateVerifyKey(cert, signatureAlg)
      if (await verifySignatureValue(signatureAlg, key, parts.signatureValue, signedInfoBytes)) return cert
      failures.push('signature value does not verify')
    } catch (error) {
      // A certificate of another key type (EC cert, RSA signature) cannot match: try the next.
      failures.push(error instanceof SamlError ? error.code : 'key import failed')
    }
  }
  throw new SamlError('SAML_SIGNATURE_INVALID', 'Signature does not verify with any configured certificate', {
    reason: 'signature value',
    configuredCertificates: await fingerprints(certs.map((c) => c.der)),
    keyInfoCertificate: await keyInfoFingerprint(signature),
    attempts: failures,
  })
}

/**
 * Digest of the referenced element. XML-DSig §4.3.3.3: a "#id" reference excludes comments
 * whatever the C14N variant says. The enveloped transform removes exactly THIS signature, by
 * identity (XML-DSig §6.6.4): a decoy second Signature stays in the digest (OneUptime #2981).
 */
async function digestReferenced(signed: Element, signature: Element, reference: ReferenceParts): Promise<Uint8Array> {
  const referenced = canonicalize(signed, {
    exclusive: lookupCanonicalization(reference.c14nUri).exclusive,
    withComments: false,
    inclusiveNamespacePrefixes: reference.prefixes,
    excludeElement: signature,
  })
  return computeDigest(reference.digestUri, utf8Encode(referenced))
}

/** Compare without an early exit, so timing does not reveal how many leading bytes matched. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

async function fingerprints(ders: readonly Uint8Array[]): Promise<string[]> {
  return Promise.all(ders.map((der) => certificateFingerprint(der, 'SHA-256')))
}

/**
 * SHA-256 of the certificate the message claims it was signed with, for the admin's "signed by a
 * certificate you have not configured" hint. Diagnostic only: never imported, never trusted.
 */
async function keyInfoFingerprint(signature: Element): Promise<string | null> {
  for (const keyInfo of childElements(signature)) {
    if (!isElementNamed(keyInfo, NS.ds, 'KeyInfo')) continue
    for (const data of childElements(keyInfo)) {
      if (!isElementNamed(data, NS.ds, 'X509Data')) continue
      for (const cert of childElements(data)) {
        if (!isElementNamed(cert, NS.ds, 'X509Certificate')) continue
        try {
          return await certificateFingerprint(decodeBase64(textContent(cert)), 'SHA-256')
        } catch {
          return 'unreadable'
        }
      }
    }
  }
  return null
}

/**
 * Mark the Assertion decrypted from an EncryptedAssertion that a verified signature covered
 * (SAML core §6.2: the Response signature covers the ciphertext). Only for that: the caller hands
 * in the verified EncryptedAssertion as proof.
 */
export function verifiedByEncryptedParent(_encrypted: Verified<Element>, decrypted: Element): Verified<Element> {
  return decrypted as Verified<Element>
}

/**
 * A descendant of a verified element is covered by the same signature, except what the enveloped
 * transform removed: anything inside a ds:Signature (XSW8 hides content in Signature/Object).
 */
export function verifiedDescendant(parent: Verified<Element>, child: Element): Verified<Element> {
  for (let n: Element['parentNode'] = child; n; n = n.parentNode) {
    if (n === parent) return child as Verified<Element>
    if (isElementNamed(n, NS.ds, 'Signature')) break
  }
  throw new SamlError('SAML_SIGNATURE_WRAPPING', 'Element is outside what the signature covers')
}
