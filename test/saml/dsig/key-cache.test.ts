// The per-isolate caches of imported keys (dsig/key-cache.ts): an IdP certificate's public key and
// the gateway's own private keys are imported once, a different key is never served from the
// cache, failed imports are not kept, and the cache stays bounded.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createKeyCache } from '../../../src/saml/dsig/key-cache'
import { importCertificateVerifyKey, lookupSignature, MAX_CACHED_VERIFY_KEYS, verifySignatureValue } from '../../../src/saml/dsig/algorithms'
import { importPrivateKey, parseCertificate } from '../../../src/saml/x509'
import { signingKey, testKeyPair } from '../../helpers/keys'

const RSA_SHA256 = lookupSignature('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256')
const RSA_SHA512 = lookupSignature('http://www.w3.org/2001/04/xmldsig-more#rsa-sha512')
const data = new TextEncoder().encode('<ds:SignedInfo>…</ds:SignedInfo>')

afterEach(() => {
  vi.restoreAllMocks()
})

/** Counts crypto.subtle.importKey calls of one format from here on. */
function countImports(format: 'spki' | 'pkcs8'): () => number {
  const spy = vi.spyOn(crypto.subtle, 'importKey')
  return () => spy.mock.calls.filter((call) => call[0] === format).length
}

/** Verifies a signature by `pair` over `data` with the certificate as given (PEM, parsed afresh). */
async function verifyWith(certificatePem: string, signature: Uint8Array): Promise<boolean> {
  return verifySignatureValue(RSA_SHA256, await importCertificateVerifyKey(parseCertificate(certificatePem), RSA_SHA256), signature, data)
}

async function signWith(pair: ReturnType<typeof testKeyPair>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', await signingKey(pair), data))
}

describe('createKeyCache', () => {
  const fakeKey = (label: string) => ({ label }) as unknown as CryptoKey

  it('loads a key once, then answers from the cache', async () => {
    const cache = createKeyCache(4)
    const load = vi.fn(async () => fakeKey('a'))
    const first = await cache.get('a', load)
    expect(await cache.get('a', load)).toBe(first)
    expect(load).toHaveBeenCalledTimes(1)
  })

  it('never answers one cache key with the key loaded for another', async () => {
    const cache = createKeyCache(4)
    const a = await cache.get('key-a', async () => fakeKey('a'))
    const b = await cache.get('key-b', async () => fakeKey('b'))
    expect(b).not.toBe(a)
    expect(await cache.get('key-a', async () => fakeKey('other'))).toBe(a)
  })

  it('stays bounded, evicting the least recently used key', async () => {
    const cache = createKeyCache(3)
    for (const k of ['a', 'b', 'c']) await cache.get(k, async () => fakeKey(k))
    await cache.get('a', async () => fakeKey('a2')) // a is now the most recently used
    for (let i = 0; i < 10; i++) await cache.get(`new${i}`, async () => fakeKey(`new${i}`))
    expect(cache.size).toBe(3)
    const load = vi.fn(async () => fakeKey('again'))
    await cache.get('new9', load)
    expect(load).not.toHaveBeenCalled()
    await cache.get('a', load)
    expect(load).toHaveBeenCalledTimes(1)
  })

  it('does not keep a failed import: the next call tries again', async () => {
    const cache = createKeyCache(4)
    await expect(cache.get('k', () => Promise.reject(new Error('bad key')))).rejects.toThrow('bad key')
    await Promise.resolve()
    expect(cache.size).toBe(0)
    expect(await cache.get('k', async () => fakeKey('good'))).toEqual(fakeKey('good'))
  })
})

