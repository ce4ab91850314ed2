/**
 * Who may administer the gateway: the bootstrap ADMIN_TOKEN (API bearer, console sign-in form),
 * compared in constant time (hono's timingSafeEqual), with failed attempts counted per client IP;
 * and console sessions, opened by the token or through SSO by a user whose (IdP, group) pair is
 * in settings.adminAccess.
 */
import { timingSafeEqual } from 'hono/utils/buffer'
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { clearCookie, setCookie, type CookieChange } from '../navigation'
import { createAdminSession, deleteAdminSession, readAdminSession, type AdminSession, type SsoAdmin } from '../store/admin-sessions'
import { ADMIN_SIGN_IN, refundRateLimit, takeRateLimit } from '../store/rate-limits'
import { getIdp } from '../store/idps'
import { getOrganization } from '../store/organizations'
import { getSettings } from '../store/settings'
import { currentSession } from '../sso/sessions'

export type { AdminSession, SsoAdmin } from '../store/admin-sessions'

/** Failed admin sign-ins from one IP within the window before ADMIN_RATE_LIMITED. */
export const MAX_FAILED_ATTEMPTS = ADMIN_SIGN_IN.limit

// Lax, not Strict: a test connection comes back through the IdP's cross-site POST and a redirect,
// and the admin must still be signed in on that top-level GET. Forms carry CSRF tokens anyway.
export const ADMIN_COOKIE = '__Host-sso_admin'

/**
 * Checks a presented admin token. Every check first takes one attempt from this IP's allowance,
 * atomically, and a right token gives it back: however many guesses run in parallel, at most
 * MAX_FAILED_ATTEMPTS per window are ever compared. A wrong one throws ADMIN_TOKEN_INVALID.
 */
export async function verifyAdminToken(ctx: RequestContext, presented: string, expected: string | undefined): Promise<void> {
  if (!expected) throw new AppError('CONFIG_MISSING_SECRET')
  const ip = ctx.ip ?? 'unknown'
  const attempt = await takeRateLimit(ctx.rateLimiter, ADMIN_SIGN_IN, ip, ctx.clock())
  if (!attempt.allowed) {
    // Refused unseen, the right token too: comparing it here would give unlimited guesses.
    const retryAfterSeconds = Math.max(1, Math.ceil((attempt.resetAt - ctx.clock().getTime()) / 1000))
    throw new AppError('ADMIN_RATE_LIMITED', `Too many failed attempts from your network. Try again in ${Math.ceil(retryAfterSeconds / 60)} min.`, {
      attempts: attempt.count,
      retryAfterSeconds,
    })
  }
  if (presented && (await timingSafeEqual(presented, expected))) {
    await refundRateLimit(ctx.rateLimiter, ADMIN_SIGN_IN, ip, ctx.clock())
    return
  }
  throw new AppError('ADMIN_TOKEN_INVALID', undefined, { attempts: attempt.count })
}

/** A new console session for `actor` (opened through SSO: with the pair that granted it), and its cookie. */
export async function openConsoleSession(ctx: RequestContext, actor: string, sso?: SsoAdmin): Promise<{ session: AdminSession; cookie: CookieChange }> {
  const now = ctx.clock()
  const { token, session } = await createAdminSession(ctx.kv, actor, ctx.random, now, sso)
  return { session, cookie: setCookie(ADMIN_COOKIE, token, { sameSite: 'Lax', maxAge: Math.floor((session.expiresAt - now.getTime()) / 1000) }) }
}

/**
 * The console session the cookie names, or null. A session opened through SSO without the pair
 * that granted it (by a release before adminAccess, when any IdP's group could grant it) is not
 * honored: it cannot be re-checked.
 */
export async function readConsoleSession(ctx: RequestContext, cookies: Record<string, string>): Promise<AdminSession | null> {
  const token = cookies[ADMIN_COOKIE]
  const session = token ? await readAdminSession(ctx.kv, token, ctx.clock()) : null
  if (session && session.actor.startsWith('sso:') && !session.sso) return null
  return session
}

export async function closeConsoleSession(ctx: RequestContext, cookies: Record<string, string>): Promise<CookieChange> {
  const token = cookies[ADMIN_COOKIE]
  if (token) await deleteAdminSession(ctx.kv, token)
  return clearCookie(ADMIN_COOKIE)
}

/**
 * Admin through SSO: a signed-in portal user whose (IdP, group) pair is in settings.adminAccess
 * may use the console without the token form. A group name alone grants nothing: the pair names
 * the IdP (DESIGN.md "Groups belong to their IdP"). The actor is `sso:<subject>`.
 */
export async function ssoAdminGrant(ctx: RequestContext, cookies: Record<string, string>): Promise<{ actor: string; sso: SsoAdmin } | null> {
  const portal = await currentSession(ctx, cookies)
  if (!portal || portal.groups.length === 0) return null
  const { adminAccess } = await getSettings(ctx.db)
  const pair = adminAccess.find((p) => p.idpId === portal.idpId && portal.groups.includes(p.group))
  if (!pair || !(await idpMaySpeak(ctx, pair.idpId, portal.organizationId))) return null
  return { actor: `sso:${portal.subject}`, sso: { idpId: pair.idpId, group: pair.group, subject: portal.subject } }
}

/**
 * The IdP, read fresh from D1 (not the portal's 30-second cache: admin requests are few and
 * matter most), is enabled, still in the session's organization, and that organization is enabled.
 */
async function idpMaySpeak(ctx: RequestContext, idpId: string, organizationId: string): Promise<boolean> {
  const idp = await getIdp(ctx.db, idpId)
  if (!idp?.enabled || idp.organizationId !== organizationId) return false
  return (await getOrganization(ctx.db, organizationId))?.enabled === true
}

/**
 * Whether a console session opened through SSO may still act, checked on every request: the
 * portal session behind it is alive (its IdP and organization still enabled), is the same user,
 * still has the group, and the (IdP, group) pair is still in settings.adminAccess.
 */
export async function isSsoAdminStillGranted(ctx: RequestContext, sso: SsoAdmin, cookies: Record<string, string>): Promise<boolean> {
  const portal = await currentSession(ctx, cookies)
  if (!portal || portal.subject !== sso.subject || portal.idpId !== sso.idpId || !portal.groups.includes(sso.group)) return false
  const { adminAccess } = await getSettings(ctx.db)
  return adminAccess.some((p) => p.idpId === sso.idpId && p.group === sso.group) && idpMaySpeak(ctx, sso.idpId, portal.organizationId)
}

/** The console form's CSRF token against the session's, in constant time. */
export async function isCsrfTokenValid(session: AdminSession, presented: string): Promise<boolean> {
  return session.csrf !== '' && presented !== '' && timingSafeEqual(presented, session.csrf)
}
