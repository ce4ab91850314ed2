/**
 * Namespace-aware DOM helpers over @xmldom/xmldom nodes. Lookups only ever look at the *direct
 * children* of an element the caller already trusts: no `//` searches, no `local-name()`, no
 * lookups by ID across the document (those are how signature-wrapping attacks get in).
 */
import type { Element, Node } from '@xmldom/xmldom'

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  ds11: 'http://www.w3.org/2009/xmldsig11#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xenc11: 'http://www.w3.org/2009/xmlenc11#',
  xml: 'http://www.w3.org/XML/1998/namespace',
  xmlns: 'http://www.w3.org/2000/xmlns/',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xs: 'http://www.w3.org/2001/XMLSchema',
  ec: 'http://www.w3.org/2001/10/xml-exc-c14n#',
} as const

export const ELEMENT_NODE = 1
export const ATTRIBUTE_NODE = 2
export const TEXT_NODE = 3
export const CDATA_SECTION_NODE = 4
export const PROCESSING_INSTRUCTION_NODE = 7
export const COMMENT_NODE = 8
export const DOCUMENT_NODE = 9

export function isElement(node: Node | null | undefined): node is Element {
  return node != null && node.nodeType === ELEMENT_NODE
}

/** True when `el` is `{ns}localName`. */
export function isElementNamed(node: Node | null | undefined, ns: string, localName: string): node is Element {
  return isElement(node) && node.namespaceURI === ns && node.localName === localName
}

/** Direct element children of `parent`, in document order. */
export function childElements(parent: Node): Element[] {
  const out: Element[] = []
  for (let n = parent.firstChild; n; n = n.nextSibling) if (isElement(n)) out.push(n)
  return out
}

/** All direct children named `{ns}localName`. */
export function childrenNamed(parent: Node, ns: string, localName: string): Element[] {
  const out: Element[] = []
  for (let n = parent.firstChild; n; n = n.nextSibling) if (isElementNamed(n, ns, localName)) out.push(n)
  return out
}

/** The first direct child named `{ns}localName`, or null. */
export function firstChildNamed(parent: Node, ns: string, localName: string): Element | null {
  for (let n = parent.firstChild; n; n = n.nextSibling) if (isElementNamed(n, ns, localName)) return n
  return null
}

/**
 * The only direct child named `{ns}localName`, or null when absent.
 * Throws `onDuplicate()` when there are several (schema says at most one; a second is an attack).
 */
export function singleChildNamed(parent: Node, ns: string, localName: string, onDuplicate: () => Error): Element | null {
  let found: Element | null = null
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (!isElementNamed(n, ns, localName)) continue
    if (found) throw onDuplicate()
    found = n
  }
  return found
}

/**
 * Full text content of an element: the concatenation of every descendant text and CDATA node,
 * comments and processing instructions skipped. (Comment injection in NameID, CVE-2017-11428
 * class: reading only the first text node truncates `admin@evil.com<!---->.example.com`.)
 */
export function textContent(el: Node): string {
  let out = ''
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) out += (n as unknown as { data: string }).data
    else if (n.nodeType === ELEMENT_NODE) out += textContent(n)
  }
  return out
}

/** Attribute value without a namespace, or null when absent (never '' for absent). */
export function attr(el: Element, name: string): string | null {
  const a = el.getAttributeNode(name)
  return a ? a.value : null
}
