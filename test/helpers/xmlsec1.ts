// xmlsec1 (the XML-DSig reference implementation) as an outside check of what we sign.
// Node-only (node:child_process). Without xmlsec1 the checks skip locally but FAIL under CI.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'vitest'

export const hasXmlsec1 = spawnSync('xmlsec1', ['--version']).status === 0

/** `it` when xmlsec1 is installed or CI is set (where its absence must fail), else `it.skip`. */
export const itXmlsec1 = hasXmlsec1 || process.env.CI ? it : it.skip

/**
 * Verify the first ds:Signature of `xml` with `certPem` only: `--enabled-key-data key-name`
 * keeps xmlsec1 from taking a key out of KeyInfo. `idAttrs` are `ns:LocalName` pairs whose `ID`
 * attribute is an XML ID (SAML does not use xml:id).
 */
export function xmlsec1Verify(xml: string, certPem: string, idAttrs: readonly string[]): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'xmlsec1-'))
  try {
    const cert = join(dir, 'cert.pem')
    const file = join(dir, 'doc.xml')
    writeFileSync(cert, certPem)
    writeFileSync(file, xml)
    const args = ['--verify', '--enabled-key-data', 'key-name', '--enabled-reference-uris', 'empty,same-doc', '--pubkey-cert-pem', cert]
    for (const id of idAttrs) args.push('--id-attr:ID', id)
    const r = spawnSync('xmlsec1', [...args, file], { encoding: 'utf8' })
    return { ok: r.status === 0, output: `${r.error ?? ''}${r.stdout}${r.stderr}` }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
