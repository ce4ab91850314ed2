/**
 * Audit log in D1: logins, rejections (with code), logouts, admin changes, metadata refreshes.
 * Entries carry expected/received values for the admin, never secrets or raw XML.
 */
import { and, desc, eq, gte, inArray, lt, type SQL } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { auditLog, idps } from './schema'
import { insertInto } from './statements'

export type AuditEntry = Omit<typeof auditLog.$inferInsert, 'id'>
export type AuditRow = typeof auditLog.$inferSelect

// Every sign-in and every failure writes one: a prepared statement (statements.ts).
const insertAudit = insertInto(auditLog)

export async function writeAudit(d1: D1Database, entry: AuditEntry): Promise<void> {
  await insertAudit(d1, entry).run()
}

export interface AuditFilter {
  action?: string | undefined
  idpId?: string | undefined
  outcome?: 'success' | 'failure' | undefined
  code?: string | undefined
  /** Rows of the IdPs this organization has now (rows of its deleted IdPs are not found this way). */
  organizationId?: string | undefined
  /** From this instant (inclusive). */
  since?: Date | undefined
  /** Up to this instant (exclusive). */
  until?: Date | undefined
  /** Keyset pagination: entries with id below this one. */
  before?: number | undefined
  limit: number
}

/** Newest first, keyset-paginated (stable while new rows arrive); every filter given must hold. */
export async function listAudit(d1: D1Database, filter: AuditFilter): Promise<{ entries: AuditRow[]; nextBefore: number | null }> {
  const db = drizzle(d1)
  const where: SQL[] = []
  if (filter.action) where.push(eq(auditLog.action, filter.action))
  if (filter.idpId) where.push(eq(auditLog.idpId, filter.idpId))
  if (filter.outcome) where.push(eq(auditLog.outcome, filter.outcome))
  if (filter.code) where.push(eq(auditLog.code, filter.code))
  if (filter.organizationId) where.push(inArray(auditLog.idpId, db.select({ id: idps.id }).from(idps).where(eq(idps.organizationId, filter.organizationId))))
  if (filter.since) where.push(gte(auditLog.at, filter.since))
  if (filter.until) where.push(lt(auditLog.at, filter.until))
  if (filter.before) where.push(lt(auditLog.id, filter.before))
  const rows = await db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(filter.limit + 1)
  const entries = rows.slice(0, filter.limit)
  return { entries, nextBefore: rows.length > filter.limit ? (entries.at(-1)?.id ?? null) : null }
}

/** Deletes audit rows older than `cutoff` (retention); returns how many went. */
export async function pruneAudit(d1: D1Database, cutoff: Date): Promise<number> {
  const rows = await drizzle(d1).delete(auditLog).where(lt(auditLog.at, cutoff)).returning({ id: auditLog.id })
  return rows.length
}

/**
 * Failures of `action` for one IdP since `since`, counted up to `limit` (the read stops there):
 * the (idp_id, at) index bounds it, for the failure-spike event (events/failure-spike.ts).
 */
export async function countRecentFailures(d1: D1Database, filter: { idpId: string; action: string; since: Date; limit: number }): Promise<number> {
  const rows = await drizzle(d1)
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(and(eq(auditLog.idpId, filter.idpId), gte(auditLog.at, filter.since), eq(auditLog.action, filter.action), eq(auditLog.outcome, 'failure')))
    .limit(filter.limit)
  return rows.length
}
