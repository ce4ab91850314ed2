/**
 * The only XML parser entry of the SAML core (@xmldom/xmldom). Refuses DOCTYPE/entity
 * declarations and processing instructions before parsing, treats every parser error and warning
 * as fatal, and bounds the input size. Never expands entities, never fetches anything.
 */
import { DOMParser, type Document } from '@xmldom/xmldom'
import { SamlError } from '../errors'

/** Largest XML document accepted (bytes of UTF-8), after base64 decoding. */
export const MAX_XML_BYTES = 256 * 1024

// DTDs enable XXE and billion-laughs (CWE-611, CWE-776): refuse any declaration outright,
// whatever its case or spacing, before the parser sees it.
const DECLARATION = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i
// Only the XML declaration may be a `<?...?>`; any other PI is refused (SAML never uses them).
const PROCESSING_INSTRUCTION = /<\?/g
const XML_DECLARATION = /^\uFEFF?<\?xml[\s?]/

function utf8Length(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3
  }
  return n
}

/**
 * Parses `xml` into a namespace-aware DOM. Throws SamlError SAML_INPUT_TOO_LARGE,
 * SAML_DTD_FORBIDDEN or SAML_MALFORMED_XML. Line endings are normalized (XML 1.0 §2.11), which is
 * what every conforming parser does and what signatures are computed over.
 */
export function parseXml(xml: string, options: { maxBytes?: number } = {}): Document {
  const maxBytes = options.maxBytes ?? MAX_XML_BYTES
  // Cheap bound first (a UTF-16 unit is at most 3 UTF-8 bytes), exact count only near the limit.
  if (xml.length > maxBytes || (xml.length * 3 > maxBytes && utf8Length(xml) > maxBytes)) {
    throw new SamlError('SAML_INPUT_TOO_LARGE', 'XML document is too large', { maxBytes })
  }
  if (DECLARATION.test(xml)) throw new SamlError('SAML_DTD_FORBIDDEN', 'XML with a DOCTYPE or entity declaration is refused')
  PROCESSING_INSTRUCTION.lastIndex = 0
  for (let m = PROCESSING_INSTRUCTION.exec(xml); m; m = PROCESSING_INSTRUCTION.exec(xml)) {
    const isDeclaration = (m.index === 0 || (m.index === 1 && xml.charCodeAt(0) === 0xfeff)) && XML_DECLARATION.test(xml)
    if (!isDeclaration) throw new SamlError('SAML_MALFORMED_XML', 'XML processing instructions are refused')
  }
  // A UTF-8 byte order mark decoded as text is not content (XML 1.0 §4.3.3); Azure AD sends one.
  if (xml.charCodeAt(0) === 0xfeff) xml = xml.slice(1)
  let problem: string | null = null
  const parser = new DOMParser({
    onError: (level, message) => {
      // Warnings too: xmldom reports unbound prefixes and recoverable damage as warnings.
      problem ??= `${level}: ${message}`
      throw new Error(message)
    },
  })
  let doc: Document
  try {
    doc = parser.parseFromString(xml, 'text/xml')
  } catch {
    throw new SamlError('SAML_MALFORMED_XML', 'XML is not well-formed', { parser: truncate(problem ?? 'parse error') })
  }
  if (problem || !doc.documentElement) {
    throw new SamlError('SAML_MALFORMED_XML', 'XML is not well-formed', { parser: truncate(problem ?? 'no root element') })
  }
  return doc
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}
