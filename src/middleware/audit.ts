/**
 * Audit entries written from a request: time from the injected clock, client IP, user agent and
 * request ID filled in once here, so routes state only what happened.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { writeAudit, type AuditEntry } from '../store/audit'
import { clientIp } from './admin-auth'

export type RequestAuditEntry = Pick<AuditEntry, 'action' | 'outcome'> & Partial<Omit<AuditEntry, 'at' | 'ip' | 'userAgent' | 'requestId'>>

export function auditRequest(c: Context<AppEnv>, entry: RequestAuditEntry): Promise<void> {
  return writeAudit(c.env.DB, {
    actor: entry.subject ?? 'anonymous',
    ...entry,
    at: c.var.deps.clock(),
    ip: clientIp(c),
    userAgent: c.req.header('user-agent') ?? null,
    requestId: c.var.requestId,
  })
}

/** Sends the browser to the sign-in page, to come back to `returnTo` (a same-origin path). */
export function redirectToSignIn(c: Context<AppEnv>, returnTo: string): Response {
  return c.redirect(`/sso/login?return_to=${encodeURIComponent(returnTo)}`, 302)
}
