// The gateway's SP signing key (sso/signing-key.ts): made once, named after this host, and the
// imported private key matches the certificate an IdP is given.
import { describe, expect, it } from 'vitest'
import { importCertificateVerifyKey, lookupSignature, verifySignatureValue } from '../../src/saml/dsig/algorithms'
import { RSA_SHA256_URI } from '../../src/saml/bindings'
import { parseCertificate } from '../../src/saml/x509'
import { signingKey } from '../../src/sso/signing-key'
import { testContext } from '../helpers/context'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'

async function verifiesWith(certificatePem: string, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  const sig = lookupSignature(RSA_SHA256_URI)
  return verifySignatureValue(sig, await importCertificateVerifyKey(parseCertificate(certificatePem), sig), signature, data)
}

describe('signingKey', () => {
  it('is created on first use and the same key afterwards', async () => {
    const first = await signingKey(testContext())
    const again = await signingKey(testContext())
    expect(again.id).toBe(first.id)
    expect(again.certificatePem).toBe(first.certificatePem)
  })

  it('signs RSA-SHA256 that its certificate verifies (and another certificate does not)', async () => {
    const key = await signingKey(testContext())
    expect(key.privateKey.algorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } })
    const data = new TextEncoder().encode('SAMLRequest=abc&SigAlg=x')
    const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key.privateKey, data))
    expect(await verifiesWith(key.certificatePem, signature, data)).toBe(true)
    expect(await verifiesWith(TEST_IDP_CERT, signature, data)).toBe(false)
  })

  it('has a certificate named after the gateway host, valid now', async () => {
    const now = new Date()
    const cert = parseCertificate((await signingKey(testContext())).certificatePem)
    expect(cert.subject).toContain('CN=support.example.com')
    expect(cert.keyType).toBe('RSA')
    expect(cert.notBefore.getTime()).toBeLessThanOrEqual(now.getTime())
    expect(cert.notAfter.getTime()).toBeGreaterThan(now.getTime())
  })
})
