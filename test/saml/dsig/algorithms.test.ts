import { DOMParser } from '@xmldom/xmldom'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  C14N_10,
  C14N_10_WITH_COMMENTS,
  computeDigest,
  EXC_C14N,
  EXC_C14N_WITH_COMMENTS,
  importCertificateVerifyKey,
  lookupCanonicalization,
  lookupDigest,
  lookupSignature,
  RSA_PSS_WITH_PARAMETERS,
  TRANSFORM_ENVELOPED_SIGNATURE,
  verifySignatureValue,
} from '../../../src/saml/dsig/algorithms'
import type { HashName } from '../../../src/saml/dsig/algorithms'
import type { NamedCurve, ParsedCertificate } from '../../../src/saml/x509'
import { parseCertificate } from '../../../src/saml/x509'
import { RSA_512_CERT } from '../../fixtures/x509'

const DSIG = 'http://www.w3.org/2000/09/xmldsig#'
const MORE = 'http://www.w3.org/2001/04/xmldsig-more#'
const MORE07 = 'http://www.w3.org/2007/05/xmldsig-more#'
const data = new TextEncoder().encode('<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">…</ds:SignedInfo>')

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
const flip = (b: Uint8Array, i = 0): Uint8Array => {
  const c = b.slice()
  c[i] = c[i]! ^ 1
  return c
}

/** A ParsedCertificate stand-in for a generated key pair (the table only reads these fields). */
async function certFor(publicKey: CryptoKey, keyType: 'RSA' | 'EC', extra: Partial<ParsedCertificate>): Promise<ParsedCertificate> {
  const spki = new Uint8Array((await crypto.subtle.exportKey('spki', publicKey)) as ArrayBuffer)
  const epoch = new Date(0)
  return { der: spki, spki, subject: 'CN=test', issuer: 'CN=test', serialNumberHex: '01', notBefore: epoch, notAfter: epoch, keyType, ...extra }
}

interface Pair {
  privateKey: CryptoKey
  cert: ParsedCertificate
}
const rsaPairs: Record<number, { raw: CryptoKeyPair; cert: ParsedCertificate }> = {}
const ecPairs = {} as Record<NamedCurve, Pair>

beforeAll(async () => {
  for (const bits of [1024, 2048]) {
    const raw = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair
    rsaPairs[bits] = { raw, cert: await certFor(raw.publicKey, 'RSA', { rsaModulusBits: bits }) }
  }
  for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
    const raw = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign', 'verify'])) as CryptoKeyPair
    ecPairs[curve] = { privateKey: raw.privateKey, cert: await certFor(raw.publicKey, 'EC', { namedCurve: curve }) }
  }
})

/** The RSA private key re-imported for another WebCrypto algorithm/hash (same key material). */
async function rsaSigningKey(bits: number, name: string, hash: HashName): Promise<CryptoKey> {
  const pkcs8 = (await crypto.subtle.exportKey('pkcs8', rsaPairs[bits]!.raw.privateKey)) as ArrayBuffer
  return crypto.subtle.importKey('pkcs8', pkcs8, { name, hash }, false, ['sign'])
}

