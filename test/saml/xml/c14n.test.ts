// Canonical XML 1.0 and Exclusive XML Canonicalization 1.0 over xmldom: the W3C spec examples,
// namespace axis rules, subsets, comments, enveloped exclusion by identity, escaping.
// Inline strings only: this file must also run inside workerd (xmllint and interop checks live
// in the Node-only c14n-xmllint.test.ts and c14n-interop.test.ts).
import { DOMParser } from '@xmldom/xmldom'
import type { Document, Element } from '@xmldom/xmldom'
import { describe, expect, it } from 'vitest'
import { C14N_ALGORITHMS, canonicalize } from '../../../src/saml/xml/c14n'
import type { C14nOptions } from '../../../src/saml/xml/c14n'
import { NS } from '../../../src/saml/xml/dom'
import { parseXml } from '../../../src/saml/xml/parse'

const INCLUSIVE: C14nOptions = { exclusive: false, withComments: false }
const INCLUSIVE_WITH_COMMENTS: C14nOptions = { exclusive: false, withComments: true }
const EXCLUSIVE: C14nOptions = { exclusive: true, withComments: false }
const EXCLUSIVE_WITH_COMMENTS: C14nOptions = { exclusive: true, withComments: true }

/**
 * xmldom directly (errors fatal, XML 1.0 line ends), for spec examples with PIs, which parseXml
 * refuses by policy. The XML declaration stays in the tree as a PI: canonicalize must skip it.
 */
function load(xml: string): Document {
  return new DOMParser({
    onError: (level, message) => {
      throw new Error(`${level}: ${message}`)
    },
    normalizeLineEndings: (s) => s.replace(/\r\n?/g, '\n'),
  }).parseFromString(xml, 'text/xml')
}

/** The first element named `tagName` (qualified name) in document order. */
function byTag(doc: Document, tagName: string): Element {
  const el = doc.getElementsByTagName(tagName)[0]
  if (!el) throw new Error(`no ${tagName}`)
  return el
}

