/**
 * The `idp.certificate_expiring` event: an enabled IdP's signing certificate expires within 30
 * days. The daily maintenance checks every certificate; each (IdP, fingerprint) is announced once
 * at 30 days and once more at 7 days (a dedupe key per threshold), never every day.
 */
import { describeCertificate } from '../admin/certificates'
import type { RequestContext } from '../context'
import { hasEventWithKey } from '../store/events'
import { listIdps } from '../store/idps'
import { getSettings } from '../store/settings'
import { emitEvent, idpEventData } from './emit'

/** Days before expiry at which a certificate is announced, the last threshold reached counting. */
export const CERTIFICATE_EXPIRY_THRESHOLDS_DAYS = [30, 7] as const
const DAY_MS = 86_400_000

/** The smallest threshold a certificate with `msLeft` to live has reached, or null. */
function thresholdOf(msLeft: number): number | null {
  if (msLeft <= 0) return null
  const reached = CERTIFICATE_EXPIRY_THRESHOLDS_DAYS.filter((days) => msLeft <= days * DAY_MS)
  return reached.length ? Math.min(...reached) : null
}

/** Emits one event per certificate that reached a threshold not yet announced; returns how many. */
export async function announceExpiringCertificates(ctx: RequestContext): Promise<number> {
  if (!(await getSettings(ctx.db)).webhookUrl) return 0
  const now = ctx.clock()
  let announced = 0
  for (const idp of (await listIdps(ctx.db)).filter((i) => i.enabled && i.protocol === 'saml')) {
    for (const pem of idp.certificates) {
      let info
      try {
        info = await describeCertificate(pem, now)
      } catch (err) {
        // Stored certificates were parsed when saved; one that no longer parses is skipped, and logged.
        console.warn(JSON.stringify({ level: 'warn', msg: 'certificate not checked for expiry', idpId: idp.id, error: String(err).slice(0, 200) }))
        continue
      }
      const threshold = thresholdOf(new Date(info.notAfter).getTime() - now.getTime())
      if (threshold === null) continue
      const dedupeKey = `idp.certificate_expiring:${idp.id}:${info.fingerprintSha256}:${threshold}`
      if (await hasEventWithKey(ctx.db, dedupeKey)) continue
      const id = await emitEvent(
        ctx,
        'idp.certificate_expiring',
        {
          ...idpEventData(idp),
          fingerprintSha256: info.fingerprintSha256,
          subject: info.subject,
          notAfter: info.notAfter,
          daysLeft: Math.max(0, info.expiresInDays),
          thresholdDays: threshold,
        },
        { dedupeKey },
      )
      if (id) announced++
    }
  }
  return announced
}
