/**
 * Canonical XML 1.0 and Exclusive XML Canonicalization 1.0 (each with/without comments) of an
 * xmldom element subtree (the node-set of a same-document "#ID" reference) or a whole document.
 * Trusts the DOM it is given (parseXml's output); never changes it, never re-parses, never drops
 * or reorders content beyond what the specs prescribe. One iterative walk with an undo log.
 */
import type { Attr, CharacterData, Document, Element, Node, ProcessingInstruction } from '@xmldom/xmldom'
import { CDATA_SECTION_NODE, COMMENT_NODE, DOCUMENT_NODE, ELEMENT_NODE, NS, PROCESSING_INSTRUCTION_NODE, TEXT_NODE } from './dom'

export interface C14nOptions {
  exclusive: boolean
  withComments: boolean
  /** exc-c14n InclusiveNamespaces PrefixList; '#default' means the default namespace */
  inclusiveNamespacePrefixes?: readonly string[]
  /** enveloped-signature transform: omit exactly this element (by identity) and its subtree */
  excludeElement?: Element | null
}

type C14nAlgorithm = Readonly<{ exclusive: boolean; withComments: boolean }>

/**
 * The four C14N 1.0 algorithm URIs. Null-prototype and frozen: a lookup with an attacker-chosen
 * Algorithm such as "constructor" or "__proto__" must find nothing, not an Object.prototype member.
 */
export const C14N_ALGORITHMS: Readonly<Record<string, C14nAlgorithm>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, C14nAlgorithm>, {
    'http://www.w3.org/TR/2001/REC-xml-c14n-20010315': Object.freeze({ exclusive: false, withComments: false }),
    'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments': Object.freeze({ exclusive: false, withComments: true }),
    'http://www.w3.org/2001/10/xml-exc-c14n#': Object.freeze({ exclusive: true, withComments: false }),
    'http://www.w3.org/2001/10/xml-exc-c14n#WithComments': Object.freeze({ exclusive: true, withComments: true }),
  }),
)

/** Walk state. `rendered` maps prefix ('' = default) to the URI in effect in the output. */
interface Walk {
  readonly out: string[]
  readonly exclusive: boolean
  readonly withComments: boolean
  /** exc-c14n PrefixList, '#default' already mapped to ''. */
  readonly prefixList: ReadonlySet<string>
  readonly rendered: Map<string, string>
  /** Undo log of `rendered` changes: [prefix, previous value or undefined], reverted at end tags. */
  readonly undo: (string | undefined)[]
}

/**
 * Canonical form of `node`: an element and its descendants (a document subset, as XML-DSig
 * same-document references use it, with in-scope namespaces and — inclusive only — xml:*
 * attributes taken from its ancestors), or a whole Document (no XML declaration, C14N §2.1).
 * Comments are output only when `withComments`; a "#id" reference must pass false (XML-DSig
 * §4.3.3.3) whatever the algorithm URI says — that is the caller's decision.
 */
export function canonicalize(node: Element | Document, options: C14nOptions): string {
  const prefixList = new Set<string>()
  if (options.exclusive) for (const p of options.inclusiveNamespacePrefixes ?? []) prefixList.add(p === '#default' ? '' : p)
  const w: Walk = { out: [], exclusive: options.exclusive, withComments: options.withComments, prefixList, rendered: new Map(), undo: [] }
  const exclude = options.excludeElement ?? null

  if (node.nodeType !== DOCUMENT_NODE) {
    renderSubtree(w, node as Element, exclude)
    return w.out.join('')
  }
  // C14N §2.1: no XML declaration or DTD; a comment/PI before the document element is followed
  // by LF, one after it is preceded by LF; whitespace outside the document element is dropped.
  let afterRoot = false
  for (let n = node.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT_NODE) {
      renderSubtree(w, n as Element, exclude)
      afterRoot = true
    } else if (n.nodeType === PROCESSING_INSTRUCTION_NODE || (n.nodeType === COMMENT_NODE && w.withComments)) {
      if (isXmlDeclaration(n)) continue
      if (afterRoot) w.out.push('\n')
      renderLeaf(w, n)
      if (!afterRoot) w.out.push('\n')
    }
  }
  return w.out.join('')
}