describe('C14N 1.0 spec examples (REC-xml-c14n-20010315 §3)', () => {
  // §3.1 without its DOCTYPE line: a DOCTYPE is never output, and parseXml refuses it anyway.
  const example31 = [
    '<?xml version="1.0"?>',
    '',
    '<?xml-stylesheet   href="doc.xsl"',
    '   type="text/xsl"   ?>',
    '',
    '<doc>Hello, world!<!-- Comment 1 --></doc>',
    '',
    '<?pi-without-data     ?>',
    '',
    '<!-- Comment 2 -->',
    '',
    '<!-- Comment 3 -->',
    '',
  ].join('\n')

  it('§3.1 PIs, comments, and outside of document element (uncommented)', () => {
    expect(canonicalize(load(example31), INCLUSIVE)).toBe(
      '<?xml-stylesheet href="doc.xsl"\n   type="text/xsl"   ?>\n<doc>Hello, world!</doc>\n<?pi-without-data?>',
    )
  })

  it('§3.1 PIs, comments, and outside of document element (WithComments)', () => {
    expect(canonicalize(load(example31), INCLUSIVE_WITH_COMMENTS)).toBe(
      '<?xml-stylesheet href="doc.xsl"\n   type="text/xsl"   ?>\n<doc>Hello, world!<!-- Comment 1 --></doc>\n<?pi-without-data?>\n<!-- Comment 2 -->\n<!-- Comment 3 -->',
    )
  })

  it('§3.2 whitespace in document content is preserved as is', () => {
    const xml = [
      '<doc>',
      '   <clean>   </clean>',
      '   <dirty>   A   B   </dirty>',
      '   <mixed>',
      '      A',
      '      <clean>   </clean>',
      '      B',
      '      <dirty>   A   B   </dirty>',
      '      C',
      '   </mixed>',
      '</doc>',
    ].join('\n')
    expect(canonicalize(parseXml(xml), INCLUSIVE)).toBe(xml)
  })

  it('§3.3 start and end tags (without the DTD default attribute on e9)', () => {
    // The spec's DTD adds attr="default" to e9; we refuse DTDs, so e9 has no attribute here.
    const xml = [
      '<doc>',
      '   <e1   />',
      '   <e2   ></e2>',
      '   <e3   name = "elem3"   id="elem3"   />',
      '   <e4   name="elem4"   id="elem4"   ></e4>',
      '   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I\'m"',
      '      xmlns:b="http://www.ietf.org"',
      '      xmlns:a="http://www.w3.org"',
      '      xmlns="http://example.org"/>',
      '   <e6 xmlns="" xmlns:a="http://www.w3.org">',
      '      <e7 xmlns="http://www.ietf.org">',
      '         <e8 xmlns="" xmlns:a="http://www.w3.org">',
      '            <e9 xmlns="" xmlns:a="http://www.ietf.org"/>',
      '         </e8>',
      '      </e7>',
      '   </e6>',
      '</doc>',
    ].join('\n')
    const expected = [
      '<doc>',
      '   <e1></e1>',
      '   <e2></e2>',
      '   <e3 id="elem3" name="elem3"></e3>',
      '   <e4 id="elem4" name="elem4"></e4>',
      '   <e5 xmlns="http://example.org" xmlns:a="http://www.w3.org" xmlns:b="http://www.ietf.org" attr="I\'m" attr2="all" b:attr="sorted" a:attr="out"></e5>',
      '   <e6 xmlns:a="http://www.w3.org">',
      '      <e7 xmlns="http://www.ietf.org">',
      '         <e8 xmlns="">',
      '            <e9 xmlns:a="http://www.ietf.org"></e9>',
      '         </e8>',
      '      </e7>',
      '   </e6>',
      '</doc>',
    ].join('\n')
    expect(canonicalize(parseXml(xml), INCLUSIVE)).toBe(expected)
  })

  it('§3.4 character modifications and character references (all attributes CDATA: no DTD)', () => {
    // The spec declares normNames as NMTOKENS and normId as ID, which collapses their spaces;
    // without a DTD every attribute is CDATA, so both keep them like `norm` does.
    const xml = [
      '<doc>',
      '   <text>First line&#x0d;&#10;Second line</text>',
      '   <value>&#x32;</value>',
      '   <compute><![CDATA[value>"0" && value<"10" ?"valid":"error"]]></compute>',
      '   <compute expr=\'value>"0" &amp;&amp; value&lt;"10" ?"valid":"error"\'>valid</compute>',
      "   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>",
      "   <normNames attr='   A   &#x20;&#13;&#xa;&#9;   B   '/>",
      "   <normId id=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>",
      '</doc>',
    ].join('\n')
    const expected = [
      '<doc>',
      '   <text>First line&#xD;',
      'Second line</text>',
      '   <value>2</value>',
      '   <compute>value&gt;"0" &amp;&amp; value&lt;"10" ?"valid":"error"</compute>',
      '   <compute expr="value>&quot;0&quot; &amp;&amp; value&lt;&quot;10&quot; ?&quot;valid&quot;:&quot;error&quot;">valid</compute>',
      '   <norm attr=" \'    &#xD;&#xA;&#x9;   \' "></norm>',
      '   <normNames attr="   A    &#xD;&#xA;&#x9;   B   "></normNames>',
      '   <normId id=" \'    &#xD;&#xA;&#x9;   \' "></normId>',
      '</doc>',
    ].join('\n')
    expect(canonicalize(parseXml(xml), INCLUSIVE)).toBe(expected)
  })

  // §3.5 (entity references) needs internal-subset entity expansion: refused by parseXml by design.

  it('§3.6 UTF-8 encoding: character references become the characters', () => {
    expect(canonicalize(parseXml('<doc>&#169;</doc>'), INCLUSIVE)).toBe('<doc>\u00A9</doc>')
  })

  it('§3.7 document subsets, restricted to an element subtree (no XPath, no DTD defaults)', () => {
    // The spec's XPath subset is not an element subtree and its xml:space comes from a DTD
    // default; this keeps its namespace situation with an explicit xml:space on e2.
    const doc = parseXml(
      [
        '<doc xmlns="http://www.ietf.org" xmlns:w3c="http://www.w3.org">',
        '   <e1>',
        '      <e2 xmlns="" xml:space="preserve">',
        '         <e3 id="E3"/>',
        '      </e2>',
        '   </e1>',
        '</doc>',
      ].join('\n'),
    )
    // e3 inherits xmlns:w3c (in scope) and xml:space (C14N 1.0 §2.4); its default namespace is
    // empty and nothing non-empty is in effect in the output, so no xmlns="".
    expect(canonicalize(byTag(doc, 'e3'), INCLUSIVE)).toBe('<e3 xmlns:w3c="http://www.w3.org" id="E3" xml:space="preserve"></e3>')
    expect(canonicalize(byTag(doc, 'e1'), INCLUSIVE)).toBe(
      '<e1 xmlns="http://www.ietf.org" xmlns:w3c="http://www.w3.org">\n      <e2 xmlns="" xml:space="preserve">\n         <e3 id="E3"></e3>\n      </e2>\n   </e1>',
    )
    expect(canonicalize(byTag(doc, 'e1'), EXCLUSIVE)).toBe(
      '<e1 xmlns="http://www.ietf.org">\n      <e2 xmlns="" xml:space="preserve">\n         <e3 id="E3"></e3>\n      </e2>\n   </e1>',
    )
  })
})

