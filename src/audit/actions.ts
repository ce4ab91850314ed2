/**
 * Every action the audit log records, as one union: a row's `action` is always one of these, so
 * filters, docs and the console can list them. A shipped name is never renamed (rows cite it).
 */

export const AUDIT_ACTIONS = [
  // customers
  'login',
  'login.test',
  'logout',
  'logout.idp-response',
  'logout.idp-initiated',
  'logout.app-initiated',
  'handoff.saml',
  'handoff.zendesk',
  'handoff.freshworks',
  // admins
  'admin.auth',
  'admin.login',
  'admin.logout',
  'idp.create',
  'idp.update',
  'idp.delete',
  'idp.reorder',
  'idp.test',
  'idp.metadata-refresh',
  'organization.create',
  'organization.update',
  'organization.delete',
  'domain.claim',
  'domain.release',
  'domain.verify',
  'domain.confirm',
  'sessions.revoke',
  'settings.update',
  'sp-key.stage',
  'sp-key.activate',
  'sp-key.prune',
  'jwt-key.rotate',
  'app.create',
  'app.update',
  'app.delete',
  'app.metadata-refresh',
  'app.secret-rotate',
  'setup-link.create',
  'setup-link.revoke',
  'setup-link.approve',
  // webhook events (the console's delivery log)
  'event.test',
  'event.retry',
  // a customer's IT on a setup link (actor setup:<link id>)
  'setup.open',
  'setup.denied',
  'setup.idp',
  'setup.test',
  'setup.activate',
  'setup.submit',
  // the daily cron
  'maintenance',
] as const

export type AuditAction = (typeof AUDIT_ACTIONS)[number]

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value)
}
