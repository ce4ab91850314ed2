/**
 * JSON shapes the admin API returns: IdP rows with certificate details (subject, SHA-256
 * fingerprint, expiry, warnings) so admins see rollover state at a glance.
 */
import { certificateFingerprint, parseCertificate } from '../saml/x509'
import type { IdpRow } from '../store/idps'

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

export async function idpView(row: IdpRow, now: Date) {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    entityId: row.entityId,
    ssoUrl: row.ssoUrl,
    ssoBinding: row.ssoBinding,
    sloUrl: row.sloUrl,
    sloBinding: row.sloBinding,
    certificates: row.certificates,
    certificateInfo: await Promise.all(row.certificates.map((pem) => describeCertificate(pem, now))),
    enabled: row.enabled,
    showOnSelection: row.showOnSelection,
    isDefault: row.isDefault,
    emailDomains: row.emailDomains,
    attributeMap: row.attributeMap,
    allowedGroups: row.allowedGroups,
    signAuthnRequests: row.signAuthnRequests,
    wantAssertionsSigned: row.wantAssertionsSigned,
    allowIdpInitiated: row.allowIdpInitiated,
    allowSha1: row.allowSha1,
    clockSkewSeconds: row.clockSkewSeconds,
    nameIdFormat: row.nameIdFormat,
    logoUrl: row.logoUrl,
    sortOrder: row.sortOrder,
    metadataUrl: row.metadataUrl,
    metadataRefreshedAt: row.metadataRefreshedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}