describe('exc-c14n spec example (xml-exc-c14n §2.2) vs inclusive C14N', () => {
  const first = parseXml(
    [
      '<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org">',
      '  <n1:elem2 xmlns:n1="http://example.net" xml:lang="en">',
      '    <n3:stuff xmlns:n3="ftp://example.org"/>',
      '  </n1:elem2>',
      '</n0:local>',
    ].join('\n'),
  )
  const second = parseXml(
    [
      '<n2:pdu xmlns:n1="http://example.com" xmlns:n2="http://foo.example" xml:lang="fr" xml:space="retain">',
      '  <n1:elem2 xmlns:n1="http://example.net" xml:lang="en">',
      '    <n3:stuff xmlns:n3="ftp://example.org"/>',
      '  </n1:elem2>',
      '</n2:pdu>',
    ].join('\n'),
  )

  it('inclusive C14N of the same subtree differs with its context', () => {
    expect(canonicalize(byTag(first, 'n1:elem2'), INCLUSIVE)).toBe(
      '<n1:elem2 xmlns:n0="foo:bar" xmlns:n1="http://example.net" xmlns:n3="ftp://example.org" xml:lang="en">\n    <n3:stuff></n3:stuff>\n  </n1:elem2>',
    )
    expect(canonicalize(byTag(second, 'n1:elem2'), INCLUSIVE)).toBe(
      '<n1:elem2 xmlns:n1="http://example.net" xmlns:n2="http://foo.example" xml:lang="en" xml:space="retain">\n    <n3:stuff xmlns:n3="ftp://example.org"></n3:stuff>\n  </n1:elem2>',
    )
  })

  it('exclusive C14N of the subtree is the same in both contexts', () => {
    const expected = '<n1:elem2 xmlns:n1="http://example.net" xml:lang="en">\n    <n3:stuff xmlns:n3="ftp://example.org"></n3:stuff>\n  </n1:elem2>'
    expect(canonicalize(byTag(first, 'n1:elem2'), EXCLUSIVE)).toBe(expected)
    expect(canonicalize(byTag(second, 'n1:elem2'), EXCLUSIVE)).toBe(expected)
  })
})

