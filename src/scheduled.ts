/**
 * The daily cron trigger: prunes expired replay-protection rows and audit entries past the
 * retention setting, and writes what it did to the audit log. IdP metadata refresh joins here
 * (admin issue #5) once metadata import lands.
 */
import { lt } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { writeAudit } from './store/audit'
import { auditLog, consumedAssertions } from './store/schema'
import { getSettings } from './store/settings'

const DAY_MS = 86_400_000

export interface MaintenanceReport {
  consumedAssertionsPruned: number
  auditEntriesPruned: number
}

export async function runMaintenance(env: Env, now: Date): Promise<MaintenanceReport> {
  const db = drizzle(env.DB)
  const settings = await getSettings(env.DB)
  const replay = await db.delete(consumedAssertions).where(lt(consumedAssertions.expiresAt, now)).returning({ id: consumedAssertions.assertionId })
  const cutoff = new Date(now.getTime() - settings.auditRetentionDays * DAY_MS)
  const audit = await db.delete(auditLog).where(lt(auditLog.at, cutoff)).returning({ id: auditLog.id })
  const report = { consumedAssertionsPruned: replay.length, auditEntriesPruned: audit.length }
  await writeAudit(env.DB, { at: now, actor: 'cron', action: 'maintenance', outcome: 'success', detail: { ...report, retentionDays: settings.auditRetentionDays } })
  return report
}
