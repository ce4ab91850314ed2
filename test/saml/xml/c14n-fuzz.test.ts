// Differential fuzzing of our C14N against libxml2 (issue 15): fast-check generates XML documents
// with namespaces (prefixed, default, redeclared, undeclared), attributes in any order, character
// and entity references, whitespace, comments and CDATA; each must canonicalize byte for byte as
// `xmllint --c14n` and `--exc-c14n` do. `npm test` runs a fixed seed; `npm run fuzz` runs long
// (FUZZ_RUNS, FUZZ_SEED). A counterexample found becomes a case in c14n-xmllint.test.ts.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { canonicalize } from '../../../src/saml/xml/c14n'
import { parseXml } from '../../../src/saml/xml/parse'

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)
const SEED = Number(process.env.FUZZ_SEED ?? 20261204)
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0
const itXmllint = hasXmllint || process.env.CI ? it : it.skip
const scratch = mkdtempSync(join(tmpdir(), 'c14n-fuzz-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

let n = 0
function xmllint(mode: '--c14n' | '--exc-c14n', xml: string): string {
  const path = join(scratch, `doc-${++n}.xml`)
  writeFileSync(path, xml)
  const r = spawnSync('xmllint', ['--nonet', mode, path])
  if (r.status !== 0) throw new Error(`xmllint ${mode} refused a generated document: ${r.stderr.toString()}\n${xml}`)
  return r.stdout.toString('utf8')
}

const PREFIXES = ['a', 'b', 'ds'] as const
const URIS = ['urn:a', 'urn:b', 'http://www.w3.org/2000/09/xmldsig#', 'urn:x:y'] as const

/** Text as it may be written: plain characters, references, entities, whitespace (no CR: see below). */
const text = fc
  .array(
    fc.oneof(
      fc.constantFrom('x', 'Zürich', ' ', '\t', '\n', '  \n  ', '>', '"', "'", 'é', '😀', ']]', '-'),
      fc.constantFrom('&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#65;', '&#x3C;', '&#x1F600;', '&#9;', '&#xD;', '&#13;'),
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''))

const attrValue = fc
  .array(fc.oneof(fc.constantFrom('v', ' ', '\t', '\n', '>', "'", 'ü', '1.0'), fc.constantFrom('&amp;', '&lt;', '&quot;', '&#9;', '&#10;', '&#xD;')), {
    maxLength: 5,
  })
  .map((p) => p.join(''))

interface Node {
  kind: 'element'
  prefix: (typeof PREFIXES)[number] | null
  decls: { prefix: string | null; uri: string }[]
  attrs: { prefix: (typeof PREFIXES)[number] | null; name: string; value: string }[]
  children: Child[]
}
type Child = Node | { kind: 'text'; value: string } | { kind: 'comment'; value: string } | { kind: 'cdata'; value: string }

const element: fc.Memo<Node> = fc.memo((depth) =>
  fc.record({
    kind: fc.constant('element' as const),
    prefix: fc.option(fc.constantFrom(...PREFIXES), { nil: null }),
    decls: fc.array(fc.record({ prefix: fc.option(fc.constantFrom(...PREFIXES), { nil: null }), uri: fc.constantFrom(...URIS) }), { maxLength: 3 }),
    attrs: fc.array(
      fc.record({ prefix: fc.option(fc.constantFrom(...PREFIXES), { nil: null }), name: fc.constantFrom('id', 'b', 'z', 'Algorithm', 'a1'), value: attrValue }),
      { maxLength: 4 },
    ),
    children:
      depth <= 1
        ? fc.array(fc.oneof(text.map((value) => ({ kind: 'text' as const, value }))), { maxLength: 2 })
        : fc.array(
            fc.oneof(
              { weight: 3, arbitrary: element(depth - 1) as fc.Arbitrary<Child> },
              text.map((value) => ({ kind: 'text' as const, value })),
              fc.constantFrom(' c ', '', 'x-y').map((value) => ({ kind: 'comment' as const, value })),
              fc.constantFrom('a<b&c', ']] >', '').map((value) => ({ kind: 'cdata' as const, value })),
            ),
            { maxLength: 4 },
          ),
  }),
)

/**
 * Serializes a generated tree into a namespace-well-formed document: every prefix used is declared
 * (on the element itself when no ancestor did), duplicate declarations and attributes are dropped,
 * so both parsers accept it and the comparison is about canonicalization alone.
 */
function serialize(node: Node, inScope: Map<string, string>): string {
  const scope = new Map(inScope)
  const decls = new Map<string, string>()
  for (const d of node.decls) if (!decls.has(d.prefix ?? '')) decls.set(d.prefix ?? '', d.uri)
  for (const p of [node.prefix, ...node.attrs.map((a) => a.prefix)]) if (p && !scope.has(p) && !decls.has(p)) decls.set(p, 'urn:auto:' + p)
  for (const [p, uri] of decls) scope.set(p, uri)
  const name = node.prefix ? `${node.prefix}:e` : 'e'
  const seen = new Set<string>()
  const attrs = node.attrs.filter((a) => {
    const key = `${a.prefix ? scope.get(a.prefix) : ''}|${a.name}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  const declText = [...decls].map(([p, uri]) => (p ? ` xmlns:${p}="${uri}"` : ` xmlns="${uri}"`)).join('')
  const attrText = attrs.map((a) => ` ${a.prefix ? `${a.prefix}:` : ''}${a.name}="${a.value.replace(/"/g, '&quot;').replace(/</g, '&lt;')}"`).join('')
  const body = node.children
    .map((c) =>
      c.kind === 'element'
        ? serialize(c, scope)
        : c.kind === 'text'
          ? c.value.replace(/</g, '&lt;').replace(/>/g, '&gt;')
          : c.kind === 'comment'
            ? `<!--${c.value}-->`
            : `<![CDATA[${c.value}]]>`,
    )
    .join('')
  return `<${name}${declText}${attrText}>${body}</${name}>`
}

const documents = element(4).map((root) => `<?xml version="1.0" encoding="UTF-8"?>\n${serialize(root, new Map())}\n<!-- after -->`)

describe('C14N against xmllint on generated documents', () => {
  itXmllint(
    `agrees byte for byte, inclusive and exclusive (${RUNS} documents, seed ${SEED})`,
    () => {
      fc.assert(
        fc.property(documents, (xml) => {
          const doc = parseXml(xml)
          expect(canonicalize(doc, { exclusive: false, withComments: true })).toBe(xmllint('--c14n', xml))
          expect(canonicalize(doc, { exclusive: true, withComments: true })).toBe(xmllint('--exc-c14n', xml))
        }),
        { numRuns: RUNS, seed: SEED },
      )
    },
    30_000 + RUNS * 80,
  )
})
