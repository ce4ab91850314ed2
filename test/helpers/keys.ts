// Test key pairs with self-signed certificates, generated once per test file with the openssl CLI
// (Node-only: node:child_process). Real keys make the attack tests use real signatures.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestKeyPair {
  kind: 'rsa' | 'ec'
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"). */
  privateKeyPem: string
  certificatePem: string
}

const cache = new Map<string, TestKeyPair>()

/**
 * A key pair and a certificate valid from now for 100 years. `name` distinguishes several pairs
 * of one kind (e.g. the IdP's key and an attacker's key); generated lazily, cached per process.
 */
export function testKeyPair(kind: 'rsa' | 'ec', name = 'idp'): TestKeyPair {
  const cacheKey = `${kind}/${name}`
  const cached = cache.get(cacheKey)
  if (cached) return cached
  const dir = mkdtempSync(join(tmpdir(), 'saml-keys-'))
  try {
    const keyPath = join(dir, 'key.pem')
    const certPath = join(dir, 'cert.pem')
    const keyArgs = kind === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
    execFileSync(
      'openssl',
      ['req', '-x509', ...keyArgs, '-nodes', '-sha256', '-days', '36500', '-subj', `/CN=${name}-${kind}.test`, '-keyout', keyPath, '-out', certPath],
      {
        stdio: 'pipe',
      },
    )
    const pair: TestKeyPair = { kind, privateKeyPem: readFileSync(keyPath, 'utf8'), certificatePem: readFileSync(certPath, 'utf8') }
    cache.set(cacheKey, pair)
    return pair
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** An RSA-OAEP (SHA-1, as real IdPs use) key pair for encrypted-assertion tests: WebCrypto-generated. */
export async function testEncryptionKeyPair(): Promise<{ publicKey: CryptoKey; privateKeyPem: string }> {
  const pair = (await crypto.subtle.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-1' }, true, [
    'encrypt',
    'decrypt',
  ])) as CryptoKeyPair
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer)
  const b64 = Buffer.from(pkcs8)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
  return { publicKey: pair.publicKey, privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n` }
}

/** Import a PKCS#8 PEM for signing with `hash` (RSASSA-PKCS1-v1_5 for RSA keys, ECDSA P-256 for EC). */
export async function signingKey(pair: TestKeyPair, hash: 'SHA-1' | 'SHA-256' = 'SHA-256'): Promise<CryptoKey> {
  const der = Buffer.from(pair.privateKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64')
  const algorithm = pair.kind === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash } : { name: 'ECDSA', namedCurve: 'P-256' }
  return crypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign'])
}
