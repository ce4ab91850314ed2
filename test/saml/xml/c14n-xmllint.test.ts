// Byte-for-byte comparison of our whole-document C14N 1.0 / exc-c14n (WithComments, which is
// what `xmllint --c14n` / `--exc-c14n` output) against libxml2, the reference behind xmlsec1:
// every real response of the interop corpus plus tricky inline documents.
// Node-only (node:child_process, node:fs). Without xmllint this skips locally but FAILS under CI.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { canonicalize } from '../../../src/saml/xml/c14n'
import { parseXml } from '../../../src/saml/xml/parse'
import { interopDir, loadManifest, readInterop } from '../../helpers/interop'

const hasXmllint = spawnSync('xmllint', ['--version']).status === 0
const itXmllint = hasXmllint || process.env.CI ? it : it.skip

const scratch = mkdtempSync(join(tmpdir(), 'c14n-xmllint-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** xmllint's canonical form (UTF-8) of the file at `path`. */
function xmllint(mode: '--c14n' | '--exc-c14n', path: string): string {
  const r = spawnSync('xmllint', ['--nonet', mode, path])
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`xmllint ${mode} failed: ${r.stderr.toString()}`)
  return r.stdout.toString('utf8')
}

function ours(xml: string, exclusive: boolean): string {
  return canonicalize(parseXml(xml), { exclusive, withComments: true })
}

describe('xmllint reference', () => {
  itXmllint('is installed (CI installs libxml2-utils; its absence fails there)', () => {
    expect(hasXmllint).toBe(true)
  })
})

describe('whole-document C14N equals xmllint on every interop response', () => {
  const cases = loadManifest().responses.filter((c) => c.file.endsWith('.xml'))

  it('finds the corpus', () => {
    expect(cases.length).toBeGreaterThan(60)
  })

  for (const c of cases) {
    if (c.errorCode === 'SAML_MALFORMED_XML') {
      // Not namespace-well-formed: nothing to canonicalize; the parser must refuse it.
      it(`${c.id}: refused by parseXml`, () => {
        expect(() => parseXml(readInterop(c.file))).toThrow(expect.objectContaining({ code: 'SAML_MALFORMED_XML' }))
      })
      continue
    }
    itXmllint(`${c.id}: inclusive and exclusive`, () => {
      const xml = readInterop(c.file)
      const path = join(interopDir, c.file)
      expect(ours(xml, false)).toBe(xmllint('--c14n', path))
      expect(ours(xml, true)).toBe(xmllint('--exc-c14n', path))
    })
  }
})

describe('whole-document C14N equals xmllint on tricky inline documents', () => {
  const docs: Record<string, string> = {
    'C14N §3.2 whitespace':
      '<doc>\n   <clean>   </clean>\n   <dirty>   A   B   </dirty>\n   <mixed>\n      A\n      <clean>   </clean>\n      B\n   </mixed>\n</doc>',
    'C14N §3.3 tags and namespaces (no DTD)':
      '<doc>\n<e1   />\n<e3   name = "elem3"   id="elem3"   />\n<e5 a:attr="out" b:attr="sorted" attr2="all" attr="I\'m"\n xmlns:b="http://www.ietf.org"\n xmlns:a="http://www.w3.org"\n xmlns="http://example.org"/>\n' +
      '<e6 xmlns="" xmlns:a="http://www.w3.org"><e7 xmlns="http://www.ietf.org"><e8 xmlns="" xmlns:a="http://www.w3.org"><e9 xmlns="" xmlns:a="http://www.ietf.org"/></e8></e7></e6>\n</doc>',
    'C14N §3.4 characters (no DTD)':
      '<doc>\n<text>First line&#x0d;&#10;Second line</text>\n<value>&#x32;</value>\n<compute><![CDATA[value>"0" && value<"10" ?"valid":"error"]]></compute>\n' +
      '<compute expr=\'value>"0" &amp;&amp; value&lt;"10" ?"valid":"error"\'>valid</compute>\n' +
      "<norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>\n<normNames attr='   A   &#x20;&#13;&#xa;&#9;   B   '/>\n</doc>",
    'CR LF and lone CR line ends': '<a b="x\r\ny">1\r\n2\r3&#13;</a>',
    'comments inside and around the root': '<!--before-->\n<a><!-- x --><b>alice<!---->@example.com</b></a>\n<!--after-->\n',
    'default namespace undeclared and redeclared': '<a xmlns="urn:a"><b xmlns=""><c xmlns=""/><d xmlns="urn:a"/></b><e xmlns="urn:a"/></a>',
    'prefix rebound deeper and used after an unused redeclaration': '<p:a xmlns:p="urn:1"><b xmlns:p="urn:2"><p:c/></b><p:d/></p:a>',
    'attribute order by namespace URI, not prefix': '<e xmlns:z="urn:a" xmlns:a="urn:z" xmlns="urn:d" a:x="1" z:x="2" b="3" a="4" z:a="5"/>',
    'xml:* attributes and explicit xml namespace':
      '<a xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="en" xml:space="preserve"><b xml:lang="fr"/></a>',
    'escaping in text and attributes': '<a v="&amp; &lt; &gt; &quot; \' &#9; &#10; &#13;">&amp; &lt; &gt; " \' &#13; &#9; &#10;<![CDATA[<b>&amp;]]></a>',
    'non-ASCII and astral characters': '<a n="Zoë \u{1F600}">Ünïcödé \u{1F600} \u2028 \u0085</a>',
    'attribute names ordered by code point': '<e a\u{10000}="2" a\uFDF0="1"/>',
  }
  for (const [name, xml] of Object.entries(docs)) {
    itXmllint(name, () => {
      const path = join(scratch, `${name.replace(/[^a-z0-9]+/gi, '-')}.xml`)
      writeFileSync(path, xml)
      expect(ours(xml, false)).toBe(xmllint('--c14n', path))
      expect(ours(xml, true)).toBe(xmllint('--exc-c14n', path))
    })
  }
})
