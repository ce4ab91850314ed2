// Certificate details for admins (admin/certificates.ts): subject, fingerprint, validity and the
// warning an admin sees at the injected `now` (expected values read back with openssl x509).
import { describe, expect, it } from 'vitest'
import { CERT_EXPIRY_WARNING_DAYS, describeCertificate } from '../../src/admin/certificates'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { EC_P256_CERT, V1_CERT } from '../fixtures/x509'

// EC_P256_CERT: notBefore 2026-11-27T00:44:17Z, notAfter 2036-11-24T00:44:17Z.
const NOT_BEFORE = Date.parse('2026-11-27T00:44:17Z')
const NOT_AFTER = Date.parse('2036-11-24T00:44:17Z')
const DAY = 86_400_000

describe('describeCertificate', () => {
  it('shows subject, issuer, SHA-256 fingerprint and validity as openssl does', async () => {
    expect(await describeCertificate(EC_P256_CERT, new Date('2030-01-01T00:00:00Z'))).toEqual({
      subject: 'CN=ec256.example.com,O=Acme\\, Inc.,C=DE',
      issuer: 'CN=ec256.example.com,O=Acme\\, Inc.,C=DE',
      fingerprintSha256: '93:77:AC:D2:4E:EF:BE:88:AB:92:F8:AF:E8:CC:C4:16:26:02:D2:91:0A:90:7B:02:76:6A:56:B2:AE:63:F7:32',
      notBefore: '2026-11-27T00:44:17.000Z',
      notAfter: '2036-11-24T00:44:17.000Z',
      expiresInDays: 2519,
      warning: null,
    })
  })

  it('reads bare base64 DER the same as PEM', async () => {
    const der = TEST_IDP_CERT.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
    const now = new Date('2030-01-01T00:00:00Z')
    expect(await describeCertificate(der, now)).toEqual(await describeCertificate(TEST_IDP_CERT, now))
  })

  it('warns not-yet-valid before notBefore', async () => {
    expect((await describeCertificate(EC_P256_CERT, new Date(NOT_BEFORE - 1000))).warning).toBe('not-yet-valid')
    expect((await describeCertificate(EC_P256_CERT, new Date(NOT_BEFORE))).warning).toBeNull()
  })

  it(`warns expires-soon within ${CERT_EXPIRY_WARNING_DAYS} days of notAfter`, async () => {
    const soon = await describeCertificate(EC_P256_CERT, new Date(NOT_AFTER - 10 * DAY))
    expect(soon).toMatchObject({ warning: 'expires-soon', expiresInDays: 10 })
    expect((await describeCertificate(EC_P256_CERT, new Date(NOT_AFTER - (CERT_EXPIRY_WARNING_DAYS - 1) * DAY))).warning).toBe('expires-soon')
    expect((await describeCertificate(EC_P256_CERT, new Date(NOT_AFTER - CERT_EXPIRY_WARNING_DAYS * DAY))).warning).toBeNull()
  })

  it('warns expired from notAfter on, with a negative day count', async () => {
    expect((await describeCertificate(EC_P256_CERT, new Date(NOT_AFTER))).warning).toBe('expired')
    expect(await describeCertificate(EC_P256_CERT, new Date(NOT_AFTER + 3 * DAY))).toMatchObject({ warning: 'expired', expiresInDays: -3 })
  })

  it('describes a one-year v1 certificate expiring soon', async () => {
    // V1_CERT: notAfter 2027-11-27T00:44:27Z.
    expect(await describeCertificate(V1_CERT, new Date('2027-11-20T00:00:00Z'))).toMatchObject({
      subject: 'CN=v1.example.com',
      warning: 'expires-soon',
      expiresInDays: 7,
    })
  })

  it('refuses what is not a certificate with SAML_CERTIFICATE_INVALID', async () => {
    await expect(describeCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', new Date())).rejects.toMatchObject({
      code: 'SAML_CERTIFICATE_INVALID',
    })
  })
})
