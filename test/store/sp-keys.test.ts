// workerd: SP key pairs in real D1 — first-use creation, sealing, concurrent creation, rollover
// (stage → activate) and which certificates are published and which keys still decrypt.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { importCertificateVerifyKey, lookupSignature, verifySignatureValue } from '../../src/saml/dsig/algorithms'
import { importPrivateKey, parseCertificate } from '../../src/saml/x509'
import {
  activateNextSpKey,
  activeSpKey,
  decryptionKeys,
  DEFAULT_SP_COMMON_NAME,
  listSpKeys,
  MAX_PRUNED_SP_KEYS,
  metadataCertificates,
  pruneRetiredSpKeys,
  RETIRED_DECRYPTION_WINDOW_MS,
  RETIRED_SIGNING_KEY_OVERLAP_MS,
  SP_CERT_BACKDATE_MS,
  spKeyCommonName,
  stageNextSpKey,
} from '../../src/store/sp-keys'

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
const T0 = new Date('2026-11-26T12:00:00.250Z')
const DAY_MS = 86_400_000
const CN = 'support.example.com'

interface Row {
  id: string
  use: string
  status: string
  algorithm: string
  private_key_sealed: string
  activated_at: number | null
  retired_at: number | null
  not_after: number
}

async function rows(): Promise<Row[]> {
  return (await env.DB.prepare('SELECT * FROM sp_keys ORDER BY created_at, id').all<Row>()).results
}

/** RSA-OAEP round trip: encrypt to the certificate, decrypt with a private key PEM. */
async function decrypts(certificatePem: string, privateKeyPem: string): Promise<boolean> {
  const publicKey = await crypto.subtle.importKey('spki', parseCertificate(certificatePem).spki, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt'])
  const ciphertext = await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, publicKey, new TextEncoder().encode('content encryption key'))
  const privateKey = await importPrivateKey(privateKeyPem, { name: 'RSA-OAEP', hash: 'SHA-256' })
  try {
    return new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, privateKey, ciphertext)) === 'content encryption key'
  } catch (error) {
    if (error instanceof DOMException) return false // wrong key: OperationError
    throw error
  }
}

/** The private key (of `keys`) that decrypts for `certificatePem`, by index, or -1. */
async function indexOfKeyFor(certificatePem: string, keys: string[]): Promise<number> {
  for (const [i, key] of keys.entries()) if (await decrypts(certificatePem, key)) return i
  return -1
}

