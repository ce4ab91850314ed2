// Reads the shared interop corpus (real IdP messages, certificates, keys) for table-driven tests.
// Node-only (node:fs): the corpus lives outside the repo, next to it in ../shared/interop.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join, resolve } from 'node:path'

/** SAML_INTEROP_DIR, else <repo>/../shared/interop. */
export const interopDir: string = process.env.SAML_INTEROP_DIR ?? resolve(fileURLToPath(new URL('../..', import.meta.url)), '..', 'shared', 'interop')

/** A corpus file as UTF-8 text; paths are relative to the corpus folder, as in manifest.json. */
export function readInterop(relPath: string): string {
  return readFileSync(join(interopDir, relPath), 'utf8')
}

/** A corpus file as bytes (for base64-encoding a response exactly as published). */
export function readInteropBytes(relPath: string): Uint8Array {
  return new Uint8Array(readFileSync(join(interopDir, relPath)))
}

/** One response case; only the fields tests commonly use are typed, the rest stay loose. */
export interface InteropCase {
  id: string
  file: string
  fileBase64AsPublished?: string
  verdict: 'valid' | 'invalid'
  errorCode?: string
  decryptionKeys?: string[]
  encryptedAssertion?: { dataAlgorithm: string; keyTransport: string[]; spPrivateKey: string } | null
  expected?: Record<string, unknown>
  idp: { entityId: string; certificates: string[] }
  [field: string]: unknown
}

export interface InteropCertificate {
  file: string
  subject: string
  issuer: string
  notBefore: string
  notAfter: string
  key: string
  sha1: string
  sha256: string
  [field: string]: unknown
}

export interface InteropManifest {
  responses: InteropCase[]
  certificates: Record<string, InteropCertificate>
  keys: Record<string, { file: string; [field: string]: unknown }>
  metadata: Array<Record<string, unknown>>
  [field: string]: unknown
}

let manifest: InteropManifest | undefined

/** manifest.json, parsed once. */
export function loadManifest(): InteropManifest {
  manifest ??= JSON.parse(readInterop('manifest.json')) as InteropManifest
  return manifest
}
