// The gateway's signing keys (sso/signing-key.ts), one per role: made once, named after this
// host, the imported private key matches the certificate its relying parties are given, and no
// role's signature verifies with another role's certificate.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { importCertificateVerifyKey, lookupSignature, verifySignatureValue } from '../../src/saml/dsig/algorithms'
import { RSA_SHA256_URI } from '../../src/saml/bindings'
import { parseCertificate } from '../../src/saml/x509'
import { activateSpKey, stageSpKey } from '../../src/admin/keys'
import { signingKey, type SigningRole } from '../../src/sso/signing-key'
import { testContext } from '../helpers/context'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'

async function verifiesWith(certificatePem: string, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  const sig = lookupSignature(RSA_SHA256_URI)
  return verifySignatureValue(sig, await importCertificateVerifyKey(parseCertificate(certificatePem), sig), signature, data)
}

describe('signingKey', () => {
  it('is created on first use and the same key afterwards', async () => {
    const first = await signingKey(testContext(), 'signing')
    const again = await signingKey(testContext(), 'signing')
    expect(again.id).toBe(first.id)
    expect(again.certificatePem).toBe(first.certificatePem)
  })

  it('signs RSA-SHA256 that its certificate verifies (and another certificate does not)', async () => {
    const key = await signingKey(testContext(), 'signing')
    expect(key.privateKey.algorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } })
    const data = new TextEncoder().encode('SAMLRequest=abc&SigAlg=x')
    const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key.privateKey, data))
    expect(await verifiesWith(key.certificatePem, signature, data)).toBe(true)
    expect(await verifiesWith(TEST_IDP_CERT, signature, data)).toBe(false)
  })

  it('has a certificate named after the gateway host, valid now', async () => {
    const now = new Date()
    const cert = parseCertificate((await signingKey(testContext(), 'signing')).certificatePem)
    expect(cert.subject).toContain('CN=support.example.com')
    expect(cert.keyType).toBe('RSA')
    expect(cert.notBefore.getTime()).toBeLessThanOrEqual(now.getTime())
    expect(cert.notAfter.getTime()).toBeGreaterThan(now.getTime())
  })
})

// Issue 11 item 10: one RSA key signed SP requests, broker assertions, signed metadata and
// Freshworks tokens; a leak or a rollover of one was a leak or a rollover of all.
describe('one key per role', () => {
  const ROLES: SigningRole[] = ['signing', 'broker', 'metadata', 'freshworks']

  it("gives each role its own key pair: a signature by one never verifies with another role's certificate", async () => {
    const keys = await Promise.all(ROLES.map((role) => signingKey(testContext(), role)))
    expect(new Set(keys.map((k) => k.id)).size).toBe(ROLES.length)
    expect(new Set(keys.map((k) => k.certificatePem)).size).toBe(ROLES.length)
    expect(keys.map((k) => k.id.slice(0, 6))).toEqual(['spk_s_', 'spk_b_', 'spk_m_', 'spk_f_'])
    const data = new TextEncoder().encode('<Assertion/>')
    for (const [i, key] of keys.entries()) {
      const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key.privateKey, data))
      for (const [j, other] of keys.entries()) expect(await verifiesWith(other.certificatePem, signature, data), `${ROLES[i]} by ${ROLES[j]}`).toBe(i === j)
    }
  })

  it('rolls one role over alone', async () => {
    const before = await Promise.all(ROLES.map((role) => signingKey(testContext(), role)))
    const admin = testContext({ actor: 'admin-token' })
    const staged = await stageSpKey(admin, 'freshworks')
    await activateSpKey(admin, 'freshworks')
    const after = await Promise.all(ROLES.map((role) => signingKey(testContext(), role)))
    expect(after.map((k) => k.id)).toEqual([before[0]!.id, before[1]!.id, before[2]!.id, staged.id])
  })
})

// Issue 15: importing an RSA private key on every signature was per-request work; the imported key
// is kept per isolate (saml/x509.ts importPrivateKey), and a rollover is still seen at once.
describe('imported signing keys', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it("imports a role's private key once per isolate, and the new key after a rollover", async () => {
    await signingKey(testContext(), 'metadata')
    const importKey = vi.spyOn(crypto.subtle, 'importKey')
    const pkcs8Imports = () => importKey.mock.calls.filter((call) => call[0] === 'pkcs8').length
    const first = await signingKey(testContext(), 'metadata')
    const again = await signingKey(testContext(), 'metadata')
    expect(again.privateKey).toBe(first.privateKey)
    expect(pkcs8Imports()).toBe(0)
    const admin = testContext({ actor: 'admin-token' })
    const staged = await stageSpKey(admin, 'metadata')
    await activateSpKey(admin, 'metadata')
    const rolled = await signingKey(testContext(), 'metadata')
    expect(rolled.id).toBe(staged.id)
    expect(rolled.privateKey).not.toBe(first.privateKey)
    expect(pkcs8Imports()).toBe(1)
    const data = new TextEncoder().encode('<EntityDescriptor/>')
    const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', rolled.privateKey, data))
    expect(await verifiesWith(rolled.certificatePem, signature, data)).toBe(true)
    expect(await verifiesWith(first.certificatePem, signature, data)).toBe(false)
  })
})