/** Pre-order walk without recursion (deep nesting must not overflow the stack). */
function renderSubtree(w: Walk, apex: Element, exclude: Element | null): void {
  if (apex === exclude) return
  const marks: number[] = []
  let node: Node = apex
  for (;;) {
    let descend = false
    if (node.nodeType === ELEMENT_NODE) {
      // Enveloped-signature (XML-DSig §6.6.4): drop this one element by identity, nothing else
      // (a look-alike decoy Signature stays in the digest: OneUptime #2981).
      if (node !== exclude) {
        marks.push(w.undo.length)
        renderStartTag(w, node as Element, node === apex)
        if (node.firstChild) descend = true
        else renderEndTag(w, node as Element, marks.pop() ?? 0)
      }
    } else renderLeaf(w, node)

    if (descend) {
      node = node.firstChild as Node
      continue
    }
    while (node !== apex && !node.nextSibling) {
      node = node.parentNode as Node
      renderEndTag(w, node as Element, marks.pop() ?? 0)
    }
    if (node === apex) return
    node = node.nextSibling as Node
  }
}

/** Text, CDATA (§2.1: replaced by its escaped content), comments, PIs. */
function renderLeaf(w: Walk, n: Node): void {
  switch (n.nodeType) {
    case TEXT_NODE:
    case CDATA_SECTION_NODE:
      w.out.push(escapeText((n as CharacterData).data))
      break
    case COMMENT_NODE:
      if (w.withComments) w.out.push('<!--', (n as CharacterData).data, '-->')
      break
    case PROCESSING_INSTRUCTION_NODE: {
      // §2.3: target, then one space and the string value only when that value is not empty.
      const pi = n as ProcessingInstruction
      if (!isXmlDeclaration(pi)) w.out.push('<?', pi.target, pi.data ? ` ${pi.data}` : '', '?>')
      break
    }
  }
}

function renderStartTag(w: Walk, el: Element, isApex: boolean): void {
  const attrs = el.attributes
  // Namespace nodes to consider, as flat [prefix, uri, …] pairs; a later pair overrides.
  const ns: string[] = []
  const plain: Attr[] = []
  // Inclusive: every declaration in scope is a namespace node of the element. Exclusive: only
  // the PrefixList ones are handled that way (exc-c14n §3); the rest only where visibly used.
  // Ancestors are read once, for the apex; below it the walk's context already holds them.
  if (isApex && (!w.exclusive || w.prefixList.size > 0)) {
    for (const [p, u] of ancestorNamespaces(el)) if (!w.exclusive || w.prefixList.has(p)) addNs(ns, p, u)
  }
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i) as Attr
    if (a.namespaceURI !== NS.xmlns) plain.push(a)
    else {
      const p = a.prefix === 'xmlns' ? (a.localName ?? '') : ''
      if (!w.exclusive || w.prefixList.has(p)) addNs(ns, p, a.value)
    }
  }
  // exc-c14n §3 "visibly utilized": the element's prefix (or the default namespace) and its
  // attributes' prefixes; unprefixed attributes use no namespace. For inclusive C14N these are
  // in scope by definition: a no-op on parseXml output, a fix-up for DOMs built by hand.
  addNs(ns, el.prefix ?? '', el.namespaceURI ?? '')
  for (const a of plain) if (a.prefix) addNs(ns, a.prefix, a.namespaceURI ?? '')

  // Render a namespace node unless the output already has it in effect (§2.3 "superfluous").
  const emit: [string, string][] = []
  for (let i = 0; i < ns.length; i += 2) {
    const p = ns[i] as string
    const u = ns[i + 1] as string
    if (p === 'xml') continue // the xml namespace is implicit, never rendered
    const current = w.rendered.get(p)
    if (u === '') {
      // xmlns="" only to undo a non-empty default in effect in the output (§2.3, exc-c14n §3);
      // a prefix cannot be undeclared in Namespaces 1.0.
      if (p !== '' || !current) continue
    } else if (current === u) continue
    emit.push([p, u])
    w.undo.push(p, current)
    w.rendered.set(p, u)
  }

  if (isApex && !w.exclusive) inheritXmlAttributes(el, plain)

  const out = w.out
  out.push('<', el.tagName)
  // §2.2 ordering: namespace declarations first, by prefix (default first) …
  if (emit.length > 1) emit.sort((a, b) => compareCodePoints(a[0], b[0]))
  for (const [p, u] of emit) out.push(p ? ` xmlns:${p}="` : ' xmlns="', escapeAttr(u), '"')
  // … then attributes by namespace URI (none first), then local name.
  if (plain.length > 1) plain.sort(compareAttributes)
  for (const a of plain) out.push(' ', a.name, '="', escapeAttr(a.value), '"')
  out.push('>')
}

