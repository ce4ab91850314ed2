// Test helper (Node): validates XML against the OASIS SAML 2.0 schemas with xmllint, the way an
// outside party checks our documents. The schemas come from Debian's opensaml-schemas and
// xmltooling-schemas (installed by .ci/run); a local catalog maps the W3C schema URLs the SAML
// schemas import to those files, and --nonet keeps xmllint off the network.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const OPENSAML = '/usr/share/xml/opensaml'
const XMLTOOLING = '/usr/share/xml/xmltooling'
const SCHEMAS = { metadata: 'saml-schema-metadata-2.0.xsd', protocol: 'saml-schema-protocol-2.0.xsd' } as const

export const hasSamlSchemas = existsSync(join(OPENSAML, SCHEMAS.metadata)) && existsSync(join(XMLTOOLING, 'xmldsig-core-schema.xsd'))

const W3C: [string, string][] = [
  ['http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd', 'xmldsig-core-schema.xsd'],
  ['http://www.w3.org/TR/2002/REC-xmlenc-core-20021210/xenc-schema.xsd', 'xenc-schema.xsd'],
  ['http://www.w3.org/2001/xml.xsd', 'xml.xsd'],
]

/** Whether `xml` is valid under the SAML 2.0 `kind` schema, with xmllint's messages. */
export function validateSamlSchema(xml: string, kind: keyof typeof SCHEMAS): { ok: boolean; output: string } {
  if (!hasSamlSchemas) throw new Error('the SAML schemas are missing: apt-get install opensaml-schemas xmltooling-schemas')
  const dir = mkdtempSync(join(tmpdir(), 'saml-schema-'))
  try {
    const entries = W3C.map(
      ([url, file]) => `<system systemId="${url}" uri="file://${XMLTOOLING}/${file}"/><uri name="${url}" uri="file://${XMLTOOLING}/${file}"/>`,
    ).join('')
    writeFileSync(join(dir, 'catalog.xml'), `<?xml version="1.0"?><catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">${entries}</catalog>`)
    writeFileSync(join(dir, 'doc.xml'), xml)
    try {
      const out = execFileSync('xmllint', ['--noout', '--nonet', '--schema', join(OPENSAML, SCHEMAS[kind]), join(dir, 'doc.xml')], {
        env: { ...process.env, XML_CATALOG_FILES: join(dir, 'catalog.xml') },
        stdio: 'pipe',
      })
      return { ok: true, output: out.toString() }
    } catch (err) {
      const e = err as { stderr?: Buffer }
      return { ok: false, output: e.stderr?.toString() ?? String(err) }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
