/**
 * Reading the audit log: filters checked (the API refuses bad ones by name; the console drops
 * them), within a time range when asked (the overview's bars link here), newest first, keyset
 * pages. Each failure row's admin explanation comes with its code.
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

const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/
const TIME_FORMS = 'a date (2031-01-31, from midnight UTC), a time with its offset (2031-01-31T12:00:00Z) or milliseconds since 1970'

/**
 * A `since`/`until` value: a date (midnight UTC), an ISO 8601 time with `Z` or an offset, or
 * milliseconds since 1970; null for anything else (a time without its offset would be ambiguous).
 */
export function parseAuditTime(value: string): Date | null {
  if (/^\d{1,15}$/.test(value)) return new Date(Number(value))
  const m = TIME.exec(value)
  if (!m) return null
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value)
  // Date.parse rolls 2031-02-30 over into March: the date must read back as written.
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  if (Number.isNaN(ms) || day.toISOString().slice(0, 10) !== value.slice(0, 10)) return null
  return new Date(ms)
}

/** The API's query string, strictly: a bad value is ADMIN_INVALID_FIELD naming it. */
export function parseAuditQuery(q: Record<string, string>): AuditQuery {
  const limit = q.limit === undefined ? DEFAULT_AUDIT_PAGE : Number(q.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) field('limit', `must be a whole number from 1 to ${MAX_AUDIT_PAGE}`)
  const before = q.before === undefined ? undefined : Number(q.before)
  if (before !== undefined && (!Number.isInteger(before) || before < 1)) field('before', 'must be a positive whole number')
  if (q.outcome !== undefined && q.outcome !== 'success' && q.outcome !== 'failure') field('outcome', "must be 'success' or 'failure'")
  const [since, until] = (['since', 'until'] as const).map((name) => {
    const value = q[name]
    if (value === undefined) return undefined
    return parseAuditTime(value) ?? field(name, `must be ${TIME_FORMS}, not ${JSON.stringify(value.slice(0, 40))}`)
  })
  if (since && until && until <= since) field('until', 'must be later than since')
  return { action: q.action, idpId: q.idpId, organizationId: q.organizationId, outcome: q.outcome, code: q.code, since, until, before, limit }
}

/** The console's filter form, leniently: what does not parse is simply not applied. */
export function consoleAuditQuery(q: Record<string, string>): { query: AuditQuery; filters: Record<string, string> } {
  const filters: Record<string, string> = {}
  for (const k of ['action', 'outcome', 'code', 'idpId', 'organizationId', 'since', 'until'] as const) if (q[k]) filters[k] = q[k]
  const before = q.before && /^\d+$/.test(q.before) ? Number(q.before) : undefined
  const outcome = filters.outcome === 'success' || filters.outcome === 'failure' ? filters.outcome : undefined
  const since = filters.since ? (parseAuditTime(filters.since) ?? undefined) : undefined
  const until = filters.until ? (parseAuditTime(filters.until) ?? undefined) : undefined
  return { query: { ...filters, outcome, since, until, before, limit: DEFAULT_AUDIT_PAGE }, filters }
}

export async function readAuditLog(ctx: RequestContext, query: AuditQuery): Promise<{ entries: AuditEntryView[]; nextBefore: number | null }> {
  const page = await listAudit(ctx.db, query)
  return { entries: page.entries.map((e) => ({ ...e, at: e.at.toISOString() })), nextBefore: page.nextBefore }
}
