import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { importCertificateVerifyKey, lookupSignature, verifySignatureValue } from '../../src/saml/dsig/algorithms'
import { importPrivateKey, parseCertificate } from '../../src/saml/x509'
import { activateNextSpKey, activeSpKey, decryptionKeys, listSpKeys, metadataCertificates, RETIRED_DECRYPTION_WINDOW_MS, stageNextSpKey } from '../../src/store/sp-keys'

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'

describe('SP keys', () => {
  it('creates a sealed RSA-2048 key with a self-signed certificate on first use, then reuses it', async () => {
    const now = new Date('2026-11-26T12:00:00Z')
    const first = await activeSpKey(env.DB, env.SSO_SECRET, 'signing', now, 'support.example.com')
    const again = await activeSpKey(env.DB, env.SSO_SECRET, 'signing', now, 'support.example.com')
    expect(again.id).toBe(first.id)
    const cert = parseCertificate(first.certificatePem)
    expect(cert.subject).toBe('CN=support.example.com')
    expect(cert.rsaModulusBits).toBe(2048)
    expect(cert.notAfter.getUTCFullYear()).toBe(2036)
    const row = await env.DB.prepare('SELECT private_key_sealed FROM sp_keys WHERE id = ?').bind(first.id).first<{ private_key_sealed: string }>()
    expect(row!.private_key_sealed).toMatch(/^v1\./)
    expect(row!.private_key_sealed).not.toContain('PRIVATE KEY')
    expect(JSON.stringify(await listSpKeys(env.DB))).not.toContain('PRIVATE KEY')
  })

  it("signs with the private key so that the certificate's key verifies it", async () => {
    const key = await activeSpKey(env.DB, env.SSO_SECRET, 'signing', new Date(), 'sp.test')
    const data = new TextEncoder().encode('SAMLRequest=abc&SigAlg=x')
    const privateKey = await importPrivateKey(key.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
    const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', privateKey, data))
    const sig = lookupSignature(RSA_SHA256)
    const verifyKey = await importCertificateVerifyKey(parseCertificate(key.certificatePem), sig)
    expect(await verifySignatureValue(sig, verifyKey, signature, data)).toBe(true)
  })

  it('cannot open a key under another SSO_SECRET', async () => {
    await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', new Date(), 'sp.test')
    await expect(activeSpKey(env.DB, `${env.SSO_SECRET}-rotated`, 'encryption', new Date(), 'sp.test')).rejects.toThrow()
  })

  it('rolls over: next is published beside active, activation retires the old key, which still decrypts for 30 days', async () => {
    const t0 = new Date('2027-01-01T00:00:00Z')
    const old = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', t0, 'sp.test')
    const next = await stageNextSpKey(env.DB, env.SSO_SECRET, 'encryption', t0, 'sp.test')
    expect(await metadataCertificates(env.DB, 'encryption')).toEqual(expect.arrayContaining([old.certificatePem, next.certificatePem]))
    expect((await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', t0, 'sp.test')).id).toBe(old.id)

    const t1 = new Date(t0.getTime() + 86_400_000)
    expect(await activateNextSpKey(env.DB, 'encryption', t1)).toBe(true)
    expect((await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', t1, 'sp.test')).id).toBe(next.id)
    expect(await metadataCertificates(env.DB, 'encryption')).not.toContain(old.certificatePem)
    expect(await decryptionKeys(env.DB, env.SSO_SECRET, t1)).toEqual(expect.arrayContaining([old.privateKeyPem, next.privateKeyPem]))
    const later = new Date(t1.getTime() + RETIRED_DECRYPTION_WINDOW_MS + 1000)
    const keys = await decryptionKeys(env.DB, env.SSO_SECRET, later)
    expect(keys).toContain(next.privateKeyPem)
    expect(keys).not.toContain(old.privateKeyPem)
    expect(await activateNextSpKey(env.DB, 'encryption', later)).toBe(false)
  })
})
