/**
 * Who may administer the gateway: the bootstrap ADMIN_TOKEN (API bearer, console sign-in form),
 * compared in constant time (hono's timingSafeEqual), with failed attempts counted per client IP;
 * and console sessions, opened by the token or by a signed-in member of settings.adminGroups.
 */
import { timingSafeEqual } from 'hono/utils/buffer'
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { clearCookie, setCookie, type CookieChange } from '../navigation'
import { createAdminSession, deleteAdminSession, readAdminSession, type AdminSession } from '../store/admin-sessions'
import { addAdminFailure, countAdminFailures } from '../store/admin-failures'
import { getSettings } from '../store/settings'
import { currentSession } from '../sso/sessions'

export type { AdminSession } from '../store/admin-sessions'

/** Failed admin sign-ins from one IP within the window before ADMIN_RATE_LIMITED. */
export const MAX_FAILED_ATTEMPTS = 10

// Lax, not Strict: a test connection comes back through the IdP's cross-site POST and a redirect,
// and the admin must still be signed in on that top-level GET. Forms carry CSRF tokens anyway.
export const ADMIN_COOKIE = '__Host-sso_admin'

export async function assertNotThrottled(ctx: RequestContext): Promise<void> {
  if ((await countAdminFailures(ctx.kv, ctx.ip ?? 'unknown')) >= MAX_FAILED_ATTEMPTS) throw new AppError('ADMIN_RATE_LIMITED')
}

/** Checks a presented admin token; a wrong one is counted for this IP and throws ADMIN_TOKEN_INVALID. */
export async function verifyAdminToken(ctx: RequestContext, presented: string, expected: string | undefined): Promise<void> {
  if (!expected) throw new AppError('CONFIG_MISSING_SECRET')
  await assertNotThrottled(ctx)
  if (presented && (await timingSafeEqual(presented, expected))) return
  const attempts = await addAdminFailure(ctx.kv, ctx.ip ?? 'unknown')
  throw new AppError('ADMIN_TOKEN_INVALID', undefined, { attempts })
}

/** A new console session for `actor`, and its cookie. */
export async function openConsoleSession(ctx: RequestContext, actor: string): Promise<{ session: AdminSession; cookie: CookieChange }> {
  const now = ctx.clock()
  const { token, session } = await createAdminSession(ctx.kv, actor, ctx.random, now)
  return { session, cookie: setCookie(ADMIN_COOKIE, token, { sameSite: 'Lax', maxAge: Math.floor((session.expiresAt - now.getTime()) / 1000) }) }
}

export async function readConsoleSession(ctx: RequestContext, cookies: Record<string, string>): Promise<AdminSession | null> {
  const token = cookies[ADMIN_COOKIE]
  return token ? readAdminSession(ctx.kv, token, ctx.clock()) : null
}

export async function closeConsoleSession(ctx: RequestContext, cookies: Record<string, string>): Promise<CookieChange> {
  const token = cookies[ADMIN_COOKIE]
  if (token) await deleteAdminSession(ctx.kv, token)
  return clearCookie(ADMIN_COOKIE)
}

/**
 * A signed-in portal user whose groups intersect settings.adminGroups may use the console
 * without the token form ("admin through SSO"); the actor names them.
 */
export async function ssoAdminActor(ctx: RequestContext, cookies: Record<string, string>): Promise<string | null> {
  const portal = await currentSession(ctx, cookies)
  if (!portal || portal.groups.length === 0) return null
  const { adminGroups } = await getSettings(ctx.db)
  return portal.groups.some((g) => adminGroups.includes(g)) ? `sso:${portal.email ?? portal.nameId}` : null
}

/** The console form's CSRF token against the session's, in constant time. */
export async function isCsrfTokenValid(session: AdminSession, presented: string): Promise<boolean> {
  return session.csrf !== '' && presented !== '' && timingSafeEqual(presented, session.csrf)
}
