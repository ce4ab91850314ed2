/**
 * Reading the audit log: filters checked (the API refuses bad ones by name; the console drops
 * them), newest first, keyset pages. Each failure row's admin explanation comes with its code.
 */
import { AppError } from '../errors'
import type { RequestContext } from '../context'
import { listAudit, type AuditFilter, type AuditRow } from '../store/audit'

export const MAX_AUDIT_PAGE = 500
export const DEFAULT_AUDIT_PAGE = 50

/** Filters and page of an audit query: the store's filter, as the API and the console give it. */
export type AuditQuery = AuditFilter

export type AuditEntryView = Omit<AuditRow, 'at'> & { at: string }

function field(name: string, message: string): never {
  throw new AppError('ADMIN_INVALID_FIELD', `${name}: ${message}`, { field: name })
}

/** The API's query string, strictly: a bad value is ADMIN_INVALID_FIELD naming it. */
export function parseAuditQuery(q: Record<string, string>): AuditQuery {
  const limit = q.limit === undefined ? DEFAULT_AUDIT_PAGE : Number(q.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) field('limit', `must be a whole number from 1 to ${MAX_AUDIT_PAGE}`)
  const before = q.before === undefined ? undefined : Number(q.before)
  if (before !== undefined && (!Number.isInteger(before) || before < 1)) field('before', 'must be a positive whole number')
  if (q.outcome !== undefined && q.outcome !== 'success' && q.outcome !== 'failure') field('outcome', "must be 'success' or 'failure'")
  return { action: q.action, idpId: q.idpId, outcome: q.outcome, code: q.code, before, limit }
}

/** The console's filter form, leniently: what does not parse is simply not applied. */
export function consoleAuditQuery(q: Record<string, string>): { query: AuditQuery; filters: Record<string, string> } {
  const filters: Record<string, string> = {}
  for (const k of ['action', 'outcome', 'code', 'idpId'] as const) if (q[k]) filters[k] = q[k]
  const before = q.before && /^\d+$/.test(q.before) ? Number(q.before) : undefined
  const outcome = filters.outcome === 'success' || filters.outcome === 'failure' ? filters.outcome : undefined
  return { query: { ...filters, outcome, before, limit: DEFAULT_AUDIT_PAGE }, filters }
}

export async function readAuditLog(ctx: RequestContext, query: AuditQuery): Promise<{ entries: AuditEntryView[]; nextBefore: number | null }> {
  const page = await listAudit(ctx.db, query)
  return { entries: page.entries.map((e) => ({ ...e, at: e.at.toISOString() })), nextBefore: page.nextBefore }
}
