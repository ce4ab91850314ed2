import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createSelfSignedCertificate } from '../../src/saml/x509-build'
import { parseCertificate } from '../../src/saml/x509'

async function makeCert(notAfter: Date) {
  const keyPair = (await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const serialNumber = new Uint8Array(16).fill(0xff)
  return createSelfSignedCertificate({ keyPair, subjectCommonName: 'support.example.com', notBefore: new Date('2026-11-26T00:00:00Z'), notAfter, serialNumber })
}

describe('self-signed SP certificates', () => {
  it('parse with our reader (subject, validity, RSA-2048, positive serial)', async () => {
    const cert = parseCertificate(await makeCert(new Date('2036-11-26T00:00:00Z')))
    expect(cert.subject).toBe('CN=support.example.com')
    expect(cert.issuer).toBe('CN=support.example.com')
    expect(cert.notAfter.toISOString()).toBe('2036-11-26T00:00:00.000Z')
    expect(cert.rsaModulusBits).toBe(2048)
    expect(cert.serialNumberHex).toMatch(/^7f/i)
  })

  it('use GeneralizedTime from 2050 on (RFC 5280)', async () => {
    expect(parseCertificate(await makeCert(new Date('2056-01-01T00:00:00Z'))).notAfter.toISOString()).toBe('2056-01-01T00:00:00.000Z')
  })

  it('verify with openssl as self-signed, with CA:false and the key usages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-cert-'))
    try {
      const path = join(dir, 'cert.pem')
      writeFileSync(path, await makeCert(new Date('2036-11-26T00:00:00Z')))
      expect(execFileSync('openssl', ['verify', '-CAfile', path, path]).toString()).toContain('OK')
      const text = execFileSync('openssl', ['x509', '-in', path, '-noout', '-text']).toString()
      expect(text).toContain('CA:FALSE')
      expect(text).toContain('Digital Signature, Key Encipherment')
      expect(text).toContain('sha256WithRSAEncryption')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