/** §2.2: empty elements are rendered as start/end tag pairs; restore the namespace context. */
function renderEndTag(w: Walk, el: Element, mark: number): void {
  w.out.push('</', el.tagName, '>')
  const { undo, rendered } = w
  while (undo.length > mark) {
    const previous = undo.pop()
    const prefix = undo.pop() as string
    if (previous === undefined) rendered.delete(prefix)
    else rendered.set(prefix, previous)
  }
}

/** In-scope namespace declarations of the apex's ancestors, nearest first (read once per call). */
function ancestorNamespaces(el: Element): Map<string, string> {
  const scope = new Map<string, string>()
  for (let p = el.parentNode; p && p.nodeType === ELEMENT_NODE; p = p.parentNode) {
    const attrs = (p as Element).attributes
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs.item(i) as Attr
      if (a.namespaceURI !== NS.xmlns) continue
      const prefix = a.prefix === 'xmlns' ? (a.localName ?? '') : ''
      if (!scope.has(prefix)) scope.set(prefix, a.value)
    }
  }
  return scope
}

/**
 * C14N 1.0 §2.4: the apex of a document subset inherits the xml:* attributes (xml:lang,
 * xml:space, and — a known 1.0 quirk fixed in C14N 1.1 — xml:base and xml:id) of its nearest
 * ancestors, unless it has its own. Exclusive C14N never does this (exc-c14n §3).
 */
function inheritXmlAttributes(el: Element, plain: Attr[]): void {
  const seen = new Set<string>()
  for (const a of plain) if (a.namespaceURI === NS.xml) seen.add(a.localName ?? '')
  for (let p = el.parentNode; p && p.nodeType === ELEMENT_NODE; p = p.parentNode) {
    const attrs = (p as Element).attributes
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs.item(i) as Attr
      if (a.namespaceURI !== NS.xml || seen.has(a.localName ?? '')) continue
      seen.add(a.localName ?? '')
      plain.push(a)
    }
  }
}

function addNs(ns: string[], prefix: string, uri: string): void {
  for (let i = 0; i < ns.length; i += 2) {
    if (ns[i] === prefix) {
      ns[i + 1] = uri
      return
    }
  }
  ns.push(prefix, uri)
}

function compareAttributes(a: Attr, b: Attr): number {
  return compareCodePoints(a.namespaceURI ?? '', b.namespaceURI ?? '') || compareCodePoints(a.localName ?? a.name, b.localName ?? b.name)
}

/**
 * Lexicographic order by Unicode code point (what libxml2's byte-wise UTF-8 compare gives).
 * JS `<` compares UTF-16 units, which puts U+10000.. (surrogates) before U+E000..U+FFFF.
 */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && x <= 0xdfff) x += 0x10000
    if (y >= 0xd800 && y <= 0xdfff) y += 0x10000
    return x - y
  }
  return a.length - b.length
}

// §2.3 text nodes: & < > and CR (a literal CR can only come from &#xD;, §2.11 removed the rest).
const TEXT_SPECIAL = /[&<>\r]/
function escapeText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;')
}

// §2.3 attribute values: & < " and the whitespace characters TAB, LF, CR (> stays literal).
const ATTR_SPECIAL = /[&<"\t\n\r]/
function escapeAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;')
}

/** The XML declaration is not a PI in the data model; xmldom keeps it as one with target "xml". */
function isXmlDeclaration(n: Node): boolean {
  return n.nodeType === PROCESSING_INSTRUCTION_NODE && (n as ProcessingInstruction).target === 'xml'
}
