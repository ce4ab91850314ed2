/**
 * Canonical XML 1.0 (inclusive) and Exclusive XML Canonicalization 1.0, with and without
 * comments, over an xmldom element subtree (the node-set of a same-document `#ID` reference) or
 * a whole document. One walk, output built in an array; namespace context carried down, never
 * recomputed from ancestors except once for the apex. Pure: reads the DOM, never changes it.
 */
import type { Attr, Document, Element, Node } from '@xmldom/xmldom'
import { CDATA_SECTION_NODE, COMMENT_NODE, DOCUMENT_NODE, ELEMENT_NODE, NS, PROCESSING_INSTRUCTION_NODE, TEXT_NODE } from './dom'

export interface C14nOptions {
  exclusive: boolean
  withComments: boolean
  /** exc-c14n InclusiveNamespaces PrefixList; '#default' means the default namespace. */
  inclusiveNamespacePrefixes?: readonly string[]
  /** Enveloped-signature transform: omit exactly this element (by identity) and its subtree. */
  excludeElement?: Element | null
}

export const C14N_ALGORITHMS: Record<string, { exclusive: boolean; withComments: boolean }> = {
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315': { exclusive: false, withComments: false },
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments': { exclusive: false, withComments: true },
  'http://www.w3.org/2001/10/xml-exc-c14n#': { exclusive: true, withComments: false },
  'http://www.w3.org/2001/10/xml-exc-c14n#WithComments': { exclusive: true, withComments: true },
}

/** prefix ('' = default namespace) → namespace URI ('' = no namespace). */
type NsMap = Map<string, string>

interface Walk {
  out: string[]
  exclusive: boolean
  withComments: boolean
  inclusivePrefixes: ReadonlySet<string>
  exclude: Element | null
}

// C14N §2.3: text escapes & < > and CR; attribute values escape & < " and TAB LF CR.
function escapeText(s: string): string {
  if (!/[&<>\r]/.test(s)) return s
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;')
}

function escapeAttr(s: string): string {
  if (!/[&<"\t\n\r]/.test(s)) return s
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;')
}

function isNamespaceDecl(a: Attr): boolean {
  return a.namespaceURI === NS.xmlns
}

/** prefix declared by an xmlns attribute ('' for xmlns="..."). */
function declaredPrefix(a: Attr): string {
  return a.prefix === 'xmlns' ? a.localName! : ''
}

/** In-scope namespaces of `el`'s parent chain (nearest declaration wins), for the apex only. */
function ancestorNamespaces(el: Element): NsMap {
  const chain: Element[] = []
  for (let p = el.parentNode; p && p.nodeType === ELEMENT_NODE; p = p.parentNode) chain.push(p as Element)
  const scope: NsMap = new Map()
  for (let i = chain.length - 1; i >= 0; i--) {
    const attrs = chain[i]!.attributes
    for (let j = 0; j < attrs.length; j++) {
      const a = attrs.item(j)!
      if (isNamespaceDecl(a)) scope.set(declaredPrefix(a), a.value)
    }
  }
  return scope
}

/** C14N 1.0 §2.4: xml:* attributes of the apex's ancestors are inherited into the apex. */
function ancestorXmlAttributes(el: Element): Attr[] {
  const found = new Map<string, Attr>()
  for (let p = el.parentNode; p && p.nodeType === ELEMENT_NODE; p = p.parentNode) {
    const attrs = (p as Element).attributes
    for (let j = 0; j < attrs.length; j++) {
      const a = attrs.item(j)!
      if (a.namespaceURI === NS.xml && !found.has(a.localName!)) found.set(a.localName!, a)
    }
  }
  return [...found.values()].filter((a) => !el.hasAttributeNS(NS.xml, a.localName!))
}

function compareAttrs(a: Attr, b: Attr): number {
  // §2.2: by namespace URI (none first), then local name; code-point order.
  const na = a.namespaceURI ?? ''
  const nb = b.namespaceURI ?? ''
  if (na !== nb) return na < nb ? -1 : 1
  const la = a.localName ?? a.name
  const lb = b.localName ?? b.name
  return la < lb ? -1 : la > lb ? 1 : 0
}

function renderElement(w: Walk, el: Element, parentScope: NsMap, rendered: NsMap, inherited: Attr[]): void {
  const attrs = el.attributes
  let scope = parentScope
  const plain: Attr[] = []
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i)!
    if (isNamespaceDecl(a)) {
      if (scope === parentScope) scope = new Map(parentScope)
      scope.set(declaredPrefix(a), a.value)
    } else plain.push(a)
  }
  for (const a of inherited) plain.push(a)

  // Which namespace declarations this element must carry in the output.
  const emit: [string, string][] = []
  const consider = (prefix: string, uri: string) => {
    if (prefix === 'xml') return
    const current = rendered.get(prefix)
    // xmlns="" only when it undoes a non-empty default namespace in effect in the output.
    if (prefix === '' && uri === '') {
      if (current) emit.push(['', ''])
      return
    }
    if (current !== uri) emit.push([prefix, uri])
  }
  if (w.exclusive) {
    // exc-c14n §3: visibly utilized prefixes only, plus the InclusiveNamespaces PrefixList.
    const seen = new Set<string>()
    const use = (prefix: string, uri: string) => {
      if (seen.has(prefix)) return
      seen.add(prefix)
      consider(prefix, uri)
    }
    use(el.prefix ?? '', el.namespaceURI ?? '')
    for (const a of plain) if (a.prefix && a.prefix !== 'xml') use(a.prefix, a.namespaceURI ?? '')
    for (const p of w.inclusivePrefixes) {
      const uri = scope.get(p)
      if (uri !== undefined && !seen.has(p)) use(p, uri)
    }
  } else {
    // Inclusive: every in-scope namespace not already in effect in the output ancestor.
    for (const [prefix, uri] of scope) consider(prefix, uri)
    if (!scope.has('') && rendered.get('')) emit.push(['', ''])
  }

  const out = w.out
  out.push('<', el.tagName)
  let childRendered = rendered
  if (emit.length) {
    emit.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    childRendered = new Map(rendered)
    for (const [prefix, uri] of emit) {
      out.push(prefix ? ` xmlns:${prefix}="` : ' xmlns="', escapeAttr(uri), '"')
      childRendered.set(prefix, uri)
    }
  }
  if (plain.length > 1) plain.sort(compareAttrs)
  for (const a of plain) out.push(' ', a.name, '="', escapeAttr(a.value), '"')
  out.push('>')
  renderChildren(w, el, scope, childRendered)
  out.push('</', el.tagName, '>')
}