/** Another isolate's view of the same database: same D1, but not the same binding object. */
function otherIsolate(d1: D1Database): D1Database {
  return new Proxy(d1, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

beforeEach(async () => {
  await env.DB.exec('DELETE FROM sp_keys')
})

describe('first use', () => {
  it('creates an active RSA-2048 key with a 10-year self-signed certificate, sealed at rest', async () => {
    const key = await activeSpKey(env.DB, env.SSO_SECRET, 'signing', T0, CN)
    expect(key.id).toMatch(/^spk_s_[0-9a-f]{16}$/)
    expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
    const cert = parseCertificate(key.certificatePem)
    expect(cert.subject).toBe('CN=support.example.com')
    expect(cert.issuer).toBe('CN=support.example.com')
    expect(cert.rsaModulusBits).toBe(2048)
    expect(cert.notBefore.getTime()).toBe(Math.floor((T0.getTime() - SP_CERT_BACKDATE_MS) / 1000) * 1000)
    expect(cert.notAfter.toISOString()).toBe('2036-11-26T12:00:00.000Z')

    const [row, ...more] = await rows()
    expect(more).toHaveLength(0)
    expect(row).toMatchObject({
      id: key.id,
      use: 'signing',
      status: 'active',
      algorithm: 'RSA-2048',
      activated_at: T0.getTime(),
      retired_at: null,
      not_after: cert.notAfter.getTime(),
    })
    expect(row!.private_key_sealed).toMatch(/^v1\./)
    expect(row!.private_key_sealed).not.toContain('PRIVATE KEY')
    // Not the PEM body either (PKCS#8 base64 of an RSA-2048 key starts with MIIE).
    expect(row!.private_key_sealed).not.toContain(key.privateKeyPem.split('\n')[1]!.slice(0, 32))
  })

  it('returns the same key on repeat use and creates no second one', async () => {
    const first = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN)
    const again = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', new Date(T0.getTime() + DAY_MS), 'other.example')
    expect(again).toEqual(first)
    expect(first.id).toMatch(/^spk_e_/)
    expect(await rows()).toHaveLength(1)
  })

  it('keeps signing and encryption keys apart', async () => {
    const signing = await activeSpKey(env.DB, env.SSO_SECRET, 'signing', T0, CN)
    const encryption = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN)
    expect(signing.id).not.toBe(encryption.id)
    expect(await metadataCertificates(env.DB, 'signing')).toEqual([signing.certificatePem])
    expect(await metadataCertificates(env.DB, 'encryption')).toEqual([encryption.certificatePem])
    expect(await decryptionKeys(env.DB, env.SSO_SECRET, T0)).toEqual([encryption.privateKeyPem])
  })

  it('creates one key for concurrent first use in one isolate', async () => {
    const keys = await Promise.all([1, 2, 3, 4].map(() => activeSpKey(env.DB, env.SSO_SECRET, 'signing', T0, CN)))
    expect(new Set(keys.map((k) => k.id)).size).toBe(1)
    expect(await rows()).toHaveLength(1)
  })

  it('creates one key when two isolates race: the loser stores nothing and uses the winner', async () => {
    const [a, b] = await Promise.all([
      activeSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN),
      activeSpKey(otherIsolate(env.DB), env.SSO_SECRET, 'encryption', T0, CN),
    ])
    expect(b).toEqual(a)
    expect(await rows()).toHaveLength(1)
  })

  it('with two active keys (an older race), uses the newest and keeps both published and decrypting', async () => {
    const older = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN)
    // A second active row, as a race before the guarded insert (or a manual restore) leaves it.
    const staged = await stageNextSpKey(env.DB, env.SSO_SECRET, 'encryption', new Date(T0.getTime() + 1000), CN)
    await env.DB.prepare("UPDATE sp_keys SET status = 'active', activated_at = created_at WHERE id = ?").bind(staged.id).run()
    const newest = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN)
    expect(newest.id).toBe(staged.id)
    expect(await metadataCertificates(env.DB, 'encryption')).toEqual([staged.certificatePem, older.certificatePem])
    expect(await decryptionKeys(env.DB, env.SSO_SECRET, T0)).toEqual([newest.privateKeyPem, older.privateKeyPem])
  })
})

describe('sealing', () => {
  it('cannot open a key under another SSO_SECRET, and does not replace it', async () => {
    const key = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN)
    const wrong = `${env.SSO_SECRET}-rotated`
    await expect(activeSpKey(env.DB, wrong, 'encryption', T0, CN)).rejects.toMatchObject({ name: 'SpKeySealError', keyId: key.id })
    await expect(decryptionKeys(env.DB, wrong, T0)).rejects.toMatchObject({ name: 'SpKeySealError' })
    expect((await rows()).map((r) => r.id)).toEqual([key.id])
    expect((await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN)).privateKeyPem).toBe(key.privateKeyPem)
  })

  it('lists keys for the admin console without any private material', async () => {
    await activeSpKey(env.DB, env.SSO_SECRET, 'signing', T0, CN)
    await stageNextSpKey(env.DB, env.SSO_SECRET, 'signing', new Date(T0.getTime() + 1000), CN)
    const sealed = (await rows()).map((r) => r.private_key_sealed)
    const listed = await listSpKeys(env.DB)
    expect(listed.map((k) => k.status)).toEqual(['next', 'active'])
    for (const key of listed) {
      expect(Object.keys(key).sort()).toEqual(['activatedAt', 'algorithm', 'certificatePem', 'createdAt', 'id', 'notAfter', 'retiredAt', 'status', 'use'])
      expect(key.createdAt).toBeInstanceOf(Date)
      expect(key.notAfter).toBeInstanceOf(Date)
    }
    const json = JSON.stringify(listed)
    expect(json).not.toContain('PRIVATE KEY')
    for (const s of sealed) expect(json).not.toContain(s)
  })
})

