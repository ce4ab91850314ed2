/**
 * What every admin console page shares: the middleware chain of a signed-in page (body limit,
 * session, CSRF, no-store), the layout's common props (CSRF token, actor, flash message), and
 * turning a refused form into errors next to its fields (audited like any failure).
 */
import type { Context, MiddlewareHandler } from 'hono'
import { auditFailure } from '../audit/record'
import type { AppEnv } from '../env'
import { AppError, errorCode } from '../errors'
import { checkCsrf, requireAdminSession } from '../middleware/admin-session'
import { trailOf } from '../middleware/audited'
import { limitBody, MAX_ADMIN_BODY_BYTES } from '../middleware/body-limit'
import { isSamlError } from '../saml/errors'

/** Flash messages by `?flash=` key; those in FLASH_ERRORS are shown as errors (an outcome the admin must act on). */
const FLASH: Record<string, string> = {
  created: 'Identity provider added.',
  saved: 'Changes saved.',
  deleted: 'Identity provider deleted.',
  'app-created': 'Helpdesk app added.',
  'app-deleted': 'Helpdesk app deleted.',
  'app-secret-replaced': 'Shared secret replaced: every token from now on is signed with the new one.',
  settings: 'Settings saved.',
  'org-created': 'Organization added.',
  'org-deleted': 'Organization deleted.',
  'domain-added': 'Domain added: publish its TXT record, then check it.',
  'domain-verified': 'Domain verified.',
  'domain-pending': 'Not verified yet: see the last check below.',
  'domain-removed': 'Domain removed.',
  'setup-link-revoked': 'Setup link revoked: it no longer opens.',
  'setup-link-approved': 'Approved: the IdP is on.',
  revoked: 'Sessions revoked.',
  'event-delivered': 'Event delivered: the receiver answered with a 2xx status.',
  'event-not-delivered': 'The receiver did not accept the event: see its last result below. It is retried on the schedule.',
  'event-queued': 'Event queued: it is sent within 5 minutes.',
}
const FLASH_ERRORS = new Set(['domain-pending', 'event-not-delivered'])

const noStore: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next()
  c.header('Cache-Control', 'no-store')
}

/** The chain in front of every signed-in console page, in order. */
export function consolePage(): MiddlewareHandler<AppEnv>[] {
  return [limitBody(MAX_ADMIN_BODY_BYTES), requireAdminSession(), checkCsrf(), noStore]
}

/** Props every console page's layout takes. */
export function consoleChrome(c: Context<AppEnv>) {
  const key = c.req.query('flash') ?? ''
  const count = c.req.query('n')
  // "revoked" says how many, when the redirect carried the count.
  const flash = key === 'revoked' && count && /^\d{1,9}$/.test(count) ? `${count} session(s) revoked.` : FLASH[key]
  const session = c.get('adminSession')!
  return {
    csrf: session.csrf,
    actor: session.actor,
    hostNotice: c.get('hostNotice') ?? null,
    flash: flash ? { kind: FLASH_ERRORS.has(key) ? ('error' as const) : ('ok' as const), text: flash } : undefined,
  }
}

/**
 * A refused form: audited like any failure on this route, then shown inline. Field errors are
 * keyed by the form field (certificates[1] → certificates); other errors propagate.
 */
export async function formErrors(c: Context<AppEnv>, err: unknown): Promise<Record<string, string>> {
  if (!(err instanceof AppError)) throw err
  // An OIDC issuer whose discovery document cannot be read or is refused: shown at the issuer, with its code.
  if (err.code === 'OIDC_DISCOVERY_FETCH_FAILED' || err.code === 'OIDC_DISCOVERY_INVALID') {
    await auditFailure(c.get('ctx'), trailOf(c), err)
    return { issuer: `${err.code}: ${err.message}` }
  }
  // A draft's Enabled box ticked before a test passed: said at that box, like any refused field.
  if (err.code !== 'ADMIN_INVALID_FIELD' && err.code !== 'ADMIN_CONFLICT' && err.code !== 'ADMIN_IDP_UNTESTED') throw err
  await auditFailure(c.get('ctx'), trailOf(c), err)
  const field = String(err.detail.field ?? 'name')
  const key = /^(attributeMap|claimsMap|headerNames|userHeader)\./.test(field)
    ? field.replace(/\[\d+\]$/, '')
    : field.replace(/\[\d+\]$/, '').replace(/[.[].*$/, '')
  return { [key]: err.message }
}

/** An import that failed on its metadata (fetch, parse, choice of entity): shown with its code. */
export async function importError(c: Context<AppEnv>, err: unknown, fallbackField: string): Promise<{ field: string; message: string }> {
  if (!(err instanceof AppError) && !isSamlError(err)) throw err
  await auditFailure(c.get('ctx'), trailOf(c), err)
  const field = String((err as AppError).detail?.field ?? fallbackField)
  return { field, message: `${errorCode(err)}: ${err.message}` }
}