describe('RSA PKCS#1 v1.5 and RSA-PSS round trips (sign with WebCrypto, verify through the table)', () => {
  const cases: Array<[string, 'RSASSA-PKCS1-v1_5' | 'RSA-PSS', HashName, number]> = [
    [`${DSIG}rsa-sha1`, 'RSASSA-PKCS1-v1_5', 'SHA-1', 0],
    [`${MORE}rsa-sha256`, 'RSASSA-PKCS1-v1_5', 'SHA-256', 0],
    [`${MORE}rsa-sha384`, 'RSASSA-PKCS1-v1_5', 'SHA-384', 0],
    [`${MORE}rsa-sha512`, 'RSASSA-PKCS1-v1_5', 'SHA-512', 0],
    [`${MORE07}sha1-rsa-MGF1`, 'RSA-PSS', 'SHA-1', 20],
    [`${MORE07}sha256-rsa-MGF1`, 'RSA-PSS', 'SHA-256', 32],
    [`${MORE07}sha384-rsa-MGF1`, 'RSA-PSS', 'SHA-384', 48],
    [`${MORE07}sha512-rsa-MGF1`, 'RSA-PSS', 'SHA-512', 64],
  ]
  for (const bits of [1024, 2048]) {
    // RSA-1024 has no room for PSS with SHA-512 and a 64-byte salt (RFC 8017 §9.1.1: emLen ≥ hLen + sLen + 2).
    const fitting = cases.filter(([, name, hash]) => !(bits === 1024 && name === 'RSA-PSS' && hash === 'SHA-512'))
    it.each(fitting)(`RSA-${bits} %s`, async (uri, name, hash, saltLength) => {
      const sig = lookupSignature(uri)
      expect(sig).toMatchObject({ uri, name, hash, keyType: 'RSA', isSha1: hash === 'SHA-1' })
      const signature = new Uint8Array(await crypto.subtle.sign({ name, saltLength }, await rsaSigningKey(bits, name, hash), data))
      const key = await importCertificateVerifyKey(rsaPairs[bits]!.cert, sig)
      expect(await verifySignatureValue(sig, key, signature, data)).toBe(true)
      expect(await verifySignatureValue(sig, key, signature, flip(data))).toBe(false)
      expect(await verifySignatureValue(sig, key, flip(signature, 7), data)).toBe(false)
      expect(await verifySignatureValue(sig, key, signature.subarray(1), data)).toBe(false)
      expect(await verifySignatureValue(sig, key, new Uint8Array([0, ...signature]), data)).toBe(false)
    })
  }

  it('refuses an RSA signature whose leading zero octet was stripped (k-1 bytes), in every runtime', async () => {
    // About 1 in 256 signatures starts with 0x00; OpenSSL would accept the shortened PSS value.
    const sig = lookupSignature(`${MORE07}sha256-rsa-MGF1`)
    const signingKey = await rsaSigningKey(1024, 'RSA-PSS', 'SHA-256')
    let signature = new Uint8Array(0)
    for (let i = 0; i < 4096 && signature[0] !== 0; i++) {
      signature = new Uint8Array(await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, signingKey, data))
    }
    expect(signature[0]).toBe(0)
    const key = await importCertificateVerifyKey(rsaPairs[1024]!.cert, sig)
    expect(await verifySignatureValue(sig, key, signature, data)).toBe(true)
    expect(await verifySignatureValue(sig, key, signature.subarray(1), data)).toBe(false)
  })

  it('answers false (no exception) for PSS-SHA512 on RSA-1024, which cannot hold such a signature', async () => {
    const sig = lookupSignature(`${MORE07}sha512-rsa-MGF1`)
    const key = await importCertificateVerifyKey(rsaPairs[1024]!.cert, sig)
    expect(await verifySignatureValue(sig, key, new Uint8Array(128).fill(7), data)).toBe(false)
  })

  it('does not verify a PKCS#1 v1.5 signature under a PSS URI, nor SHA-256 under rsa-sha1', async () => {
    const v15 = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', await rsaSigningKey(2048, 'RSASSA-PKCS1-v1_5', 'SHA-256'), data))
    for (const uri of [`${MORE07}sha256-rsa-MGF1`, `${DSIG}rsa-sha1`]) {
      const sig = lookupSignature(uri)
      expect(await verifySignatureValue(sig, await importCertificateVerifyKey(rsaPairs[2048]!.cert, sig), v15, data)).toBe(false)
    }
  })

  it('refuses a key imported for another hash than the SignatureMethod names', async () => {
    // A valid RSA-SHA1 signature presented under rsa-sha256 with a key cached for SHA-1: WebCrypto
    // alone would verify it with the key's SHA-1 and so bypass the SHA-1 policy.
    const keyForSha1 = await importCertificateVerifyKey(rsaPairs[2048]!.cert, lookupSignature(`${DSIG}rsa-sha1`))
    const sha1Signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', await rsaSigningKey(2048, 'RSASSA-PKCS1-v1_5', 'SHA-1'), data))
    expect(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', keyForSha1, sha1Signature, data)).toBe(true)
    expect(await verifySignatureValue(lookupSignature(`${MORE}rsa-sha256`), keyForSha1, sha1Signature, data)).toBe(false)
  })
})

