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
import { attr, childElements, isElement, isElementNamed, NS, textContent } from '../xml/dom'
import type { ParsedCertificate } from '../x509'
import { certificateFingerprint } from '../x509'
import { computeDigest, importCertificateVerifyKey, lookupCanonicalization, lookupDigest, lookupSignature, verifySignatureValue } from './algorithms'
import { C14N_10, TRANSFORM_ENVELOPED_SIGNATURE } from './algorithms'

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

export interface SignaturePolicy {
  /** Accept RSA-SHA1 / SHA-1 digests (many real IdPs still use them); off by default upstream. */
  allowSha1: boolean
}

/** The parts of a `ds:Signature` this profile accepts, read once and checked for shape. */
interface SignatureParts {
  signedInfo: Element
  signatureMethod: Element
  c14n: { exclusive: boolean; withComments: boolean; prefixes: readonly string[] | undefined; outsideProfile: string | null }
  signatureUri: string
  reference: Element
  signatureValue: Uint8Array
}

interface ReferenceParts {
  c14nUri: string
  prefixes: readonly string[] | undefined
  digestUri: string
  digestValue: Uint8Array
}

const C14N_11 = 'http://www.w3.org/2006/12/xml-c14n11'
const C14N_11_WITH_COMMENTS = `${C14N_11}#WithComments`

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

  // Check the signature over SignedInfo first: it authenticates DigestValue before we spend a
  // canonicalization of the whole (possibly large) signed subtree on it.
  const signedInfoBytes = utf8Encode(
    canonicalize(parts.signedInfo, {
      exclusive: parts.c14n.exclusive,
      withComments: parts.c14n.withComments,
      inclusiveNamespacePrefixes: parts.c14n.prefixes,
    }),
  )
  const failures: string[] = []
  let trusted: ParsedCertificate | null = null
  for (const cert of certs) {
    try {
      const key = await importCertificateVerifyKey(cert, signatureAlg)
      if (await verifySignatureValue(signatureAlg, key, parts.signatureValue, signedInfoBytes)) {
        trusted = cert
        break
      }
      failures.push('signature value does not verify')
    } catch (error) {
      // A certificate of another key type (EC cert, RSA signature) cannot match: try the next.
      failures.push(error instanceof SamlError ? error.code : 'key import failed')
    }
  }
  if (!trusted) {
    throw new SamlError('SAML_SIGNATURE_INVALID', 'Signature does not verify with any configured certificate', {
      reason: 'signature value',
      configuredCertificates: await fingerprints(certs.map((c) => c.der)),
      keyInfoCertificate: await keyInfoFingerprint(signature),
      attempts: failures,
    })
  }
  // Right key, but a SignedInfo canonicalization outside the profile: refused now.
  if (parts.c14n.outsideProfile) throw unsupported('CanonicalizationMethod', parts.c14n.outsideProfile)
  const reference = readReference(signed, parts.reference, policy)

  // XML-DSig §4.3.3.3: a "#id" reference excludes comments whatever the C14N variant says.
  // The enveloped transform removes exactly THIS signature, by identity (XML-DSig §6.6.4): a decoy
  // second Signature must stay in the digest (OneUptime #2981).
  const c14nProfile = lookupCanonicalization(reference.c14nUri)
  const referenced = canonicalize(signed, {
    exclusive: c14nProfile.exclusive,
    withComments: false,
    inclusiveNamespacePrefixes: reference.prefixes,
    excludeElement: signature,
  })
  const digest = await computeDigest(reference.digestUri, utf8Encode(referenced))
  if (!constantTimeEqual(digest, reference.digestValue)) {
    throw new SamlError('SAML_SIGNATURE_INVALID', 'Digest of the signed element does not match DigestValue', {
      reason: 'digest',
      signedElement: signed.localName,
    })
  }
  return { element: signed as Verified<Element>, certificate: trusted }
}

/** Read and shape-check SignedInfo and SignatureValue (XML-DSig §4.1-§4.3; SAML core §5.4.2). */
function readSignatureParts(signature: Element): SignatureParts {
  const [signedInfo, signatureValueEl] = childElements(signature)
  // XML-DSig §4.1 schema: SignedInfo, then SignatureValue, first.
  if (!isElementNamed(signedInfo, NS.ds, 'SignedInfo') || !isElementNamed(signatureValueEl, NS.ds, 'SignatureValue')) {
    throw unsupported('Signature layout', 'SignedInfo/SignatureValue expected')
  }
  const [c14nEl, methodEl, ...references] = childElements(signedInfo)
  if (!isElementNamed(c14nEl, NS.ds, 'CanonicalizationMethod') || !isElementNamed(methodEl, NS.ds, 'SignatureMethod')) {
    throw unsupported('SignedInfo layout', 'CanonicalizationMethod/SignatureMethod expected')
  }
  const c14nUri = attr(c14nEl, 'Algorithm') ?? ''
  const c14nProfile = signedInfoCanonicalization(c14nUri, signedInfo)
  // SAML core §5.4.2: exactly one Reference.
  const reference = references[0]
  if (references.length !== 1 || !isElementNamed(reference, NS.ds, 'Reference')) {
    throw unsupported('Reference count', String(references.length))
  }
  return {
    signedInfo,
    signatureMethod: methodEl,
    c14n: { ...c14nProfile, prefixes: inclusivePrefixes(c14nEl, c14nProfile.exclusive) },
    signatureUri: attr(methodEl, 'Algorithm') ?? '',
    reference,
    signatureValue: decodeBase64(textContent(signatureValueEl), 'SAML_SIGNATURE_INVALID'),
  }
}

