/**
 * The daily cron trigger: prunes expired replay-protection rows and audit entries past the
 * retention setting, re-reads IdP metadata URLs, and writes what it did to the audit log.
 */
import { lt } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { AppError } from './errors'
import { refreshedFields } from './routes/metadata-import'
import { isSamlError } from './saml/errors'
import { writeAudit } from './store/audit'
import { listIdps, updateIdp } from './store/idps'
import { auditLog, consumedAssertions } from './store/schema'
import { getSettings } from './store/settings'

const DAY_MS = 86_400_000

export interface MaintenanceReport {
  consumedAssertionsPruned: number
  auditEntriesPruned: number
  metadataRefreshed: number
  metadataFailed: number
}

/** Re-reads every IdP imported from a metadata URL; certificate changes and failures are audited. */
async function refreshAllMetadata(env: Env, now: Date): Promise<{ refreshed: number; failed: number }> {
  let refreshed = 0
  let failed = 0
  for (const row of (await listIdps(env.DB)).filter((i) => i.metadataUrl)) {
    try {
      const { update, certificatesChanged, endpointsChanged } = await refreshedFields(row)
      await updateIdp(env.DB, row.id, { ...update, metadataRefreshedAt: now }, now)
      await writeAudit(env.DB, {
        at: now,
        actor: 'cron',
        action: 'idp.metadata-refresh',
        idpId: row.id,
        outcome: 'success',
        detail: { certificatesChanged, endpointsChanged },
      })
      refreshed++
    } catch (err) {
      failed++
      const code = err instanceof AppError || isSamlError(err) ? err.code : 'INTERNAL'
      await writeAudit(env.DB, {
        at: now,
        actor: 'cron',
        action: 'idp.metadata-refresh',
        idpId: row.id,
        outcome: 'failure',
        code,
        detail: { message: err instanceof Error ? err.message : String(err) },
      })
    }
  }
  return { refreshed, failed }
}

export async function runMaintenance(env: Env, now: Date): Promise<MaintenanceReport> {
  const db = drizzle(env.DB)
  const settings = await getSettings(env.DB)
  const replay = await db.delete(consumedAssertions).where(lt(consumedAssertions.expiresAt, now)).returning({ id: consumedAssertions.assertionId })
  const cutoff = new Date(now.getTime() - settings.auditRetentionDays * DAY_MS)
  const audit = await db.delete(auditLog).where(lt(auditLog.at, cutoff)).returning({ id: auditLog.id })
  const metadata = await refreshAllMetadata(env, now)
  const report = {
    consumedAssertionsPruned: replay.length,
    auditEntriesPruned: audit.length,
    metadataRefreshed: metadata.refreshed,
    metadataFailed: metadata.failed,
  }
  await writeAudit(env.DB, {
    at: now,
    actor: 'cron',
    action: 'maintenance',
    outcome: 'success',
    detail: { ...report, retentionDays: settings.auditRetentionDays },
  })
  return report
}