describe('RSA-PSS with parameters (RFC 6931 #rsa-pss)', () => {
  const method = (params: string): ReturnType<DOMParser['parseFromString']>['documentElement'] =>
    new DOMParser().parseFromString(
      `<ds:SignatureMethod xmlns:ds="${DSIG}" xmlns:pss="${MORE07}" Algorithm="${RSA_PSS_WITH_PARAMETERS}">${params}</ds:SignatureMethod>`,
      'text/xml',
    ).documentElement

  it('defaults to SHA-256 and a 32-byte salt without RSAPSSParams', () => {
    expect(lookupSignature(RSA_PSS_WITH_PARAMETERS)).toMatchObject({ name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32, isSha1: false })
  })

  it('reads DigestMethod, MGF1 digest and SaltLength, and verifies with them', async () => {
    const el = method(
      `<pss:RSAPSSParams><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha512"/>` +
        `<pss:MaskGenerationFunction Algorithm="${MORE07}MGF1"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha512"/></pss:MaskGenerationFunction>` +
        `<pss:SaltLength>20</pss:SaltLength><pss:TrailerField>1</pss:TrailerField></pss:RSAPSSParams>`,
    )
    const sig = lookupSignature(RSA_PSS_WITH_PARAMETERS, el ?? undefined)
    expect(sig).toMatchObject({ hash: 'SHA-512', saltLength: 20 })
    const signature = new Uint8Array(await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 20 }, await rsaSigningKey(2048, 'RSA-PSS', 'SHA-512'), data))
    const key = await importCertificateVerifyKey(rsaPairs[2048]!.cert, sig)
    expect(await verifySignatureValue(sig, key, signature, data)).toBe(true)
    // Same signature, default salt length: must not verify.
    expect(await verifySignatureValue({ ...sig, saltLength: 64 }, key, signature, data)).toBe(false)
  })

  it.each([
    [
      'an MGF1 digest other than the message digest',
      `<pss:RSAPSSParams><pss:MaskGenerationFunction><ds:DigestMethod Algorithm="${DSIG}sha1"/></pss:MaskGenerationFunction></pss:RSAPSSParams>`,
    ],
    ['a trailer field other than 1', '<pss:RSAPSSParams><pss:TrailerField>2</pss:TrailerField></pss:RSAPSSParams>'],
    ['a non-numeric salt length', '<pss:RSAPSSParams><pss:SaltLength>-1</pss:SaltLength></pss:RSAPSSParams>'],
    ['an unknown MGF', `<pss:RSAPSSParams><pss:MaskGenerationFunction Algorithm="urn:x"/></pss:RSAPSSParams>`],
    ['an unknown child', '<pss:RSAPSSParams><pss:Other/></pss:RSAPSSParams>'],
  ])('rejects %s with SAML_SIGNATURE_UNSUPPORTED', (_name, params) => {
    expect(() => lookupSignature(RSA_PSS_WITH_PARAMETERS, method(params) ?? undefined)).toThrow(expect.objectContaining({ code: 'SAML_SIGNATURE_UNSUPPORTED' }))
  })
})

