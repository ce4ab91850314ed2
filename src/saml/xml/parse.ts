/**
 * The only XML parser entry of the SAML core: @xmldom/xmldom with every error and warning fatal.
 * Trusts nothing in the input. Must never accept a DTD (no entity is ever declared, let alone
 * expanded: XXE and billion laughs), a processing instruction, or a document xmldom had to repair.
 * It never rewrites content: the only changes are the ones XML 1.0 itself prescribes (§2.11, §4.3.3).
 */
import { DOMParser } from '@xmldom/xmldom'
import type { Document, Element, Node } from '@xmldom/xmldom'
import { SamlError } from '../errors'
import { MAX_XML_BYTES, MAX_XML_DEPTH } from '../limits'
import { NS } from './dom'

export interface ParseXmlOptions {
  /** UTF-8 byte limit; defaults to MAX_XML_BYTES. */
  maxBytes?: number
  /** element nesting limit; defaults to MAX_XML_DEPTH. */
  maxDepth?: number
}

// Any markup declaration (XML 1.0 §2.8 doctypedecl, §4.2 EntityDecl, …), in any case and with any
// whitespace, anywhere, even inside a comment or CDATA: refusing a harmless false positive is
// cheaper than agreeing with xmldom on where a comment ends (no parser differential possible).
const DTD_MARKUP = /<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i

// Code units that are not XML 1.0 §2.2 Char: C0 controls other than TAB/LF/CR, U+FFFE/U+FFFF,
// and unpaired surrogates. xmldom accepts them; libxml2 (and so xmlsec1) does not.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

// Regions where '&' is literal (comments, CDATA, PIs), and '&' itself.
const AMP_CONTEXT = /<!--|<!\[CDATA\[|<\?|&/g
// §4.1 references without a DTD: character references or the five predefined entities (§4.6).
// Upper-case 'X' is not allowed; xmldom would turn `&#X41;` into U+0000.
const REFERENCE = /&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|amp|lt|gt|quot|apos);/y

const ELEMENT = 1
const TEXT = 3
const PROCESSING_INSTRUCTION = 7
const DOCUMENT_TYPE = 10

/**
 * Parses `xml` into an xmldom Document, or throws SamlError:
 * SAML_INPUT_TOO_LARGE (bytes or depth), SAML_DTD_FORBIDDEN, SAML_MALFORMED_XML.
 */
export function parseXml(xml: string, options: ParseXmlOptions = {}): Document {
  if (typeof xml !== 'string') throw malformed('input is not a string')
  const maxBytes = options.maxBytes ?? MAX_XML_BYTES
  const size = utf8Length(xml, maxBytes)
  if (size > maxBytes) throw new SamlError('SAML_INPUT_TOO_LARGE', 'XML input too large', { maxBytes, receivedBytesAtLeast: size })

  // §4.3.3 / Appendix F: a byte order mark is an encoding signature, not document content.
  const source = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml

  // Checked before xmldom sees anything: no DTD is ever parsed, so nothing can be expanded.
  if (DTD_MARKUP.test(source)) throw new SamlError('SAML_DTD_FORBIDDEN', 'DTDs are not allowed')
  if (NOT_XML_CHAR.test(source)) throw malformed('character not allowed in XML 1.0')
  checkReferences(source)

  let firstProblem: string | undefined
  const parser = new DOMParser({
    locator: false,
    normalizeLineEndings: normalizeXml10LineEndings,
    // xmldom recovers from many "errors" and most "warnings" (unquoted attributes, unknown
    // entities, trailing content); a recovered document is a guess, so every report is fatal.
    onError: (level, message) => {
      firstProblem ??= `${level}: ${message}`
      throw malformed(firstProblem)
    },
  })
  let doc: Document
  try {
    doc = parser.parseFromString(source, 'text/xml')
  } catch (error) {
    // xmldom wraps what onError throws in its own ParseError; report the first problem seen.
    throw malformed(firstProblem ?? (error instanceof Error ? error.message : 'parse failed'))
  }
  checkDocument(doc, options.maxDepth ?? MAX_XML_DEPTH)
  return doc
}

/**
 * XML 1.0 §2.11: CR LF and lone CR become LF, nothing else. xmldom's default applies the XML 1.1
 * rule, which also turns U+0085, U+2028 and U+2029 into LF: that would change signed text which
 * the XML 1.0 processors on the signing side (libxml2/xmlsec1, Apache Santuario, .NET) keep.
 */
function normalizeXml10LineEndings(source: string): string {
  return source.indexOf('\r') < 0 ? source : source.replace(/\r\n?/g, '\n')
}

/**
 * UTF-8 length of `s`, exact whenever it is near `limit`. Each UTF-16 code unit is 1 to 3 bytes
 * (a surrogate pair, 2 units, is 4), so the length alone often decides and the scan is skipped.
 */
function utf8Length(s: string, limit: number): number {
  if (s.length > limit || s.length * 3 <= limit) return s.length
  let bytes = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    bytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3
  }
  return bytes
}