describe('importCertificateVerifyKey (IdP certificates)', () => {
  it('imports a certificate once: the second verification calls no importKey', async () => {
    const pair = testKeyPair('rsa', 'key-cache-idp')
    const signature = await signWith(pair)
    const imports = countImports('spki')
    expect(await verifyWith(pair.certificatePem, signature)).toBe(true)
    expect(imports()).toBe(1)
    // A fresh parse of the same PEM (as every request does): the same bytes, no second import.
    expect(await verifyWith(pair.certificatePem, signature)).toBe(true)
    expect(imports()).toBe(1)
  })

  it('never serves a different certificate from the cache', async () => {
    const idp = testKeyPair('rsa', 'key-cache-idp')
    const attacker = testKeyPair('rsa', 'key-cache-attacker')
    const signature = await signWith(attacker)
    expect(await verifyWith(idp.certificatePem, signature)).toBe(false)
    const imports = countImports('spki')
    expect(await verifyWith(attacker.certificatePem, signature)).toBe(true)
    expect(imports()).toBe(1)
    expect(await verifyWith(idp.certificatePem, signature)).toBe(false)
  })

  it('keeps one key per algorithm: a key imported for SHA-256 is not reused for SHA-512', async () => {
    const pair = testKeyPair('rsa', 'key-cache-idp')
    const cert = parseCertificate(pair.certificatePem)
    const sha256 = await importCertificateVerifyKey(cert, RSA_SHA256)
    const sha512 = await importCertificateVerifyKey(cert, RSA_SHA512)
    expect(sha512).not.toBe(sha256)
    expect(sha512.algorithm).toMatchObject({ hash: { name: 'SHA-512' } })
  })

  it(`holds at most ${MAX_CACHED_VERIFY_KEYS} keys: an evicted certificate is imported again`, async () => {
    const pair = testKeyPair('ec', 'key-cache-evicted')
    const cert = parseCertificate(pair.certificatePem)
    const es256 = lookupSignature('http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256')
    await importCertificateVerifyKey(cert, es256)
    // Other keys fill the cache (generated: distinct SPKI bytes each).
    for (let i = 0; i < MAX_CACHED_VERIFY_KEYS; i++) {
      const other = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
      const spki = new Uint8Array((await crypto.subtle.exportKey('spki', other.publicKey)) as ArrayBuffer)
      await importCertificateVerifyKey({ ...cert, der: spki, spki }, es256)
    }
    const imports = countImports('spki')
    await importCertificateVerifyKey(cert, es256)
    expect(imports()).toBe(1)
  })
})

describe('importPrivateKey (the gateway’s own keys)', () => {
  it('imports a private key once per algorithm', async () => {
    const pair = testKeyPair('rsa', 'key-cache-own')
    const imports = countImports('pkcs8')
    const first = await importPrivateKey(pair.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
    const again = await importPrivateKey(pair.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
    expect(again).toBe(first)
    expect(imports()).toBe(1)
    const oaep = await importPrivateKey(pair.privateKeyPem, { name: 'RSA-OAEP', hash: 'SHA-1' })
    expect(oaep).not.toBe(first)
    expect(oaep.algorithm.name).toBe('RSA-OAEP')
    expect(imports()).toBe(2)
  })

  it('never answers for another private key', async () => {
    const mine = testKeyPair('rsa', 'key-cache-own')
    const other = testKeyPair('rsa', 'key-cache-other')
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const
    const a = await importPrivateKey(mine.privateKeyPem, algorithm)
    const b = await importPrivateKey(other.privateKeyPem, algorithm)
    expect(b).not.toBe(a)
    const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', b, data))
    expect(await verifyWith(other.certificatePem, signature)).toBe(true)
    expect(await verifyWith(mine.certificatePem, signature)).toBe(false)
  })

  it('does not keep a key that fails to import (SAML_KEY_INVALID each time)', async () => {
    const ec = testKeyPair('ec', 'key-cache-wrong-type')
    const imports = countImports('pkcs8')
    for (let i = 0; i < 2; i++)
      await expect(importPrivateKey(ec.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })).rejects.toMatchObject({ code: 'SAML_KEY_INVALID' })
    expect(imports()).toBe(2)
  })
})