describe('namespace axis', () => {
  it('inclusive: renders every in-scope ancestor namespace on the apex, exclusive only used ones', () => {
    const doc = parseXml(
      `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" xmlns:xs="${NS.xs}" xmlns:xsi="${NS.xsi}" ID="r">` +
        `<saml:Assertion ID="a"><saml:AttributeValue xsi:type="xs:string">v</saml:AttributeValue></saml:Assertion></samlp:Response>`,
    )
    const assertion = byTag(doc, 'saml:Assertion')
    expect(canonicalize(assertion, INCLUSIVE)).toBe(
      `<saml:Assertion xmlns:saml="${NS.saml}" xmlns:samlp="${NS.samlp}" xmlns:xs="${NS.xs}" xmlns:xsi="${NS.xsi}" ID="a">` +
        '<saml:AttributeValue xsi:type="xs:string">v</saml:AttributeValue></saml:Assertion>',
    )
    // xs is only used inside an attribute VALUE (a QName in content): not visibly utilized.
    expect(canonicalize(assertion, EXCLUSIVE)).toBe(
      `<saml:Assertion xmlns:saml="${NS.saml}" ID="a">` +
        `<saml:AttributeValue xmlns:xsi="${NS.xsi}" xsi:type="xs:string">v</saml:AttributeValue></saml:Assertion>`,
    )
  })

  it('omits superfluous redeclarations', () => {
    const doc = parseXml('<a xmlns:p="urn:p"><p:b xmlns:p="urn:p"><p:c xmlns:p="urn:p"/></p:b></a>')
    expect(canonicalize(doc, INCLUSIVE)).toBe('<a xmlns:p="urn:p"><p:b><p:c></p:c></p:b></a>')
    expect(canonicalize(doc, EXCLUSIVE)).toBe('<a><p:b xmlns:p="urn:p"><p:c></p:c></p:b></a>')
  })

  it('re-renders a prefix bound to a different namespace deeper down', () => {
    const doc = parseXml('<p:a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c/></p:b><p:d/></p:a>')
    const expected = '<p:a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c></p:c></p:b><p:d></p:d></p:a>'
    expect(canonicalize(doc, INCLUSIVE)).toBe(expected)
    expect(canonicalize(doc, EXCLUSIVE)).toBe(expected)
  })

  it('exclusive: renders a prefix again where it is used after an unused redeclaration', () => {
    const doc = parseXml('<p:a xmlns:p="urn:1"><b xmlns:p="urn:2"><p:c/></b></p:a>')
    expect(canonicalize(doc, EXCLUSIVE)).toBe('<p:a xmlns:p="urn:1"><b><p:c xmlns:p="urn:2"></p:c></b></p:a>')
    expect(canonicalize(doc, INCLUSIVE)).toBe('<p:a xmlns:p="urn:1"><b xmlns:p="urn:2"><p:c></p:c></b></p:a>')
  })

  it('emits xmlns="" only to undo a non-empty default namespace in effect in the output', () => {
    const doc = parseXml('<a xmlns="urn:a"><b xmlns=""><c xmlns=""/></b></a>')
    expect(canonicalize(doc, INCLUSIVE)).toBe('<a xmlns="urn:a"><b xmlns=""><c></c></b></a>')
    expect(canonicalize(doc, EXCLUSIVE)).toBe('<a xmlns="urn:a"><b xmlns=""><c></c></b></a>')
    // Apex b: its default namespace is empty and nothing is in effect yet: no xmlns="".
    expect(canonicalize(byTag(doc, 'b'), INCLUSIVE)).toBe('<b><c></c></b>')
    expect(canonicalize(byTag(doc, 'b'), EXCLUSIVE)).toBe('<b><c></c></b>')
    // A redundant xmlns="" at the top is dropped.
    expect(canonicalize(parseXml('<a xmlns=""><b/></a>'), INCLUSIVE)).toBe('<a><b></b></a>')
  })

  it('exclusive: xmlns="" when an unprefixed element sits under a prefixed one that was rendered with a default', () => {
    const doc = parseXml('<x:a xmlns:x="urn:x" xmlns="urn:d"><d/><b xmlns=""/></x:a>')
    // The default urn:d is not used by x:a, so it is rendered on d; b needs no xmlns="".
    expect(canonicalize(doc, EXCLUSIVE)).toBe('<x:a xmlns:x="urn:x"><d xmlns="urn:d"></d><b></b></x:a>')
    expect(canonicalize(doc, INCLUSIVE)).toBe('<x:a xmlns="urn:d" xmlns:x="urn:x"><d></d><b xmlns=""></b></x:a>')
  })

  it('never renders the xml namespace, even when declared explicitly', () => {
    const doc = parseXml(`<a xmlns:xml="${NS.xml}" xml:lang="en"><b/></a>`)
    expect(canonicalize(doc, INCLUSIVE)).toBe('<a xml:lang="en"><b></b></a>')
    expect(canonicalize(doc, EXCLUSIVE)).toBe('<a xml:lang="en"><b></b></a>')
  })
})