describe('ECDSA round trips (raw r||s, RFC 6931 §2.3.6)', () => {
  const cases: Array<[NamedCurve, HashName, number]> = [
    ['P-256', 'SHA-256', 64],
    ['P-256', 'SHA-1', 64],
    ['P-384', 'SHA-384', 96],
    ['P-521', 'SHA-512', 132],
  ]
  it.each(cases)('%s with %s: %i-byte signature verifies; DER or resized values do not', async (curve, hash, length) => {
    const uri = `${MORE}ecdsa-${hash.replace('-', '').toLowerCase()}`
    const sig = lookupSignature(uri)
    expect(sig).toMatchObject({ name: 'ECDSA', keyType: 'EC', hash, isSha1: hash === 'SHA-1' })
    const signature = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash }, ecPairs[curve].privateKey, data))
    expect(signature.length).toBe(length)
    const key = await importCertificateVerifyKey(ecPairs[curve].cert, sig)
    expect(await verifySignatureValue(sig, key, signature, data)).toBe(true)
    expect(await verifySignatureValue(sig, key, signature, flip(data))).toBe(false)
    expect(await verifySignatureValue(sig, key, flip(signature, length - 1), data)).toBe(false)
    // Wrong lengths: a leading zero byte, a truncated value, a DER SEQUENCE around r and s.
    expect(await verifySignatureValue(sig, key, new Uint8Array([0, ...signature]), data)).toBe(false)
    expect(await verifySignatureValue(sig, key, signature.subarray(0, length - 1), data)).toBe(false)
    const half = length / 2
    const der = new Uint8Array([0x30, length + 4, 0x02, half, ...signature.subarray(0, half), 0x02, half, ...signature.subarray(half)])
    expect(await verifySignatureValue(sig, key, der, data)).toBe(false)
  })

  it('does not verify a P-256 signature with a P-384 key', async () => {
    const sig = lookupSignature(`${MORE}ecdsa-sha256`)
    const signature = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, ecPairs['P-256'].privateKey, data))
    expect(await verifySignatureValue(sig, await importCertificateVerifyKey(ecPairs['P-384'].cert, sig), signature, data)).toBe(false)
  })
})