/**
 * Every '&' outside comments, CDATA sections and PIs must start a well-formed reference (§4.1)
 * to a legal character (§2.2). xmldom keeps a bare '&' and decodes `&#0;` to U+0000.
 */
function checkReferences(source: string): void {
  if (source.indexOf('&') < 0) return
  AMP_CONTEXT.lastIndex = 0
  for (let m = AMP_CONTEXT.exec(source); m; m = AMP_CONTEXT.exec(source)) {
    const token = m[0]
    if (token === '&') {
      REFERENCE.lastIndex = m.index
      const ref = REFERENCE.exec(source)
      if (!ref) throw malformed('"&" that does not start a reference')
      const hex = ref[1]
      const dec = ref[2]
      if (hex !== undefined || dec !== undefined) {
        const code = hex !== undefined ? parseInt(hex, 16) : parseInt(dec ?? '', 10)
        if (!isXmlChar(code)) throw malformed('character reference to a character not allowed in XML 1.0')
      }
      AMP_CONTEXT.lastIndex = REFERENCE.lastIndex
      continue
    }
    const close = token === '<!--' ? '-->' : token === '<?' ? '?>' : ']]>'
    const end = source.indexOf(close, m.index + token.length)
    if (end < 0) return // unterminated: xmldom reports it
    AMP_CONTEXT.lastIndex = end + close.length
  }
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  )
}

/**
 * After parsing: no DocumentType node, no PI except the XML declaration (which browsers do not
 * expose as a node either: it is detached, with whitespace around the root, so the Document's
 * children are those of the XPath data model C14N works on), namespace declarations legal per
 * Namespaces in XML 1.0 §3, and nesting within `maxDepth`.
 */
function checkDocument(doc: Document, maxDepth: number): void {
  if (doc.doctype) throw new SamlError('SAML_DTD_FORBIDDEN', 'DTDs are not allowed')
  for (let n = doc.firstChild; n;) {
    const next = n.nextSibling
    if (n.nodeType === DOCUMENT_TYPE) throw new SamlError('SAML_DTD_FORBIDDEN', 'DTDs are not allowed')
    if (n.nodeType === PROCESSING_INSTRUCTION) {
      // xmldom only lets target "xml" through at offset 0 with valid XMLDecl syntax.
      if (n !== doc.firstChild || (n as unknown as { target: string }).target !== 'xml') throw malformed('processing instruction')
      doc.removeChild(n)
    } else if (n.nodeType === TEXT) {
      // Whitespace around the root element (xmldom refuses any other text there) is not a node
      // of the data model either; xmldom keeps it as Document children, browsers do not.
      doc.removeChild(n)
    }
    n = next
  }
  const root = doc.documentElement
  if (!root) throw malformed('no root element')

  // Every PI and DOCTYPE before or after the root was handled above; now the root's subtree.
  // Iterative walk: a deep document must fail with a SamlError, not a stack overflow.
  let depth = 1
  let node: Node = root
  for (;;) {
    if (node.nodeType === ELEMENT) {
      if (depth > maxDepth) throw new SamlError('SAML_INPUT_TOO_LARGE', 'XML nested too deeply', { maxDepth })
      checkNamespaceDeclarations(node as Element)
    } else if (node.nodeType === PROCESSING_INSTRUCTION) {
      throw malformed('processing instruction')
    } else if (node.nodeType === DOCUMENT_TYPE) {
      throw new SamlError('SAML_DTD_FORBIDDEN', 'DTDs are not allowed')
    }
    if (node.firstChild) {
      node = node.firstChild
      depth++
      continue
    }
    while (node !== root && !node.nextSibling) {
      node = node.parentNode as Node
      depth--
    }
    if (node === root) break
    node = node.nextSibling as Node
  }
}

/** Namespaces in XML 1.0 §3 "Reserved Prefixes and Namespace Names" and the empty-value rule. */
function checkNamespaceDeclarations(el: Element): void {
  const attrs = el.attributes
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i)
    if (!a || a.namespaceURI !== NS.xmlns) continue
    const prefix = a.prefix === 'xmlns' ? a.localName : ''
    const uri = a.value
    if (prefix === 'xmlns') throw malformed('the xmlns prefix must not be declared')
    if (prefix === 'xml' ? uri !== NS.xml : uri === NS.xml) throw malformed('the xml prefix and namespace are reserved for each other')
    if (uri === NS.xmlns) throw malformed('the xmlns namespace must not be declared')
    // Undeclaring a prefix (xmlns:p="") exists only in Namespaces 1.1.
    if (prefix !== '' && uri === '') throw malformed('empty namespace for a prefix')
  }
}

function malformed(reason: string): SamlError {
  // xmldom quotes input excerpts in its messages: keep the reason, never the document's bytes.
  return new SamlError('SAML_MALFORMED_XML', 'XML is not well-formed', { reason: reason.replace(/(["'])[\s\S]*?\1/g, '…').slice(0, 120) })
}