describe('exc-c14n InclusiveNamespaces PrefixList', () => {
  const doc = parseXml(
    `<r xmlns="urn:default" xmlns:xs="${NS.xs}" xmlns:xsi="${NS.xsi}" xmlns:unused="urn:unused">` +
      `<s:e xmlns:s="urn:s"><s:v xsi:type="xs:string">x</s:v><s:w xmlns:xs="${NS.xs}"/></s:e></r>`,
  )
  const e = byTag(doc, 's:e')

  it('without a PrefixList, renders only visibly utilized prefixes', () => {
    expect(canonicalize(e, EXCLUSIVE)).toBe(`<s:e xmlns:s="urn:s"><s:v xmlns:xsi="${NS.xsi}" xsi:type="xs:string">x</s:v><s:w></s:w></s:e>`)
  })

  it('renders a listed prefix in scope at the apex once, like inclusive C14N (Okta PrefixList="xs")', () => {
    expect(canonicalize(e, { ...EXCLUSIVE, inclusiveNamespacePrefixes: ['xs'] })).toBe(
      `<s:e xmlns:s="urn:s" xmlns:xs="${NS.xs}"><s:v xmlns:xsi="${NS.xsi}" xsi:type="xs:string">x</s:v><s:w></s:w></s:e>`,
    )
  })

  it('"#default" means the default namespace', () => {
    expect(canonicalize(e, { ...EXCLUSIVE, inclusiveNamespacePrefixes: ['#default'] })).toBe(
      `<s:e xmlns="urn:default" xmlns:s="urn:s"><s:v xmlns:xsi="${NS.xsi}" xsi:type="xs:string">x</s:v><s:w></s:w></s:e>`,
    )
  })

  it('ignores listed prefixes that are not in scope, and already-used ones are not duplicated', () => {
    expect(canonicalize(e, { ...EXCLUSIVE, inclusiveNamespacePrefixes: ['nope', 's', 'xsi'] })).toBe(
      `<s:e xmlns:s="urn:s" xmlns:xsi="${NS.xsi}"><s:v xsi:type="xs:string">x</s:v><s:w></s:w></s:e>`,
    )
  })

  it('renders a listed prefix declared below the apex where it is declared', () => {
    const d = parseXml('<a><b xmlns:p="urn:p"><c/></b></a>')
    expect(canonicalize(d.documentElement!, { ...EXCLUSIVE, inclusiveNamespacePrefixes: ['p'] })).toBe('<a><b xmlns:p="urn:p"><c></c></b></a>')
    expect(canonicalize(d.documentElement!, EXCLUSIVE)).toBe('<a><b><c></c></b></a>')
  })

  it('has no effect on inclusive C14N', () => {
    expect(canonicalize(e, { ...INCLUSIVE, inclusiveNamespacePrefixes: ['xs'] })).toBe(canonicalize(e, INCLUSIVE))
  })
})

describe('xml:* attributes', () => {
  const doc = parseXml('<a xml:lang="fr" xml:space="preserve" xml:base="http://x/"><b xml:lang="en"><c xml:lang="de"/><d/></b></a>')

  it("inclusive C14N 1.0 (§2.4) copies the nearest ancestors' xml:* attributes into the apex only", () => {
    expect(canonicalize(byTag(doc, 'd'), INCLUSIVE)).toBe('<d xml:base="http://x/" xml:lang="en" xml:space="preserve"></d>')
    expect(canonicalize(byTag(doc, 'c'), INCLUSIVE)).toBe('<c xml:base="http://x/" xml:lang="de" xml:space="preserve"></c>')
    expect(canonicalize(byTag(doc, 'b'), INCLUSIVE)).toBe('<b xml:base="http://x/" xml:lang="en" xml:space="preserve"><c xml:lang="de"></c><d></d></b>')
  })

  it('exclusive C14N does not inherit them', () => {
    expect(canonicalize(byTag(doc, 'd'), EXCLUSIVE)).toBe('<d></d>')
    expect(canonicalize(byTag(doc, 'b'), EXCLUSIVE)).toBe('<b xml:lang="en"><c xml:lang="de"></c><d></d></b>')
  })
})