describe('algorithm policy', () => {
  it.each([
    `${DSIG}hmac-sha1`,
    `${MORE}hmac-sha256`,
    `${MORE}hmac-sha384`,
    `${MORE}hmac-sha512`,
    `${MORE}hmac-sha224`,
    `${MORE}hmac-md5`,
    `${MORE}hmac-ripemd160`,
  ])('rejects HMAC %s with SAML_SIGNATURE_UNSUPPORTED (a public certificate is no HMAC key)', (uri) => {
    expect(() => lookupSignature(uri)).toThrow(expect.objectContaining({ code: 'SAML_SIGNATURE_UNSUPPORTED' }))
  })

  it.each([
    `${DSIG}dsa-sha1`,
    'http://www.w3.org/2009/xmldsig11#dsa-sha256',
    `${MORE}rsa-md5`,
    `${MORE}rsa-sha224`,
    `${MORE}ecdsa-sha224`,
    `${MORE}RSA-SHA256`,
    `${MORE}rsa-sha256 `,
    '',
    'urn:evil',
    `${DSIG}sha1`,
  ])('rejects unknown or unsupported signature URI %j with SAML_SIGNATURE_UNSUPPORTED', (uri) => {
    expect(() => lookupSignature(uri)).toThrow(expect.objectContaining({ code: 'SAML_SIGNATURE_UNSUPPORTED' }))
  })

  it('flags SHA-1 digests and signatures', () => {
    expect(lookupDigest(`${DSIG}sha1`)).toEqual({ uri: `${DSIG}sha1`, hash: 'SHA-1', isSha1: true })
    expect(lookupDigest('http://www.w3.org/2001/04/xmlenc#sha256').isSha1).toBe(false)
    expect(lookupSignature(`${DSIG}rsa-sha1`).isSha1).toBe(true)
    expect(lookupSignature(`${MORE}rsa-sha256`).isSha1).toBe(false)
  })

  it.each([`${MORE}sha224`, 'http://www.w3.org/2001/04/xmldsig-more#md5', `${DSIG}rsa-sha1`, 'http://www.w3.org/2007/05/xmldsig-more#sha3-256'])(
    'rejects digest %s (SAML_SIGNATURE_UNSUPPORTED, or the code given)',
    (uri) => {
      expect(() => lookupDigest(uri)).toThrow(expect.objectContaining({ code: 'SAML_SIGNATURE_UNSUPPORTED' }))
      expect(() => lookupDigest(uri, 'SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED')).toThrow(
        expect.objectContaining({ code: 'SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED' }),
      )
    },
  )

  it('computes digests with known answers (FIPS 180 "abc")', async () => {
    const abc = new TextEncoder().encode('abc')
    expect(hex(await computeDigest(`${DSIG}sha1`, abc))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d')
    expect(hex(await computeDigest('http://www.w3.org/2001/04/xmlenc#sha256', abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect((await computeDigest(`${MORE}sha384`, abc)).length).toBe(48)
    expect((await computeDigest('http://www.w3.org/2001/04/xmlenc#sha512', abc)).length).toBe(64)
  })

  it('maps the four C14N 1.0 URIs and refuses C14N 1.1', () => {
    expect(lookupCanonicalization(C14N_10)).toEqual({ exclusive: false, withComments: false })
    expect(lookupCanonicalization(C14N_10_WITH_COMMENTS)).toEqual({ exclusive: false, withComments: true })
    expect(lookupCanonicalization(EXC_C14N)).toEqual({ exclusive: true, withComments: false })
    expect(lookupCanonicalization(EXC_C14N_WITH_COMMENTS)).toEqual({ exclusive: true, withComments: true })
    expect(TRANSFORM_ENVELOPED_SIGNATURE).toBe(`${DSIG}enveloped-signature`)
    expect(() => lookupCanonicalization('http://www.w3.org/2006/12/xml-c14n11')).toThrow(expect.objectContaining({ code: 'SAML_SIGNATURE_UNSUPPORTED' }))
  })

  // Issue 11 item 10: with plain-object tables, `constructor` resolved to Object and was taken
  // for a canonicalization (exclusive: undefined) or a digest, instead of being refused.
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])('refuses the prototype key %j as an algorithm URI, in every table', (uri) => {
    const unsupported = expect.objectContaining({ code: 'SAML_SIGNATURE_UNSUPPORTED' })
    expect(() => lookupCanonicalization(uri)).toThrow(unsupported)
    expect(() => lookupDigest(uri)).toThrow(unsupported)
    expect(() => lookupSignature(uri)).toThrow(unsupported)
  })
})

describe('importCertificateVerifyKey', () => {
  it('rejects an RSA certificate with an ECDSA URI, and the reverse, with SAML_SIGNATURE_INVALID', async () => {
    await expect(importCertificateVerifyKey(rsaPairs[2048]!.cert, lookupSignature(`${MORE}ecdsa-sha256`))).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_INVALID',
    })
    await expect(importCertificateVerifyKey(ecPairs['P-256'].cert, lookupSignature(`${MORE}rsa-sha256`))).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_INVALID',
    })
  })

  it('rejects RSA keys below 1024 bits with SAML_CERTIFICATE_INVALID', async () => {
    await expect(importCertificateVerifyKey(parseCertificate(RSA_512_CERT), lookupSignature(`${MORE}rsa-sha256`))).rejects.toMatchObject({
      code: 'SAML_CERTIFICATE_INVALID',
    })
  })

  it('rejects a certificate whose key bytes WebCrypto cannot import with SAML_CERTIFICATE_INVALID', async () => {
    const cert = { ...rsaPairs[2048]!.cert, der: new Uint8Array([1, 2, 3]), spki: new Uint8Array([0x30, 0]) }
    await expect(importCertificateVerifyKey(cert, lookupSignature(`${MORE}rsa-sha256`))).rejects.toMatchObject({ code: 'SAML_CERTIFICATE_INVALID' })
  })

  it('caches keys per public key and algorithm, also across re-parsed certificate objects', async () => {
    const sig = lookupSignature(`${MORE}rsa-sha256`)
    const cert = rsaPairs[2048]!.cert
    const a = await importCertificateVerifyKey(cert, sig)
    expect(await importCertificateVerifyKey({ ...cert, spki: cert.spki.slice() }, sig)).toBe(a)
    expect(await importCertificateVerifyKey(cert, lookupSignature(`${MORE}rsa-sha512`))).not.toBe(a)
  })
})
