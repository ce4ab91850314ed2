/**
 * Certificate details for admins (subject, SHA-256 fingerprint, validity, warnings), so rollover
 * state and expiry are visible at a glance in the console and the API.
 */
import { certificateFingerprint, parseCertificate } from '../saml/x509'

export const CERT_EXPIRY_WARNING_DAYS = 30
const DAY_MS = 86_400_000

export interface CertificateInfo {
  subject: string
  issuer: string
  fingerprintSha256: string
  notBefore: string
  notAfter: string
  expiresInDays: number
  warning: 'expired' | 'expires-soon' | 'not-yet-valid' | null
}

export async function describeCertificate(pem: string, now: Date): Promise<CertificateInfo> {
  const cert = parseCertificate(pem)
  const expiresInDays = Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS)
  const warning = cert.notAfter <= now ? 'expired' : cert.notBefore > now ? 'not-yet-valid' : expiresInDays < CERT_EXPIRY_WARNING_DAYS ? 'expires-soon' : null
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    fingerprintSha256: await certificateFingerprint(cert.der, 'SHA-256'),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    expiresInDays,
    warning,
  }
}