/**
 * The four C14N 1.0 variants. Canonical XML 1.1 is outside the profile, but over a SignedInfo with
 * no xml:* attribute in its ancestry it yields the same bytes as inclusive C14N 1.0 (C14N 1.1 §2.4
 * only changes xml:id/xml:base inheritance): used solely so that a message signed with another
 * key reports SIGNATURE_INVALID (the admin's real problem) before the profile refusal.
 */
function signedInfoCanonicalization(uri: string, signedInfo: Element): SignatureParts['c14n'] {
  if ((uri === C14N_11 || uri === C14N_11_WITH_COMMENTS) && !hasXmlAttributeInAncestry(signedInfo)) {
    return { exclusive: false, withComments: uri === C14N_11_WITH_COMMENTS, prefixes: undefined, outsideProfile: uri }
  }
  return { ...lookupCanonicalization(uri), prefixes: undefined, outsideProfile: null }
}

function hasXmlAttributeInAncestry(el: Element): boolean {
  for (let n = el.parentNode; isElement(n); n = n.parentNode) {
    for (let i = 0; i < n.attributes.length; i++) if (n.attributes.item(i)?.namespaceURI === NS.xml) return true
  }
  return false
}

/** The one Reference: "#" + the parent's ID, the allowed transforms, digest method and value. */
function readReference(signed: Element, reference: Element, policy: SignaturePolicy): ReferenceParts {
  const uri = attr(reference, 'URI')
  // Whole-document references (URI="" or none) are valid XML-DSig, but not what SAML core §5.4.2 asks for.
  if (uri === null || uri === '') throw unsupported('Reference URI', uri === null ? '(absent)' : '(empty)')
  // SAML core §5.4.2: the reference names the signed element's own ID. Compared with the parent's
  // attribute only: no getElementById, no document-wide search (signature wrapping, XSW1-8).
  const id = attr(signed, 'ID')
  if (!id || uri !== `#${id}`) {
    throw new SamlError('SAML_SIGNATURE_WRAPPING', 'Signature references an element other than its parent', {
      referenceUri: uri,
      parentId: id,
    })
  }
  const children = childElements(reference)
  let index = 0
  // XML-DSig §4.3.3.2: with no C14N transform, the referenced node-set is serialized with inclusive C14N 1.0.
  let c14nUri = C14N_10
  let prefixes: readonly string[] | undefined
  const transformsEl = children[0]
  if (isElementNamed(transformsEl, NS.ds, 'Transforms')) {
    index = 1
    const transforms = childElements(transformsEl)
    // Profile: enveloped-signature, then at most one C14N 1.0 (SAML core §5.4.4).
    const [first, second, ...rest] = transforms
    if (!first || !isTransform(first) || attr(first, 'Algorithm') !== TRANSFORM_ENVELOPED_SIGNATURE || childElements(first).length > 0) {
      throw unsupported('Transforms', transforms.map((t) => attr(t, 'Algorithm') ?? '?').join(' '))
    }
    if (rest.length > 0) throw unsupported('Transforms', transforms.map((t) => attr(t, 'Algorithm') ?? '?').join(' '))
    if (second) {
      const algorithm = (isTransform(second) && attr(second, 'Algorithm')) || ''
      // XPath, XSLT, base64, C14N 1.1 and friends: never executed.
      const profile = lookupCanonicalization(algorithm)
      c14nUri = algorithm
      prefixes = inclusivePrefixes(second, profile.exclusive)
    }
  } else {
    // Without the enveloped-signature transform the digest would cover the Signature itself.
    throw unsupported('Transforms', '(none)')
  }
  const digestMethod = children[index]
  const digestValue = children[index + 1]
  if (!isElementNamed(digestMethod, NS.ds, 'DigestMethod') || !isElementNamed(digestValue, NS.ds, 'DigestValue') || children.length !== index + 2) {
    throw unsupported('Reference layout', 'DigestMethod/DigestValue expected')
  }
  const digestUri = attr(digestMethod, 'Algorithm') ?? ''
  if (lookupDigest(digestUri).isSha1 && !policy.allowSha1) {
    throw new SamlError('SAML_SHA1_FORBIDDEN', 'Digest uses SHA-1', { algorithm: digestUri })
  }
  // textContent skips comments: `<DigestValue>abc<!--x-->def</DigestValue>` is "abcdef" (Feide DigestValue case).
  return { c14nUri, prefixes, digestUri, digestValue: decodeBase64(textContent(digestValue), 'SAML_SIGNATURE_INVALID') }
}

function isTransform(el: Element): boolean {
  return isElementNamed(el, NS.ds, 'Transform')
}

/**
 * Exclusive C14N's InclusiveNamespaces PrefixList (exc-c14n §3); no other child is allowed.
 * Inclusive C14N takes no parameters.
 */
function inclusivePrefixes(method: Element, exclusive: boolean): readonly string[] | undefined {
  const children = childElements(method)
  if (children.length === 0) return undefined
  const only = children[0]
  if (!exclusive || children.length > 1 || !isElementNamed(only, NS.ec, 'InclusiveNamespaces')) {
    throw unsupported('C14N parameters', only?.localName ?? '?')
  }
  return (attr(only, 'PrefixList') ?? '').split(/[ \t\r\n]+/).filter((p) => p !== '')
}

function unsupported(what: string, value: string): SamlError {
  return new SamlError('SAML_SIGNATURE_UNSUPPORTED', `Unsupported ${what}`, { [what]: value })
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
