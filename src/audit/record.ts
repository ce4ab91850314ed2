/**
 * Writes audit rows for services and for the one error handler: time, client IP, user agent and
 * request ID come from the request context, so callers state only what happened. Details are
 * capped (every value and the whole row): a failure an anonymous client causes never writes an
 * unbounded row, and one client IP's anonymous failures write at most FAILURE_AUDIT.limit rows a
 * window (then one row saying the rest were left out). Never records secrets: callers pass
 * fingerprints and expected/received values. A failed sign-in also feeds the failure-spike event.
 */
import type { RequestContext } from '../context'
import { errorCode, errorDetail, errorInfo } from '../errors'
import { checkFailureSpike } from '../events/failure-spike'
import { writeAudit } from '../store/audit'
import { FAILURE_AUDIT, takeRateLimit } from '../store/rate-limits'
import type { AuditAction } from './actions'

/** Longest string kept in a detail value; longer ones are cut and marked. */
export const MAX_AUDIT_VALUE_CHARS = 512
/** Most array items kept in a detail value. */
export const MAX_AUDIT_LIST_ITEMS = 50
/** Largest detail object, as JSON; beyond it only the key names are kept. */
export const MAX_AUDIT_DETAIL_CHARS = 8192

export interface AuditEvent {
  action: AuditAction
  outcome: 'success' | 'failure'
  code?: string | null
  idpId?: string | null
  subject?: string | null
  detail?: Record<string, unknown>
}

/**
 * What a request is doing, for the audit row its failure writes: the route names the action
 * (middleware/audited.ts); services fill in the IdP and the subject as they learn them.
 */
export interface AuditTrail {
  action: AuditAction
  idpId: string | null
  subject: string | null
}

export function newTrail(action: AuditAction): AuditTrail {
  return { action, idpId: null, subject: null }
}

export async function recordAudit(ctx: RequestContext, event: AuditEvent): Promise<void> {
  await writeAudit(ctx.db, {
    at: ctx.clock(),
    // An anonymous request that turned out to act for a known subject (a login) is that subject.
    actor: ctx.actor === 'anonymous' && event.subject ? capString(event.subject) : ctx.actor,
    action: event.action,
    outcome: event.outcome,
    code: event.code ?? null,
    idpId: event.idpId ?? null,
    subject: event.subject === undefined || event.subject === null ? null : capString(event.subject),
    ip: ctx.ip,
    userAgent: ctx.userAgent === null ? null : capString(ctx.userAgent),
    requestId: ctx.requestId,
    detail: capDetail(event.detail ?? {}),
  })
  // Many failed sign-ins at one IdP in a short window become an `idp.failure_spike` event.
  if (event.action === 'login' && event.outcome === 'failure' && event.idpId) await checkFailureSpike(ctx, event.idpId, event.code ?? null)
}

/**
 * The failure row for `err` on `trail`: its stable code, the admin's explanation and the
 * expected/received values. The one place failures are audited (the error handler, and console
 * forms that show the error inline instead of throwing it). Codes marked `audit: false` write nothing.
 */
export async function auditFailure(ctx: RequestContext, trail: AuditTrail, err: unknown): Promise<void> {
  const code = errorCode(err)
  const info = errorInfo(code)
  if (info.audit === false) return
  const limited = await overFailureAuditLimit(ctx)
  if (limited === 'drop') return
  await recordAudit(ctx, {
    action: trail.action,
    outcome: 'failure',
    code,
    idpId: trail.idpId,
    subject: trail.subject,
    detail: limited ? { auditSuppressed: limited } : { ...errorDetail(err), ...(info.admin ? { hint: info.admin } : {}) },
  })
}

/**
 * Anonymous failures are counted per client IP (an admin's or the cron's never are): null while
 * under the limit, a note for the first row over it (written in place of the failure's detail),
 * 'drop' after that until the window ends. A limiter that cannot answer never costs the row.
 */
async function overFailureAuditLimit(ctx: RequestContext): Promise<string | 'drop' | null> {
  if (ctx.actor !== 'anonymous' || !ctx.ip) return null
  let take
  try {
    take = await takeRateLimit(ctx.rateLimiter, FAILURE_AUDIT, ctx.ip, ctx.clock())
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', msg: 'failure-audit limiter unavailable', requestId: ctx.requestId, error: String(err).slice(0, 200) }))
    return null
  }
  if (take.allowed) return null
  if (take.count > FAILURE_AUDIT.limit + 1) {
    console.warn(JSON.stringify({ level: 'warn', msg: 'failure audit row left out (rate limit)', requestId: ctx.requestId, ip: ctx.ip }))
    return 'drop'
  }
  return `More than ${FAILURE_AUDIT.limit} failures from this IP within ${FAILURE_AUDIT.windowSeconds} s: further ones until ${new Date(take.resetAt).toISOString()} are not audited (each is still logged).`
}

function capString(value: string): string {
  return value.length > MAX_AUDIT_VALUE_CHARS ? `${value.slice(0, MAX_AUDIT_VALUE_CHARS)}…[${value.length} chars]` : value
}

function capValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return capString(value)
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' || typeof value === 'function' ? String(value) : value
  if (depth > 3) return '[nested]'
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_AUDIT_LIST_ITEMS).map((v) => capValue(v, depth + 1))
    return value.length > MAX_AUDIT_LIST_ITEMS ? [...items, `…[${value.length} items]`] : items
  }
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .slice(0, MAX_AUDIT_LIST_ITEMS)
      .map(([k, v]) => [capString(k), capValue(v, depth + 1)]),
  )
}

/** Every value capped; a detail still larger than MAX_AUDIT_DETAIL_CHARS keeps only its key names. */
export function capDetail(detail: Record<string, unknown>): Record<string, unknown> {
  const capped = capValue(detail, 0) as Record<string, unknown>
  if (JSON.stringify(capped).length <= MAX_AUDIT_DETAIL_CHARS) return capped
  return { truncated: true, keys: Object.keys(capped).slice(0, MAX_AUDIT_LIST_ITEMS) }
}