describe('using the keys', () => {
  it("signs with the private key so that the certificate's key verifies it", async () => {
    const key = await activeSpKey(env.DB, env.SSO_SECRET, 'signing', T0, CN)
    const data = new TextEncoder().encode('SAMLRequest=fZJNT8MwDIbv&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256')
    const privateKey = await importPrivateKey(key.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
    const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', privateKey, data))
    const sig = lookupSignature(RSA_SHA256)
    const verifyKey = await importCertificateVerifyKey(parseCertificate(key.certificatePem), sig)
    expect(await verifySignatureValue(sig, verifyKey, signature, data)).toBe(true)
    expect(await verifySignatureValue(sig, verifyKey, signature, new TextEncoder().encode('SAMLRequest=other'))).toBe(false)
  })

  it('decrypts with the encryption key what an IdP encrypts to its certificate (RSA-OAEP)', async () => {
    const key = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN)
    expect(await decrypts(key.certificatePem, key.privateKeyPem)).toBe(true)
  })

  it("names the certificate after the entity ID's host, or edge-sso-gateway", async () => {
    expect(spKeyCommonName('https://Support.Example.com/sso/metadata')).toBe('support.example.com')
    expect(spKeyCommonName('support.example.com:8443')).toBe('support.example.com')
    expect(spKeyCommonName('http://localhost:8787/sso/metadata')).toBe('localhost')
    expect(spKeyCommonName('urn:example:sp')).toBe(DEFAULT_SP_COMMON_NAME)
    expect(spKeyCommonName('')).toBe(DEFAULT_SP_COMMON_NAME)
    expect(spKeyCommonName(null)).toBe(DEFAULT_SP_COMMON_NAME)
    expect(spKeyCommonName(`https://${'a'.repeat(60)}.example.com/`)).toBe(DEFAULT_SP_COMMON_NAME)
    const key = await activeSpKey(env.DB, env.SSO_SECRET, 'signing', T0, 'urn:example:sp')
    expect(parseCertificate(key.certificatePem).subject).toBe('CN=edge-sso-gateway')
  })
})