describe('attributes, text and escaping', () => {
  it('sorts namespace declarations by prefix, then attributes by namespace URI and local name', () => {
    const doc = parseXml('<e xmlns:z="urn:a" xmlns:a="urn:z" xmlns="urn:d" a:x="1" z:x="2" b="3" a="4" z:a="5"/>')
    expect(canonicalize(doc, INCLUSIVE)).toBe('<e xmlns="urn:d" xmlns:a="urn:z" xmlns:z="urn:a" a="4" b="3" z:a="5" z:x="2" a:x="1"></e>')
  })

  it('orders by code point, not UTF-16 unit (U+FDF0 before U+10000)', () => {
    const doc = parseXml('<e a\u{10000}="2" a\uFDF0="1"/>')
    expect(canonicalize(doc, INCLUSIVE)).toBe('<e a\uFDF0="1" a\u{10000}="2"></e>')
  })

  it('escapes & < > and CR in text; keeps quotes and TAB/LF literal', () => {
    const doc = parseXml('<a>&amp; &lt; &gt; " \' &#13; &#9; &#10;</a>')
    expect(canonicalize(doc, INCLUSIVE)).toBe('<a>&amp; &lt; &gt; " \' &#xD; \t \n</a>')
  })

  it('escapes & < " TAB LF CR in attribute values; keeps > and \' literal', () => {
    const doc = parseXml('<a v="&amp; &lt; &gt; &quot; \' &#9; &#10; &#13;"/>')
    expect(canonicalize(doc, INCLUSIVE)).toBe('<a v="&amp; &lt; > &quot; \' &#x9; &#xA; &#xD;"></a>')
  })

  it('replaces CDATA sections by their escaped text', () => {
    expect(canonicalize(parseXml('<a><![CDATA[<b>&amp;]]></a>'), EXCLUSIVE)).toBe('<a>&lt;b&gt;&amp;amp;</a>')
  })

  it('renders empty elements as start/end tag pairs and keeps non-ASCII text as is', () => {
    expect(canonicalize(parseXml('<a><b/><c></c>Zoë \u{1F600}</a>'), EXCLUSIVE)).toBe('<a><b></b><c></c>Zoë \u{1F600}</a>')
  })
})

describe('comments', () => {
  const doc = parseXml('<!--before--><a><!-- x --><b>alice<!---->@example.com</b></a><!--after-->')

  it('drops comments without WithComments', () => {
    expect(canonicalize(doc, INCLUSIVE)).toBe('<a><b>alice@example.com</b></a>')
    expect(canonicalize(doc, EXCLUSIVE)).toBe('<a><b>alice@example.com</b></a>')
  })

  it('keeps them with WithComments, document-level ones separated by LF (§2.1)', () => {
    const expected = '<!--before-->\n<a><!-- x --><b>alice<!---->@example.com</b></a>\n<!--after-->'
    expect(canonicalize(doc, INCLUSIVE_WITH_COMMENTS)).toBe(expected)
    expect(canonicalize(doc, EXCLUSIVE_WITH_COMMENTS)).toBe(expected)
  })

  it('an element subtree has no document-level comments', () => {
    expect(canonicalize(doc.documentElement!, EXCLUSIVE_WITH_COMMENTS)).toBe('<a><!-- x --><b>alice<!---->@example.com</b></a>')
  })
})

