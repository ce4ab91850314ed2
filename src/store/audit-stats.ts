/**
 * Aggregates over the audit log for the console's overview: counts grouped in SQL, never rows read
 * into the Worker. Every query is bounded twice: by a time window on an indexed column pair
 * (action, at), and by a LIMIT on the groups it returns (the largest groups first).
 */
import { and, count, desc, eq, gte, inArray, isNotNull, lt, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { auditLog } from './schema'

export const DAY_MS = 86_400_000

/** A half-open time window: from `since` (inclusive) up to `until` (exclusive). */
export interface StatsWindow {
  since: Date
  until: Date
}

export interface LoginDayCount {
  /** Whole days since 1970-01-01 UTC (the row's `at` divided by DAY_MS). */
  day: number
  idpId: string | null
  outcome: 'success' | 'failure'
  count: number
}

/** The (day, IdP, outcome) groups of `login` rows in the window, largest first; `complete` is false when `limit` cut some off. */
export async function countLoginsByDay(d1: D1Database, window: StatsWindow, limit: number): Promise<{ groups: LoginDayCount[]; complete: boolean }> {
  const day = sql<number>`${auditLog.at} / ${sql.raw(String(DAY_MS))}`.mapWith(Number)
  const n = count()
  const rows = await drizzle(d1)
    .select({ day, idpId: auditLog.idpId, outcome: auditLog.outcome, count: n })
    .from(auditLog)
    .where(and(eq(auditLog.action, 'login'), gte(auditLog.at, window.since), lt(auditLog.at, window.until)))
    .groupBy(day, auditLog.idpId, auditLog.outcome)
    .orderBy(desc(n), day, auditLog.idpId)
    .limit(limit + 1)
  return { groups: rows.slice(0, limit), complete: rows.length <= limit }
}

/** Failed `login` rows in the window by error code, most frequent first (at most `limit` codes). */
export async function countLoginFailuresByCode(d1: D1Database, window: StatsWindow, limit: number): Promise<{ code: string | null; count: number }[]> {
  const n = count()
  return drizzle(d1)
    .select({ code: auditLog.code, count: n })
    .from(auditLog)
    .where(and(eq(auditLog.action, 'login'), gte(auditLog.at, window.since), lt(auditLog.at, window.until), eq(auditLog.outcome, 'failure')))
    .groupBy(auditLog.code)
    .orderBy(desc(n), auditLog.code)
    .limit(limit)
}

/** `login` rows in the window by IdP, outcome and code (null on success), largest groups first (at most `limit`). */
export async function countLoginsByIdp(d1: D1Database, window: StatsWindow, limit: number): Promise<LoginIdpCount[]> {
  const n = count()
  return drizzle(d1)
    .select({ idpId: auditLog.idpId, outcome: auditLog.outcome, code: auditLog.code, count: n })
    .from(auditLog)
    .where(and(eq(auditLog.action, 'login'), gte(auditLog.at, window.since), lt(auditLog.at, window.until)))
    .groupBy(auditLog.idpId, auditLog.outcome, auditLog.code)
    .orderBy(desc(n), auditLog.idpId, auditLog.code)
    .limit(limit)
}

export interface LoginIdpCount {
  idpId: string | null
  outcome: 'success' | 'failure'
  code: string | null
  count: number
}

export interface LatestAuditRow {
  action: string
  idpId: string
  outcome: 'success' | 'failure'
  code: string | null
  at: Date
}

/**
 * The newest row of each (action, IdP) among `actions` since `since` (e.g. each IdP's last
 * metadata refresh), newest first: SQLite takes the bare columns from the row that holds max(at).
 */
export async function latestAuditByIdp(d1: D1Database, actions: readonly string[], since: Date, limit: number): Promise<LatestAuditRow[]> {
  const at = sql<number>`max(${auditLog.at})`.mapWith(Number)
  const rows = await drizzle(d1)
    .select({ action: auditLog.action, idpId: auditLog.idpId, outcome: auditLog.outcome, code: auditLog.code, at })
    .from(auditLog)
    .where(and(inArray(auditLog.action, [...actions]), gte(auditLog.at, since), isNotNull(auditLog.idpId)))
    .groupBy(auditLog.action, auditLog.idpId)
    .orderBy(desc(at))
    .limit(limit)
  return rows.map((r) => ({ ...r, idpId: r.idpId!, at: new Date(r.at) }))
}
