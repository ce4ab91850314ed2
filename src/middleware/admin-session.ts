/**
 * Admin console sessions: after the token form (or SSO by a user whose (IdP, group) pair is in
 * settings.adminAccess, re-checked on every request), a short-lived session (admin/auth.ts). Every state-changing form is checked twice: Origin /
 * Sec-Fetch-Site (hono csrf, which denies when they are missing) and the session's CSRF token.
 */
import type { MiddlewareHandler } from 'hono'
import { csrf } from 'hono/csrf'
import { HTTPException } from 'hono/http-exception'
import { closeConsoleSession, isCsrfTokenValid, isSsoAdminStillGranted, openConsoleSession, readConsoleSession, ssoAdminGrant } from '../admin/auth'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { readForm } from '../http/body'
import { applyCookies, requestCookies } from '../http/respond'
import { consoleHostNotice } from '../admin/console-host'
import { setActor } from './context'

/** Requires an admin session; GETs without one go to the login form, other methods get 401. */
export function requireAdminSession(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const ctx = c.get('ctx')
    const cookies = requestCookies(c)
    let session = await readConsoleSession(ctx, cookies)
    // Admin through SSO is re-checked on every request (DESIGN.md): the grant can end any time.
    if (session?.sso && !(await isSsoAdminStillGranted(ctx, session.sso, cookies))) {
      applyCookies(c, [await closeConsoleSession(ctx, cookies)])
      session = null
    }
    if (!session) {
      const grant = await ssoAdminGrant(ctx, cookies)
      if (grant) {
        const opened = await openConsoleSession(ctx, grant.actor, grant.sso)
        applyCookies(c, [opened.cookie])
        // The fresh session's CSRF token is only known after a reload; send GETs round once.
        if (c.req.method === 'GET') return c.redirect(c.req.url, 303)
        session = { ...opened.session, csrf: '' }
      }
    }
    if (!session) {
      if (c.req.method === 'GET') return c.redirect(`/sso/admin/login?next=${encodeURIComponent(new URL(c.req.url).pathname)}`, 303)
      throw new AppError('ADMIN_SESSION_REQUIRED')
    }
    c.set('adminSession', session)
    c.set('hostNotice', await consoleHostNotice(ctx))
    setActor(c, session.actor)
    await next()
  }
}

/** Origin check (hono csrf: denies when headers are missing), then the form's `_csrf` token. */
export function checkCsrf(): MiddlewareHandler<AppEnv> {
  const originCheck = csrf()
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    try {
      await originCheck(c, async () => {})
    } catch (err) {
      if (err instanceof HTTPException) throw new AppError('ADMIN_CSRF_REJECTED')
      throw err
    }
    const session = c.get('adminSession')
    const form = await readForm(c)
    if (!session || !(await isCsrfTokenValid(session, form._csrf ?? ''))) throw new AppError('ADMIN_CSRF_REJECTED')
    await next()
  }
}
