// Plain Node: the DER writer and self-signed SP certificates, read back with our own strict reader
// (der.ts, x509.ts). The openssl cross-check lives in x509-build-openssl.test.ts.
import { exportPKCS8 } from 'jose'
import { describe, expect, it } from 'vitest'
import { children, decodeOid, readRoot, readTlv } from '../../src/saml/der'
import { importCertificateVerifyKey, lookupSignature, verifySignatureValue } from '../../src/saml/dsig/algorithms'
import { importPrivateKey, parseCertificate } from '../../src/saml/x509'
import {
  createSelfSignedCertificate,
  encodeBitString,
  encodeExplicit,
  encodeInteger,
  encodeOid,
  encodePrintableString,
  encodeSet,
  encodeTime,
  encodeUtf8String,
  type SelfSignedCertificateInput,
} from '../../src/saml/x509-build'

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

function rsaKeyPair(hash = 'SHA-256'): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash }, true, [
    'sign',
    'verify',
  ]) as Promise<CryptoKeyPair>
}

// One key for the whole file: RSA-2048 generation is the slow part.
const keyPairPromise = rsaKeyPair()

async function makeCertificate(overrides: Partial<SelfSignedCertificateInput> = {}): Promise<string> {
  return createSelfSignedCertificate({
    keyPair: await keyPairPromise,
    subjectCommonName: 'support.example.com',
    notBefore: new Date('2026-11-26T00:00:00.789Z'),
    notAfter: new Date('2036-11-26T00:00:00Z'),
    serialNumber: new Uint8Array(16).fill(0xff),
    ...overrides,
  })
}

function derOf(pem: string): Uint8Array {
  return new Uint8Array(Buffer.from(pem.replace(/-----[A-Z ]+-----/g, ''), 'base64'))
}

