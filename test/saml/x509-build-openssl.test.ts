// Plain Node: OpenSSL, an independent X.509 implementation, reads and verifies the SP
// certificates we build. Without the openssl CLI these tests skip locally but FAIL under CI.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportPKCS8 } from 'jose'
import { createSelfSignedCertificate } from '../../src/saml/x509-build'

const hasOpenssl = spawnSync('openssl', ['version']).status === 0
// Locally a missing openssl skips; under CI it must fail, never silently pass.
const itOpenssl = hasOpenssl || process.env.CI ? it : it.skip

function openssl(...args: string[]): string {
  const result = spawnSync('openssl', args, { encoding: 'utf8' })
  if (result.error) throw result.error
  if (result.status !== 0) throw new Error(`openssl ${args[0]} exited with ${result.status}: ${result.stderr}`)
  return result.stdout
}

let dir: string
let certPath: string
let keyPath: string
let farCertPath: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sp-cert-'))
  const keyPair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair
  const base = {
    keyPair,
    subjectCommonName: 'support.example.com',
    notBefore: new Date('2026-11-26T00:00:00Z'),
    serialNumber: Uint8Array.from({ length: 16 }, (_, i) => 0xf0 + i),
  }
  certPath = join(dir, 'cert.pem')
  keyPath = join(dir, 'key.pem')
  farCertPath = join(dir, 'far.pem')
  writeFileSync(certPath, await createSelfSignedCertificate({ ...base, notAfter: new Date('2036-11-26T00:00:00Z') }))
  writeFileSync(farCertPath, await createSelfSignedCertificate({ ...base, notAfter: new Date('2056-11-26T00:00:00Z') }))
  writeFileSync(keyPath, await exportPKCS8(keyPair.privateKey))
})

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('SP certificates read by openssl', () => {
  itOpenssl('prints v3, sha256WithRSAEncryption, RSA-2048, the subject, validity and extensions', () => {
    const text = openssl('x509', '-in', certPath, '-noout', '-text')
    expect(text).toContain('Version: 3 (0x2)')
    expect(text).toMatch(/Serial Number:\s+f0:f1:f2:f3:f4:f5:f6:f7:f8:f9:fa:fb:fc:fd:fe:ff\n/)
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption')
    expect(text).toMatch(/Issuer: CN ?= ?support\.example\.com/)
    expect(text).toMatch(/Subject: CN ?= ?support\.example\.com/)
    expect(text).toContain('Not Before: Nov 26 00:00:00 2026 GMT')
    expect(text).toContain('Not After : Nov 26 00:00:00 2036 GMT')
    expect(text).toContain('Public-Key: (2048 bit)')
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/)
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/)
  })

  itOpenssl('verifies as self-signed (openssl verify -CAfile cert.pem cert.pem)', () => {
    const at = String(Date.parse('2027-06-01T00:00:00Z') / 1000)
    expect(openssl('verify', '-attime', at, '-CAfile', certPath, certPath)).toBe(`${certPath}: OK\n`)
    expect(openssl('verify', '-attime', at, '-CAfile', farCertPath, farCertPath)).toBe(`${farCertPath}: OK\n`)
  })

  itOpenssl('reads a notAfter from 2050 on as GeneralizedTime', () => {
    expect(openssl('x509', '-in', farCertPath, '-noout', '-enddate')).toBe('notAfter=Nov 26 00:00:00 2056 GMT\n')
  })

  itOpenssl('reads the exported PKCS#8 key, whose public half is the certificate key', () => {
    const fromKey = openssl('pkey', '-in', keyPath, '-pubout')
    const fromCert = openssl('x509', '-in', certPath, '-noout', '-pubkey')
    expect(fromKey).toContain('BEGIN PUBLIC KEY')
    expect(fromKey).toBe(fromCert)
  })
})
