/**
 * Shape of a ds:Signature under the SAML profile (SAML core §5.4, XML-DSig §4): layout, the one
 * Reference, its transforms and algorithms, read without any cryptography.
 * Trusts nothing in the element. Must never resolve the Reference by ID or accept a transform
 * outside enveloped-signature + one C14N 1.0.
 */
import type { Element } from '@xmldom/xmldom'
import { decodeBase64 } from '../encoding'
import { SamlError } from '../errors'
import { attr, childElements, isElement, isElementNamed, NS, textContent } from '../xml/dom'
import { C14N_10, lookupCanonicalization, lookupDigest, TRANSFORM_ENVELOPED_SIGNATURE } from './algorithms'

export interface SignaturePolicy {
  /** Accept RSA-SHA1 / SHA-1 digests (many real IdPs still use them); off by default upstream. */
  allowSha1: boolean
}

/** The parts of a `ds:Signature` this profile accepts, read once and checked for shape. */
export interface SignatureParts {
  signedInfo: Element
  signatureMethod: Element
  c14n: { exclusive: boolean; withComments: boolean; prefixes: readonly string[] | undefined; outsideProfile: string | null }
  signatureUri: string
  reference: Element
  signatureValue: Uint8Array
}

/** The one Reference, once its URI, transforms and digest method passed the profile. */
export interface ReferenceParts {
  c14nUri: string
  prefixes: readonly string[] | undefined
  digestUri: string
  digestValue: Uint8Array
}

const C14N_11 = 'http://www.w3.org/2006/12/xml-c14n11'
const C14N_11_WITH_COMMENTS = `${C14N_11}#WithComments`

/** Read and shape-check SignedInfo and SignatureValue (XML-DSig §4.1-§4.3; SAML core §5.4.2). */
export function readSignatureParts(signature: Element): SignatureParts {
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
export function readReference(signed: Element, reference: Element, policy: SignaturePolicy): ReferenceParts {
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

export function unsupported(what: string, value: string): SamlError {
  return new SamlError('SAML_SIGNATURE_UNSUPPORTED', `Unsupported ${what}`, { [what]: value })
}