function renderChildren(w: Walk, parent: Node, scope: NsMap, rendered: NsMap): void {
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    switch (n.nodeType) {
      case ELEMENT_NODE:
        if (n !== w.exclude) renderElement(w, n as Element, scope, rendered, [])
        break
      case TEXT_NODE:
      case CDATA_SECTION_NODE:
        // CDATA sections are replaced by their (escaped) character content (§2.1).
        w.out.push(escapeText((n as unknown as { data: string }).data))
        break
      case COMMENT_NODE:
        if (w.withComments) w.out.push('<!--', (n as unknown as { data: string }).data, '-->')
        break
      case PROCESSING_INSTRUCTION_NODE: {
        const pi = n as unknown as { target: string; data: string }
        w.out.push('<?', pi.target, pi.data ? ` ${pi.data}` : '', '?>')
        break
      }
    }
  }
}

/** Canonical form of `node` (an element subtree, or a whole document) as a string. */
export function canonicalize(node: Element | Document, options: C14nOptions): string {
  const prefixes = new Set((options.inclusiveNamespacePrefixes ?? []).map((p) => (p === '#default' ? '' : p)))
  const w: Walk = { out: [], exclusive: options.exclusive, withComments: options.withComments, inclusivePrefixes: prefixes, exclude: options.excludeElement ?? null }
  const noDefault: NsMap = new Map([['', '']])
  if (node.nodeType === DOCUMENT_NODE) {
    // §2.1: document-level comments/PIs separated from the root element by one LF.
    let afterRoot = false
    for (let n = node.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === ELEMENT_NODE) {
        renderElement(w, n as Element, new Map(), noDefault, [])
        afterRoot = true
      } else if (n.nodeType === COMMENT_NODE || n.nodeType === PROCESSING_INSTRUCTION_NODE) {
        if (n.nodeType === COMMENT_NODE && !w.withComments) continue
        if (afterRoot) w.out.push('\n')
        renderChildrenOf(w, n)
        if (!afterRoot) w.out.push('\n')
      }
    }
    return w.out.join('')
  }
  const el = node as Element
  const scope = ancestorNamespaces(el)
  renderElement(w, el, scope, noDefault, options.exclusive ? [] : ancestorXmlAttributes(el))
  return w.out.join('')
}

/** Renders one document-level comment or PI. */
function renderChildrenOf(w: Walk, n: Node): void {
  if (n.nodeType === COMMENT_NODE) w.out.push('<!--', (n as unknown as { data: string }).data, '-->')
  else {
    const pi = n as unknown as { target: string; data: string }
    w.out.push('<?', pi.target, pi.data ? ` ${pi.data}` : '', '?>')
  }
}
