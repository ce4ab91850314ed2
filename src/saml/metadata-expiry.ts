/**
 * What has expired in one IdP's metadata at `now` (given by the caller, never read here): the
 * validUntil it inherits down root → entity → role (saml-metadata-2.0-os §2.3.2), and the notAfter
 * of each signing certificate. Reports only; whether that refuses anything is the caller's choice
 * (pinned certificates keep verifying past notAfter, see findProblem in metadata.ts).
 */
import { isPast, type IdpMetadata } from './metadata'
import { parseCertificate } from './x509'

export interface MetadataExpiry {
  part: 'validUntil' | 'signingCertificate'
  /** When it expired: the validUntil as written, or the certificate's notAfter (ISO 8601). */
  at: string
  /** The certificate's subject (RFC 4514), for a signing certificate. */
  subject?: string
}

/** Each expired part of `idp` at `now`, validUntil first; empty when nothing has expired. */
export function findExpired(idp: Pick<IdpMetadata, 'validUntil' | 'signingCertificates'>, now: Date): MetadataExpiry[] {
  const out: MetadataExpiry[] = []
  // An unreadable validUntil counts as past (isPast fails closed).
  if (idp.validUntil !== null && isPast(idp.validUntil, now)) out.push({ part: 'validUntil', at: idp.validUntil })
  for (const b64 of idp.signingCertificates) {
    const cert = parseCertificate(b64)
    if (cert.notAfter.getTime() <= now.getTime()) out.push({ part: 'signingCertificate', at: isoSeconds(cert.notAfter), subject: cert.subject })
  }
  return out
}

const isoSeconds = (d: Date): string => d.toISOString().replace(/\.000Z$/, 'Z')
