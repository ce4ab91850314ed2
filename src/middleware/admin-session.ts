/**
 * Admin console sessions: after the token form (or SSO by a member of settings.adminGroups), a
 * short-lived session in KV keyed by the cookie token's hash. Every state-changing form is
 * checked twice: Origin/Sec-Fetch-Site (hono csrf) and a per-session token in the form.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { csrf } from 'hono/csrf'
import { HTTPException } from 'hono/http-exception'
import { timingSafeEqual } from '../crypto/mac'
import { toBase64Url } from '../crypto/secret-box'
import type { AdminSession, AppEnv } from '../env'
import { AppError } from '../errors'
import { hashToken } from '../store/sessions'
import { getSettings } from '../store/settings'
import { currentSession } from './session'

// Lax, not Strict: a test connection comes back through the IdP's cross-site POST and a redirect,
// and the admin must still be signed in on that top-level GET. Forms carry CSRF tokens anyway.
export const ADMIN_COOKIE = '__Host-sso_admin'
export const ADMIN_SESSION_TTL_SECONDS = 3600
const KEY_PREFIX = 'admin-session:'

export async function createAdminSession(c: Context<AppEnv>, actor: string): Promise<void> {
  const { random, clock } = c.var.deps
  const token = toBase64Url(random(32))
  const session: AdminSession = { actor, csrf: toBase64Url(random(24)), expiresAt: clock().getTime() + ADMIN_SESSION_TTL_SECONDS * 1000 }
  await c.env.SESSIONS.put(KEY_PREFIX + (await hashToken(token)), JSON.stringify(session), { expirationTtl: ADMIN_SESSION_TTL_SECONDS })
  setCookie(c, ADMIN_COOKIE, token, { path: '/', secure: true, httpOnly: true, sameSite: 'Lax', maxAge: ADMIN_SESSION_TTL_SECONDS })
}

export async function endAdminSession(c: Context<AppEnv>): Promise<void> {
  const token = getCookie(c, ADMIN_COOKIE)
  if (token) await c.env.SESSIONS.delete(KEY_PREFIX + (await hashToken(token)))
  deleteCookie(c, ADMIN_COOKIE, { path: '/', secure: true })
}

async function readAdminSession(c: Context<AppEnv>): Promise<AdminSession | null> {
  const token = getCookie(c, ADMIN_COOKIE)
  if (!token || !/^[\w-]{43}$/.test(token)) return null
  const session = await c.env.SESSIONS.get<AdminSession>(KEY_PREFIX + (await hashToken(token)), 'json')
  return session && session.expiresAt > c.var.deps.clock().getTime() ? session : null
}

/**
 * A signed-in portal user whose groups intersect settings.adminGroups gets an admin session
 * without the token form (the "admin through SSO" path).
 */
async function adminFromSso(c: Context<AppEnv>): Promise<string | null> {
  const portal = await currentSession(c)
  if (!portal || portal.groups.length === 0) return null
  const { adminGroups } = await getSettings(c.env.DB)
  return portal.groups.some((g) => adminGroups.includes(g)) ? `sso:${portal.email ?? portal.nameId}` : null
}

export type AdminUiEnv = AppEnv

/** Requires an admin session; GETs without one go to the login form, other methods get 401. */
export function requireAdminSession(): MiddlewareHandler<AdminUiEnv> {
  return async (c, next) => {
    let session = await readAdminSession(c)
    if (!session) {
      const ssoActor = await adminFromSso(c)
      if (ssoActor) {
        await createAdminSession(c, ssoActor)
        session = { actor: ssoActor, csrf: '', expiresAt: 0 }
        // The fresh session's CSRF token is only known after a reload; send GETs round once.
        if (c.req.method === 'GET') return c.redirect(c.req.url, 303)
      }
    }
    if (!session) {
      if (c.req.method === 'GET') return c.redirect(`/sso/admin/login?next=${encodeURIComponent(new URL(c.req.url).pathname)}`, 303)
      throw new AppError('ADMIN_SESSION_REQUIRED')
    }
    c.set('adminSession', session)
    c.set('adminActor', session.actor)
    await next()
  }
}

/** Origin check (hono csrf: denies when headers are missing), then the form's `_csrf` token. */
export function checkCsrf(): MiddlewareHandler<AdminUiEnv> {
  const originCheck = csrf()
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    try {
      await originCheck(c, async () => {})
    } catch (err) {
      if (err instanceof HTTPException) throw new AppError('ADMIN_CSRF_REJECTED')
      throw err
    }
    const session = c.var.adminSession
    const form = await c.req.parseBody()
    const token = typeof form._csrf === 'string' ? form._csrf : ''
    if (!session?.csrf || !(await timingSafeEqual(token, session.csrf))) throw new AppError('ADMIN_CSRF_REJECTED')
    await next()
  }
}