describe('DER writer', () => {
  it('writes minimal positive INTEGERs (X.690 §8.3)', () => {
    expect(hex(encodeInteger(0))).toBe('020100')
    expect(hex(encodeInteger(127))).toBe('02017f')
    expect(hex(encodeInteger(128))).toBe('02020080')
    expect(hex(encodeInteger(256))).toBe('02020100')
    expect(hex(encodeInteger(Uint8Array.of(0, 0, 0x12)))).toBe('020112')
    expect(hex(encodeInteger(Uint8Array.of(0xff, 0x01)))).toBe('020300ff01')
    expect(hex(encodeInteger(new Uint8Array(3)))).toBe('020100')
    expect(() => encodeInteger(-1)).toThrow(RangeError)
  })

  it('writes OIDs that the strict reader decodes back', () => {
    expect(hex(encodeOid('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b')
    expect(hex(encodeOid('2.999.3'))).toBe('0603883703') // X.690 §8.19.5 example
    for (const oid of ['2.5.4.3', '2.5.29.19', '0.9.2342.19200300.100.1.25', '1.3.6.1.4.1.311.60.2.1.3', '2.25.4294967297']) {
      const der = encodeOid(oid)
      expect(decodeOid(der, readTlv(der, 0, der.length))).toBe(oid)
    }
    for (const bad of ['1', '3.1', '1.40', '1.2.03', '1..2', '1.2.x']) expect(() => encodeOid(bad)).toThrow(RangeError)
  })

  it('sorts SET OF elements by their encodings (X.690 §11.6)', () => {
    expect(hex(encodeSet(encodeInteger(2), encodeInteger(1), Uint8Array.of(0x01, 0x01, 0xff)))).toBe('31090101ff020101020102')
  })

  it('writes UTCTime through 2049 and GeneralizedTime outside 1950..2049 (RFC 5280 §4.1.2.5)', () => {
    const text = (der: Uint8Array) => `${der[0]!.toString(16)}:${Buffer.from(der.subarray(2)).toString('latin1')}`
    expect(text(encodeTime(new Date('2049-12-31T23:59:59.999Z')))).toBe('17:491231235959Z')
    expect(text(encodeTime(new Date('2050-01-01T00:00:00Z')))).toBe('18:20500101000000Z')
    expect(text(encodeTime(new Date('1950-01-01T00:00:00Z')))).toBe('17:500101000000Z')
    expect(text(encodeTime(new Date('1949-12-31T23:59:59Z')))).toBe('18:19491231235959Z')
    expect(() => encodeTime(new Date(Number.NaN))).toThrow(RangeError)
  })

  it('writes PrintableString and UTF8String, refusing what they cannot carry', () => {
    expect(hex(encodePrintableString('a b:1'))).toBe('13056120623a31')
    expect(() => encodePrintableString('a@b')).toThrow(RangeError)
    expect(hex(encodeUtf8String('Ü'))).toBe('0c02c39c')
    expect(() => encodeUtf8String('\ud800')).toThrow(RangeError)
  })

  it('writes BIT STRINGs with zero padding bits and explicit context tags', () => {
    expect(hex(encodeBitString(Uint8Array.of(0xa0), 5))).toBe('030205a0')
    expect(() => encodeBitString(Uint8Array.of(0xa1), 5)).toThrow(RangeError)
    expect(hex(encodeExplicit(3, encodeInteger(1)))).toBe('a303020101')
    expect(() => encodeExplicit(31)).toThrow(RangeError)
  })
})

describe('createSelfSignedCertificate', () => {
  it('parses with our reader: subject, issuer, validity (seconds), RSA-2048, serial unchanged', async () => {
    const cert = parseCertificate(await makeCertificate())
    expect(cert.subject).toBe('CN=support.example.com')
    expect(cert.issuer).toBe('CN=support.example.com')
    expect(cert.notBefore.toISOString()).toBe('2026-11-26T00:00:00.000Z')
    expect(cert.notAfter.toISOString()).toBe('2036-11-26T00:00:00.000Z')
    expect(cert.keyType).toBe('RSA')
    expect(cert.rsaModulusBits).toBe(2048)
    expect(cert.serialNumberHex).toBe('FF'.repeat(16))
  })

  it('is v3 with critical basicConstraints CA:false and keyUsage digitalSignature + keyEncipherment', async () => {
    const der = derOf(await makeCertificate())
    const [tbs] = children(der, readRoot(der, 0x30, 'Certificate'))
    const fields = children(der, tbs!)
    expect(hex(der.subarray(fields[0]!.start, fields[0]!.end))).toBe('a003020102')
    const extensions = children(der, children(der, fields[7]!)[0]!)
    const byOid = new Map(
      extensions.map((e) => {
        const [oid, ...rest] = children(der, e)
        return [decodeOid(der, oid), rest.map((r) => hex(der.subarray(r.start, r.end)))]
      }),
    )
    expect(byOid.get('2.5.29.19')).toEqual(['0101ff', '04023000'])
    expect(byOid.get('2.5.29.15')).toEqual(['0101ff', '0404030205a0'])
    expect(byOid.size).toBe(2)
  })

  it('carries a self-signature that verifies with its own SubjectPublicKeyInfo', async () => {
    const pem = await makeCertificate()
    const cert = parseCertificate(pem)
    const [tbs, algorithm, signature] = children(cert.der, readRoot(cert.der, 0x30, 'Certificate'))
    expect(hex(cert.der.subarray(algorithm!.start, algorithm!.end))).toBe('300d06092a864886f70d01010b0500')
    const sig = lookupSignature(RSA_SHA256)
    const key = await importCertificateVerifyKey(cert, sig)
    const value = cert.der.subarray(signature!.body + 1, signature!.end)
    expect(await verifySignatureValue(sig, key, value, cert.der.subarray(tbs!.start, tbs!.end))).toBe(true)
  })

  it("signs data with the exported private key that verifies with the certificate's key", async () => {
    const keyPair = await keyPairPromise
    const cert = parseCertificate(await makeCertificate())
    const pem = await exportPKCS8(keyPair.privateKey)
    // jose's PKCS#8 export (RFC 7468 §10: 64-column base64 between the armor lines).
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END PRIVATE KEY-----\n?$/)
    const privateKey = await importPrivateKey(pem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
    const data = new TextEncoder().encode('SAMLRequest=fZJNT8MwDIbv&SigAlg=rsa-sha256')
    const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', privateKey, data))
    const sig = lookupSignature(RSA_SHA256)
    const verifyKey = await importCertificateVerifyKey(cert, sig)
    expect(await verifySignatureValue(sig, verifyKey, signature, data)).toBe(true)
    expect(await verifySignatureValue(sig, verifyKey, signature, new TextEncoder().encode('tampered'))).toBe(false)
  })

  it('writes GeneralizedTime for a notAfter from 2050 on', async () => {
    const cert = parseCertificate(await makeCertificate({ notAfter: new Date('2056-01-01T00:00:00Z') }))
    expect(cert.notAfter.toISOString()).toBe('2056-01-01T00:00:00.000Z')
  })

  it('writes a common name outside PrintableString as UTF8String, read back exactly', async () => {
    const cert = parseCertificate(await makeCertificate({ subjectCommonName: 'Support – Ünïcode, Inc' }))
    expect(cert.subject).toBe('CN=Support – Ünïcode\\, Inc')
  })

  it('keeps leading zero serial bytes out of the INTEGER and stays positive for a high first bit', async () => {
    const serial = Uint8Array.from([0x00, 0x80, ...new Array<number>(14).fill(0x11)])
    expect(parseCertificate(await makeCertificate({ serialNumber: serial })).serialNumberHex).toBe(`80${'11'.repeat(14)}`)
  })

  it('refuses inputs that cannot make a conforming certificate', async () => {
    await expect(makeCertificate({ subjectCommonName: '' })).rejects.toThrow(RangeError)
    await expect(makeCertificate({ subjectCommonName: 'x'.repeat(65) })).rejects.toThrow(RangeError)
    await expect(makeCertificate({ serialNumber: new Uint8Array(16) })).rejects.toThrow(RangeError)
    await expect(makeCertificate({ serialNumber: new Uint8Array(21).fill(1) })).rejects.toThrow(RangeError)
    await expect(makeCertificate({ notBefore: new Date('2037-01-01T00:00:00Z') })).rejects.toThrow(RangeError)
    await expect(makeCertificate({ keyPair: await rsaKeyPair('SHA-1') })).rejects.toThrow(TypeError)
    const ec = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
    await expect(makeCertificate({ keyPair: ec })).rejects.toThrow(TypeError)
  })
})