describe('rollover', () => {
  it('publishes next beside active, activates it, and keeps the old key decrypting for 30 days', async () => {
    const old = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN)
    const tStage = new Date(T0.getTime() + DAY_MS)
    const next = await stageNextSpKey(env.DB, env.SSO_SECRET, 'encryption', tStage, CN)
    expect(next).not.toHaveProperty('privateKeyPem')
    expect(parseCertificate(next.certificatePem).rsaModulusBits).toBe(2048)

    // Staged: metadata has both (active first), the active key is unchanged, both decrypt.
    expect(await metadataCertificates(env.DB, 'encryption')).toEqual([old.certificatePem, next.certificatePem])
    expect((await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', tStage, CN)).id).toBe(old.id)
    const staged = await decryptionKeys(env.DB, env.SSO_SECRET, tStage)
    expect(staged).toHaveLength(2)
    expect(staged[0]).toBe(old.privateKeyPem)
    expect(await indexOfKeyFor(next.certificatePem, staged)).toBe(1)

    // Activated: next → active, old → retired; metadata drops the old certificate.
    const tActivate = new Date(T0.getTime() + 14 * DAY_MS)
    expect(await activateNextSpKey(env.DB, 'encryption', tActivate)).toBe(next.id)
    const current = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', tActivate, CN)
    expect(current.id).toBe(next.id)
    expect(current.certificatePem).toBe(next.certificatePem)
    expect(await metadataCertificates(env.DB, 'encryption')).toEqual([next.certificatePem])
    expect(await listSpKeys(env.DB)).toEqual([
      expect.objectContaining({ id: next.id, status: 'active', activatedAt: tActivate, retiredAt: null }),
      expect.objectContaining({ id: old.id, status: 'retired', activatedAt: T0, retiredAt: tActivate }),
    ])

    // IdPs with cached metadata still encrypt to the old certificate for a while.
    expect(await decryptionKeys(env.DB, env.SSO_SECRET, tActivate)).toEqual([current.privateKeyPem, old.privateKeyPem])
    const lastDay = new Date(tActivate.getTime() + RETIRED_DECRYPTION_WINDOW_MS - 1000)
    expect(await decryptionKeys(env.DB, env.SSO_SECRET, lastDay)).toEqual([current.privateKeyPem, old.privateKeyPem])
    const after = new Date(tActivate.getTime() + RETIRED_DECRYPTION_WINDOW_MS + 1000)
    expect(await decryptionKeys(env.DB, env.SSO_SECRET, after)).toEqual([current.privateKeyPem])

    // Nothing staged any more.
    expect(await activateNextSpKey(env.DB, 'encryption', after)).toBeNull()
    expect((await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', after, CN)).id).toBe(next.id)
  })

  it('replaces a staged key on restaging; the replaced one was published, so it still decrypts', async () => {
    const active = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN)
    const first = await stageNextSpKey(env.DB, env.SSO_SECRET, 'encryption', new Date(T0.getTime() + 1000), CN)
    const tRestage = new Date(T0.getTime() + DAY_MS)
    const second = await stageNextSpKey(env.DB, env.SSO_SECRET, 'encryption', tRestage, CN)
    expect(await metadataCertificates(env.DB, 'encryption')).toEqual([active.certificatePem, second.certificatePem])
    const keys = await decryptionKeys(env.DB, env.SSO_SECRET, tRestage)
    expect(keys).toHaveLength(3)
    expect(await indexOfKeyFor(second.certificatePem, keys)).toBe(1)
    expect(await indexOfKeyFor(first.certificatePem, keys)).toBe(2)
    expect(await activateNextSpKey(env.DB, 'encryption', tRestage)).toBe(second.id)
    expect((await rows()).map((r) => [r.id, r.status])).toEqual([
      [active.id, 'retired'],
      [first.id, 'retired'],
      [second.id, 'active'],
    ])
  })

  it('rolls signing keys the same way; signing keys never appear among decryption keys', async () => {
    const old = await activeSpKey(env.DB, env.SSO_SECRET, 'signing', T0, CN)
    const next = await stageNextSpKey(env.DB, env.SSO_SECRET, 'signing', T0, CN)
    expect(await metadataCertificates(env.DB, 'signing')).toEqual([old.certificatePem, next.certificatePem])
    expect(await activateNextSpKey(env.DB, 'signing', new Date(T0.getTime() + DAY_MS))).toBe(next.id)
    expect(await metadataCertificates(env.DB, 'signing')).toEqual([next.certificatePem])
    expect((await activeSpKey(env.DB, env.SSO_SECRET, 'signing', T0, CN)).id).toBe(next.id)
    expect(await decryptionKeys(env.DB, env.SSO_SECRET, T0)).toEqual([])
  })

  it('activation is a no-op without a staged key, and a racing second activation changes nothing', async () => {
    const active = await activeSpKey(env.DB, env.SSO_SECRET, 'signing', T0, CN)
    expect(await activateNextSpKey(env.DB, 'signing', T0)).toBeNull()
    expect((await rows()).map((r) => r.status)).toEqual(['active'])

    const next = await stageNextSpKey(env.DB, env.SSO_SECRET, 'signing', new Date(T0.getTime() + 1000), CN)
    const results = await Promise.all([activateNextSpKey(env.DB, 'signing', T0), activateNextSpKey(otherIsolate(env.DB), 'signing', T0)])
    expect(results.filter((r) => r === next.id)).toHaveLength(1)
    expect(results.filter((r) => r === null)).toHaveLength(1)
    expect((await rows()).map((r) => [r.id, r.status])).toEqual([
      [active.id, 'retired'],
      [next.id, 'active'],
    ])
  })
})

describe('pruning retired keys', () => {
  it('deletes a retired signing-role key after its overlap, and never an active or staged one', async () => {
    const old = await activeSpKey(env.DB, env.SSO_SECRET, 'broker', T0, CN)
    const next = await stageNextSpKey(env.DB, env.SSO_SECRET, 'broker', T0, CN)
    const tActivate = new Date(T0.getTime() + DAY_MS)
    await activateNextSpKey(env.DB, 'broker', tActivate)
    const staged = await stageNextSpKey(env.DB, env.SSO_SECRET, 'broker', tActivate, CN)

    // Within the overlap: kept (the console still lists the rollover just done).
    expect(await pruneRetiredSpKeys(env.DB, new Date(tActivate.getTime() + RETIRED_SIGNING_KEY_OVERLAP_MS - 1000))).toEqual([])
    const pruned = await pruneRetiredSpKeys(env.DB, new Date(tActivate.getTime() + RETIRED_SIGNING_KEY_OVERLAP_MS))
    expect(pruned).toEqual([{ id: old.id, use: 'broker', retiredAt: tActivate }])
    expect((await rows()).map((r) => [r.id, r.status])).toEqual([
      [next.id, 'active'],
      [staged.id, 'next'],
    ])
    // Years later, the active and the staged key are still there.
    expect(await pruneRetiredSpKeys(env.DB, new Date(T0.getTime() + 3650 * DAY_MS))).toEqual([])
    expect(await rows()).toHaveLength(2)
  })

  it('keeps a retired encryption key for as long as it still decrypts, then deletes it', async () => {
    const old = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN)
    const next = await stageNextSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN)
    await activateNextSpKey(env.DB, 'encryption', T0)
    const current = await activeSpKey(env.DB, env.SSO_SECRET, 'encryption', T0, CN)

    // Past the signing roles' overlap, but inside the decryption window: an IdP may still encrypt to it.
    const inWindow = new Date(T0.getTime() + RETIRED_DECRYPTION_WINDOW_MS - 1000)
    expect(await pruneRetiredSpKeys(env.DB, inWindow)).toEqual([])
    expect(await decryptionKeys(env.DB, env.SSO_SECRET, inWindow)).toEqual([current.privateKeyPem, old.privateKeyPem])

    const past = new Date(T0.getTime() + RETIRED_DECRYPTION_WINDOW_MS)
    expect((await pruneRetiredSpKeys(env.DB, past)).map((k) => k.id)).toEqual([old.id])
    expect(await decryptionKeys(env.DB, env.SSO_SECRET, past)).toEqual([current.privateKeyPem])
    expect((await rows()).map((r) => r.id)).toEqual([next.id])
  })

  it('deletes at most MAX_PRUNED_SP_KEYS in one call, oldest retirement first', async () => {
    const now = T0.getTime()
    const inserts = Array.from({ length: MAX_PRUNED_SP_KEYS + 2 }, (_, i) =>
      env.DB.prepare(
        "INSERT INTO sp_keys (id, use, algorithm, certificate_pem, private_key_sealed, status, not_after, retired_at, created_at) VALUES (?, 'metadata', 'RSA-2048', 'x', 'x', 'retired', ?, ?, ?)",
      ).bind(`spk_m_${String(i).padStart(4, '0')}`, now + 3650 * DAY_MS, now + i, now),
    )
    await env.DB.batch(inserts)
    const later = new Date(now + 30 * DAY_MS)
    const first = await pruneRetiredSpKeys(env.DB, later)
    expect(first).toHaveLength(MAX_PRUNED_SP_KEYS)
    expect(first[0]!.id).toBe('spk_m_0000')
    expect((await pruneRetiredSpKeys(env.DB, later)).map((k) => k.id)).toEqual(
      [MAX_PRUNED_SP_KEYS, MAX_PRUNED_SP_KEYS + 1].map((i) => `spk_m_${String(i).padStart(4, '0')}`),
    )
    expect(await rows()).toEqual([])
  })
})