describe('enveloped-signature exclusion by identity', () => {
  const ds = NS.ds
  const doc = parseXml(
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="r">` +
      `<ds:Signature xmlns:ds="${ds}"><ds:SignedInfo>outer</ds:SignedInfo></ds:Signature>` +
      `<saml:Assertion ID="a"><ds:Signature xmlns:ds="${ds}"><ds:SignedInfo>decoy</ds:SignedInfo></ds:Signature>` +
      `<saml:Subject>s</saml:Subject></saml:Assertion>` +
      `<ds:Signature xmlns:ds="${ds}"><ds:SignedInfo>outer</ds:SignedInfo></ds:Signature>` +
      `</samlp:Response>`,
  )
  const root = doc.documentElement!
  const signatures = doc.getElementsByTagNameNS(ds, 'Signature')
  const [first, decoy, twin] = [signatures[0]!, signatures[1]!, signatures[2]!]

  it('removes exactly the given Signature, keeping a nested decoy and an identical twin', () => {
    const out = canonicalize(root, { ...EXCLUSIVE, excludeElement: first })
    expect(out).toBe(
      `<samlp:Response xmlns:samlp="${NS.samlp}" ID="r">` +
        `<saml:Assertion xmlns:saml="${NS.saml}" ID="a"><ds:Signature xmlns:ds="${ds}"><ds:SignedInfo>decoy</ds:SignedInfo></ds:Signature>` +
        `<saml:Subject>s</saml:Subject></saml:Assertion>` +
        `<ds:Signature xmlns:ds="${ds}"><ds:SignedInfo>outer</ds:SignedInfo></ds:Signature>` +
        `</samlp:Response>`,
    )
    expect(canonicalize(root, { ...EXCLUSIVE, excludeElement: twin })).not.toBe(out)
    expect(canonicalize(root, { ...EXCLUSIVE, excludeElement: twin })).toContain('outer')
    expect(canonicalize(root, { ...EXCLUSIVE, excludeElement: decoy })).not.toContain('decoy')
  })

  it('removes nothing when the excluded element is outside the subtree', () => {
    const assertion = byTag(doc, 'saml:Assertion')
    expect(canonicalize(assertion, { ...EXCLUSIVE, excludeElement: first })).toBe(canonicalize(assertion, EXCLUSIVE))
  })

  it('renders nothing when the apex itself is excluded', () => {
    expect(canonicalize(decoy, { ...INCLUSIVE, excludeElement: decoy })).toBe('')
  })

  it('restores the namespace context after the excluded subtree', () => {
    const d = parseXml('<a xmlns:p="urn:p"><p:x/><p:y/></a>')
    const x = byTag(d, 'p:x')
    expect(canonicalize(d, { ...EXCLUSIVE, excludeElement: x })).toBe('<a><p:y xmlns:p="urn:p"></p:y></a>')
  })
})

describe('robustness', () => {
  it('handles nesting far deeper than any recursion limit (iterative walk)', () => {
    const depth = 20_000
    const doc = load('<a>'.repeat(depth) + 'x' + '</a>'.repeat(depth))
    expect(canonicalize(doc, EXCLUSIVE)).toBe('<a>'.repeat(depth) + 'x' + '</a>'.repeat(depth))
  })

  it('does not modify the DOM', () => {
    const doc = parseXml('<a xmlns:p="urn:p" xml:lang="en"><p:b/><!--c--></a>')
    const before = canonicalize(doc, INCLUSIVE_WITH_COMMENTS)
    canonicalize(doc.documentElement!.firstChild as Element, INCLUSIVE)
    canonicalize(doc, { ...EXCLUSIVE, excludeElement: doc.documentElement!.firstChild as Element })
    expect(canonicalize(doc, INCLUSIVE_WITH_COMMENTS)).toBe(before)
  })
})

describe('C14N_ALGORITHMS', () => {
  it('maps exactly the four C14N 1.0 URIs', () => {
    expect(Object.keys(C14N_ALGORITHMS).sort()).toEqual([
      'http://www.w3.org/2001/10/xml-exc-c14n#',
      'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
      'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
      'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
    ])
    expect(C14N_ALGORITHMS['http://www.w3.org/2001/10/xml-exc-c14n#']).toEqual({ exclusive: true, withComments: false })
    expect(C14N_ALGORITHMS['http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments']).toEqual({ exclusive: false, withComments: true })
  })

  it('finds nothing for C14N 1.1 or Object.prototype member names', () => {
    for (const uri of ['http://www.w3.org/2006/12/xml-c14n11', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(C14N_ALGORITHMS[uri]).toBeUndefined()
    }
    expect(Object.isFrozen(C14N_ALGORITHMS)).toBe(true)
  })
})
