/**
 * Structural gate run on the parsed Response before any signature work: where Response, Assertion,
 * EncryptedAssertion and Signature elements may sit, how many there are, and ID uniqueness.
 * Trusts nothing (the input is unverified); it only rejects, it never selects what to read later.
 * Must never resolve an ID or search for "the" assertion: it locates candidates as direct children.
 */
import type { Document, Element } from '@xmldom/xmldom'
import { SamlError } from './errors'
import { attr, childElements, isElement, isElementNamed, NS } from './xml/dom'

export interface ResponseShape {
  response: Element
  /** `ds:Signature` that is a direct child of the Response, if any. */
  responseSignature: Element | null
  /** The one `saml:Assertion` or `saml:EncryptedAssertion` child of the Response, if any. */
  assertion: Element | null
  encryptedAssertion: Element | null
}

/**
 * Check a parsed document is a SAML 2.0 Response with a wrapping-free shape (SAML core §3.2.2,
 * §5.4; Somorovsky et al., "On Breaking SAML", 2012). Throws SAML_NOT_SAML,
 * SAML_VERSION_UNSUPPORTED, SAML_SIGNATURE_WRAPPING, SAML_DUPLICATE_ID or SAML_MULTIPLE_ASSERTIONS.
 */
export function readResponseShape(doc: Document): ResponseShape {
  const response = doc.documentElement
  if (!isElementNamed(response, NS.samlp, 'Response')) {
    throw new SamlError('SAML_NOT_SAML', 'Document is not a SAML 2.0 Response', { root: doc.documentElement?.localName ?? null })
  }
  // SAML core §3.2.2: Version "2.0"; SAML 1.x or future versions are not parsed as if they were.
  const version = attr(response, 'Version')
  if (version !== '2.0') throw new SamlError('SAML_VERSION_UNSUPPORTED', 'Unsupported SAML version', { version })

  const ids = new Map<string, number>()
  scanSubtree(response, response, ids)

  const assertions: Element[] = []
  let responseSignature: Element | null = null
  for (const child of childElements(response)) {
    if (isElementNamed(child, NS.saml, 'Assertion') || isElementNamed(child, NS.saml, 'EncryptedAssertion')) assertions.push(child)
    else if (isElementNamed(child, NS.ds, 'Signature')) responseSignature = child
  }
  rejectDuplicateIds(ids, [response, ...assertions])
  if (assertions.length > 1) {
    // An extra assertion beside a signed one is XSW3/XSW5 (the reader would pick the unsigned one);
    // several unsigned ones are just outside the Web SSO profile (profiles §4.1.4.2).
    const signed = assertions.some((a) => childElements(a).some((c) => isElementNamed(c, NS.ds, 'Signature')))
    throw new SamlError(signed ? 'SAML_SIGNATURE_WRAPPING' : 'SAML_MULTIPLE_ASSERTIONS', 'Response carries more than one assertion', {
      count: assertions.length,
    })
  }
  const only = assertions[0] ?? null
  return {
    response,
    responseSignature,
    assertion: only && only.localName === 'Assertion' ? only : null,
    encryptedAssertion: only && only.localName === 'EncryptedAssertion' ? only : null,
  }
}

/**
 * The same gate for an Assertion obtained by decryption (its own document): no nested assertions,
 * Signature only as its direct child, IDs unique also against the enclosing Response's IDs.
 */
export function checkDecryptedAssertionShape(assertion: Element, outer: Element): void {
  const ids = new Map<string, number>()
  scanSubtree(assertion, null, ids)
  const outerIds = new Map<string, number>()
  scanIdsOnly(outer, outerIds)
  for (const [id, count] of outerIds) ids.set(id, (ids.get(id) ?? 0) + count)
  rejectDuplicateIds(ids, [assertion, outer])
}

/**
 * One walk over every element under `root`. `response` is the document's Response, or null when
 * `root` is a standalone (decrypted) Assertion. Positions allowed (SAML core §2.3.3, §3.2.2, §5.4):
 * Response only at the root; Assertion / EncryptedAssertion only as direct children of it;
 * Signature only as a direct child of the root Response or of such an Assertion, at most one each.
 */
function scanSubtree(root: Element, response: Element | null, ids: Map<string, number>): void {
  const stack: Element[] = [root]
  while (stack.length > 0) {
    const el = stack.pop() as Element
    const id = attr(el, 'ID')
    if (id !== null) ids.set(id, (ids.get(id) ?? 0) + 1)
    const parent = el.parentNode
    if (el.namespaceURI === NS.samlp && el.localName === 'Response' && el !== response) {
      // XSW1/XSW2: a copy of the signed Response hidden inside the evaluated one.
      throw wrapping('Response nested inside the Response', el)
    }
    if (el.namespaceURI === NS.saml && (el.localName === 'Assertion' || el.localName === 'EncryptedAssertion')) {
      const allowed = response ? parent === response : el === root
      // XSW4, XSW6-XSW8: the signed Assertion moved into another Assertion, Extensions, Object, StatusDetail...
      if (!allowed) throw wrapping('Assertion outside its place in the Response', el)
    }
    if (el.namespaceURI === NS.ds && el.localName === 'Signature') {
      const owner = isElement(parent) ? parent : null
      const ownerIsRoot = owner === root
      const ownerIsTopAssertion = response !== null && owner !== null && owner.parentNode === response && isElementNamed(owner, NS.saml, 'Assertion')
      // A Signature anywhere else signs something the reader will not read (XSW, decoy signatures).
      if (!ownerIsRoot && !ownerIsTopAssertion) throw wrapping('Signature outside the Response/Assertion it may sign', el)
      // Schema: at most one ds:Signature per Response/Assertion; a second one is a decoy (OneUptime #2981).
      if (owner && childElements(owner).filter((c) => isElementNamed(c, NS.ds, 'Signature')).length > 1) {
        throw wrapping('More than one Signature on one element', el)
      }
    }
    for (let n = el.lastChild; n; n = n.previousSibling) if (isElement(n)) stack.push(n)
  }
}

function scanIdsOnly(root: Element, ids: Map<string, number>): void {
  const stack: Element[] = [root]
  while (stack.length > 0) {
    const el = stack.pop() as Element
    const id = attr(el, 'ID')
    if (id !== null) ids.set(id, (ids.get(id) ?? 0) + 1)
    for (let n = el.lastChild; n; n = n.previousSibling) if (isElement(n)) stack.push(n)
  }
}

/**
 * SAML core §1.3.4: ID values are unique in a document. A duplicate of a Response/Assertion ID is
 * what lets a by-ID resolver verify one element while the reader uses another (XSW7/XSW8).
 */
function rejectDuplicateIds(ids: Map<string, number>, signable: readonly Element[]): void {
  const signableIds = new Set(signable.map((el) => attr(el, 'ID')).filter((id): id is string => id !== null))
  const duplicates = [...ids].filter(([, count]) => count > 1).map(([id]) => id)
  if (duplicates.length === 0) return
  const hitsSigned = duplicates.some((id) => signableIds.has(id))
  throw new SamlError(hitsSigned ? 'SAML_SIGNATURE_WRAPPING' : 'SAML_DUPLICATE_ID', 'Duplicate ID attribute values', {
    duplicateIds: duplicates.slice(0, 5).map((id) => id.slice(0, 80)),
  })
}

function wrapping(message: string, el: Element): SamlError {
  const parent = el.parentNode
  return new SamlError('SAML_SIGNATURE_WRAPPING', message, {
    element: el.localName,
    parent: isElement(parent) ? parent.localName : null,
  })
}
