import { describe, expect, it } from 'vitest'
import { decodeBase64, encodeBase64 } from '../../src/saml/encoding'
import { certificateFingerprint, certificateValidityWarning, importPrivateKey, parseCertificate, readPrivateKeyPkcs8 } from '../../src/saml/x509'
import {
  EC_P256_CERT,
  EC_P384_CERT,
  EC_P521_CERT,
  ED25519_CERT,
  ENCRYPTED_PKCS1_KEY,
  ENCRYPTED_PKCS8_KEY,
  RSA_512_CERT,
  RSA_ESCAPES_CERT,
  SECP256K1_CERT,
  V1_CERT,
} from '../fixtures/x509'
import { loadManifest, readInterop } from '../helpers/interop'

const manifest = loadManifest()
const corpusCerts = Object.values(manifest.certificates)

function derOf(pem: string): Uint8Array {
  return decodeBase64(pem.replace(/-----[A-Z ]+-----/g, ''))
}
function pemOf(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${encodeBase64(der)}\n-----END CERTIFICATE-----\n`
}
function expectInvalid(input: string): void {
  expect(() => parseCertificate(input)).toThrow(expect.objectContaining({ code: 'SAML_CERTIFICATE_INVALID' }))
}

describe('parseCertificate on every certificate of the interop corpus', () => {
  it('covers the corpus (certs/, certs/untrusted/, metadata/certs/)', () => {
    expect(corpusCerts.length).toBeGreaterThanOrEqual(25)
  })

  it.each(corpusCerts.map((c) => [c.file, c] as const))('%s: subject, issuer, validity, key, fingerprints', async (_file, expected) => {
    const cert = parseCertificate(readInterop(expected.file))
    // The manifest writes names as RFC 4514 (python cryptography's rfc4514_string), as we do.
    expect(cert.subject).toBe(expected.subject)
    expect(cert.issuer).toBe(expected.issuer)
    expect(cert.notBefore.toISOString()).toBe(expected.notBefore.replace('Z', '.000Z'))
    expect(cert.notAfter.toISOString()).toBe(expected.notAfter.replace('Z', '.000Z'))
    const [type, bits] = expected.key.split('-')
    expect(cert.keyType).toBe(type)
    expect(cert.rsaModulusBits).toBe(Number(bits))
    expect(cert.namedCurve).toBeUndefined()
    const sha256 = await certificateFingerprint(cert.der, 'SHA-256')
    expect(sha256.replaceAll(':', '').toLowerCase()).toBe(expected.sha256)
    expect((await certificateFingerprint(cert.der, 'SHA-1')).replaceAll(':', '').toLowerCase()).toBe(expected.sha1)
  })

  it('matches the fingerprint and serial openssl prints for the Okta certificate', async () => {
    // openssl x509 -in certs/gosaml2--okta_cert.pem -noout -fingerprint -sha256 -sha1 -serial
    const cert = parseCertificate(readInterop('certs/gosaml2--okta_cert.pem'))
    expect(await certificateFingerprint(cert.der, 'SHA-256')).toBe(
      '0F:88:23:90:9E:DC:8E:03:6A:1B:E2:BB:65:B6:BA:5A:3C:11:25:6D:0E:0C:1F:7F:4C:30:45:10:92:99:9D:5F',
    )
    expect(await certificateFingerprint(cert.der, 'SHA-1')).toBe('2C:07:04:BC:27:51:B6:E4:81:52:E7:19:6E:65:D2:32:2F:70:6B:80')
    expect(cert.serialNumberHex).toBe('0152C8061030')
  })

  it('accepts bare base64 DER (metadata X509Certificate text) with line breaks and indentation', () => {
    const pem = readInterop('certs/gosaml2--okta_cert.pem')
    const bare = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\n/g, '\r\n      ')
    const a = parseCertificate(pem)
    const b = parseCertificate(bare)
    expect(b.der).toEqual(a.der)
    expect(b.subject).toBe(a.subject)
  })

  it('returns the SubjectPublicKeyInfo that WebCrypto imports', async () => {
    const cert = parseCertificate(readInterop('certs/gosaml2--adfs_idp_signing_cert.pem'))
    const key = await crypto.subtle.importKey('spki', cert.spki, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify'])
    expect((key.algorithm as { modulusLength: number }).modulusLength).toBe(2048)
  })
})

describe('parseCertificate on generated certificates', () => {
  it.each([
    [EC_P256_CERT, 'P-256', 'CN=ec256.example.com,O=Acme\\, Inc.,C=DE', '360E98DA709E6CBA15E40E33863AE5A964FD9FAB'],
    [EC_P384_CERT, 'P-384', 'CN=ec384.example.com', '2E235DF26D07AC705A8FD0ECBCD40291114A2AB7'],
    [EC_P521_CERT, 'P-521', 'CN=ec521.example.com', '317531ED2DFC982158C0F4C3FC8D71FBC2BCD7BF'],
  ])('reads EC certificates (%#): curve, escaped subject, serial', async (pem, curve, subject, serial) => {
    const cert = parseCertificate(pem)
    expect(cert.keyType).toBe('EC')
    expect(cert.namedCurve).toBe(curve)
    expect(cert.rsaModulusBits).toBeUndefined()
    expect(cert.subject).toBe(subject)
    expect(cert.serialNumberHex).toBe(serial)
    expect(cert.notBefore.toISOString()).toBe('2026-11-27T00:44:17.000Z')
    await crypto.subtle.importKey('spki', cert.spki, { name: 'ECDSA', namedCurve: curve }, false, ['verify'])
  })

  it('reads GeneralizedTime (years from 2050), multi-valued RDNs and RFC 4514 escapes', () => {
    const cert = parseCertificate(RSA_ESCAPES_CERT)
    expect(cert.notAfter.toISOString()).toBe('2109-01-16T00:44:17.000Z')
    // -subj "/C=NO/O=Zoë \"Q\" <Ltd>;/OU=#ops /CN=sso+UID=42" (DER sorts the SET: CN before UID)
    expect(cert.subject).toBe('CN=sso+UID=42,OU=\\#ops\\ ,O=Zoë \\"Q\\" \\<Ltd\\>\\;,C=NO')
    expect(cert.rsaModulusBits).toBe(2048)
  })

  it('reads v1 certificates (no version field, no extensions)', async () => {
    const cert = parseCertificate(V1_CERT)
    expect(cert.subject).toBe('CN=v1.example.com')
    expect(cert.serialNumberHex).toBe('7BAB5107E79664E62A05B67172E11E2D1320C146')
    expect(await certificateFingerprint(cert.der, 'SHA-256')).toBe(
      'BE:EA:0E:60:C2:E0:3E:E6:C1:91:A7:60:49:2C:46:23:91:12:43:62:29:D8:23:E7:BF:89:D8:96:62:14:7B:84',
    )
  })

  it('reports small RSA keys as they are (the algorithm table enforces the minimum)', () => {
    expect(parseCertificate(RSA_512_CERT).rsaModulusBits).toBe(512)
  })

  it('rejects Ed25519 and secp256k1 keys with SAML_CERTIFICATE_INVALID', () => {
    expectInvalid(ED25519_CERT)
    expectInvalid(SECP256K1_CERT)
  })
})

describe('parseCertificate rejects malformed input with SAML_CERTIFICATE_INVALID', () => {
  const der = derOf(EC_P256_CERT)

  it('trailing bytes after the certificate', () => expectInvalid(pemOf(new Uint8Array([...der, 0]))))
  it('truncated DER', () => expectInvalid(pemOf(der.subarray(0, der.length - 1))))
  it('indefinite length (BER, not DER)', () => {
    // 30 82 01 d1 → 30 80 ... 00 00
    expect([...der.subarray(0, 4)]).toEqual([0x30, 0x82, 0x01, 0xd1])
    expectInvalid(pemOf(new Uint8Array([0x30, 0x80, ...der.subarray(4), 0, 0])))
  })
  it('non-minimal length encoding', () => expectInvalid(pemOf(new Uint8Array([0x30, 0x83, 0x00, 0x01, 0xd1, ...der.subarray(4)]))))
  it('a length running past its parent', () => {
    const bad = der.slice()
    bad[6] = 0x02 // TBSCertificate length 0x0177 → 0x0277
    expectInvalid(pemOf(bad))
  })
  it('an impossible date (month 13)', () => {
    const bad = der.slice()
    const text = new TextEncoder().encode('261127004417Z')
    const at = bad.findIndex((_, i) => text.every((b, j) => bad[i + j] === b))
    bad[at + 2] = 0x31
    bad[at + 3] = 0x33
    expectInvalid(pemOf(bad))
  })
  it('empty input, garbage and non-base64', () => {
    expectInvalid('')
    expectInvalid('not a certificate')
    expectInvalid('MIIB0TCCAXeg')
  })
  it('a PEM block of another type', () => expectInvalid(ENCRYPTED_PKCS8_KEY))
  it('two certificates in one input (ambiguous trust anchor)', () => expectInvalid(EC_P256_CERT + EC_P384_CERT))
  it('an unterminated PEM block', () => expectInvalid(EC_P256_CERT.replace('-----END CERTIFICATE-----', '')))
  it('oversized input, quickly (no regex blow-up on many BEGIN lines)', () => {
    const started = performance.now()
    expectInvalid('-----BEGIN CERTIFICATE-----\n'.repeat(4000))
    expectInvalid('A'.repeat(200_000))
    expect(performance.now() - started).toBeLessThan(1000)
  })
})

describe('certificateValidityWarning', () => {
  const cert = parseCertificate(readInterop('certs/node-saml--cert.pem'))
  it('is null inside the validity period, boundaries included', () => {
    expect(certificateValidityWarning(cert, new Date('2015-08-20T00:00:00Z'))).toBeNull()
    expect(certificateValidityWarning(cert, cert.notBefore)).toBeNull()
    expect(certificateValidityWarning(cert, cert.notAfter)).toBeNull()
  })
  it('names expiry and not-yet-valid like the manifest expectedWarnings', () => {
    expect(certificateValidityWarning(cert, new Date('2020-09-25T16:00:01Z'))).toBe(
      'CERT_EXPIRED (O=Internet Widgits Pty Ltd,ST=Some-State,C=US notAfter 2015-09-12T01:54:20Z)',
    )
    expect(certificateValidityWarning(cert, new Date('2015-01-01T00:00:00Z'))).toMatch(/^CERT_NOT_YET_VALID \(.* notBefore 2015-08-13T01:54:20Z\)$/)
  })
})

describe('importPrivateKey', () => {
  it.each([
    ['keys/gosaml2--sp.encryption.key', 'PKCS#8'],
    ['keys/crewjam-saml--sp_key.pem', 'PKCS#1'],
    ['keys/node-saml--testshib_encryption_pvk.pem', 'PKCS#1 4096-bit'],
  ])('imports %s (%s) for RSA-OAEP and for signing', async (file) => {
    const pem = readInterop(file)
    const oaep = await importPrivateKey(pem, { name: 'RSA-OAEP', hash: 'SHA-1' })
    expect(oaep.type).toBe('private')
    expect(oaep.extractable).toBe(false)
    expect(oaep.usages).toEqual(['decrypt'])
    const signing = await importPrivateKey(pem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
    expect(signing.usages).toEqual(['sign'])
  })

  it('wraps PKCS#1 into the PKCS#8 openssl would produce', async () => {
    // The PKCS#8 and PKCS#1 files of gosaml2/crewjam differ; compare a key with itself instead:
    // export our wrapped PKCS#1 through WebCrypto and re-import it as PKCS#8.
    const pkcs8 = readPrivateKeyPkcs8(readInterop('keys/crewjam-saml--sp_key.pem'))
    const key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['sign'])
    const exported = new Uint8Array((await crypto.subtle.exportKey('pkcs8', key)) as ArrayBuffer)
    expect(exported).toEqual(pkcs8)
  })

  it('imports an EC PKCS#8 key for ECDSA', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
    const pkcs8 = new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer)
    const pem = `-----BEGIN PRIVATE KEY-----\n${encodeBase64(pkcs8)}\n-----END PRIVATE KEY-----\n`
    const key = await importPrivateKey(pem, { name: 'ECDSA', namedCurve: 'P-256' })
    expect(key.algorithm.name).toBe('ECDSA')
  })

  it.each([
    ['encrypted PKCS#8', ENCRYPTED_PKCS8_KEY],
    ['encrypted PKCS#1 (Proc-Type)', ENCRYPTED_PKCS1_KEY],
    ['a certificate', EC_P256_CERT],
    ['bare base64', 'MIIEvAIBADANBgkqhkiG9w0BAQEFAASC'],
    ['garbage in the armor', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'],
  ])('rejects %s with SAML_KEY_INVALID', async (_name, pem) => {
    await expect(importPrivateKey(pem, { name: 'RSA-OAEP', hash: 'SHA-1' })).rejects.toMatchObject({ code: 'SAML_KEY_INVALID' })
  })

  it('rejects an RSA key imported for ECDSA with SAML_KEY_INVALID', async () => {
    await expect(importPrivateKey(readInterop('keys/gosaml2--sp.encryption.key'), { name: 'ECDSA', namedCurve: 'P-256' })).rejects.toMatchObject({
      code: 'SAML_KEY_INVALID',
    })
  })
})
