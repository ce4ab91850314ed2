/**
 * Everything outside /sso/ is the portal. Without a valid session: browsers are redirected to
 * /sso/login?return_to=<path>, API/XHR clients get 401 JSON. With one: forwarded upstream with
 * the identity (handoff/proxy.ts).
 */
import { Hono } from 'hono'
import { getCookie } from 'hono/cookie'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { identityHeaders, privatize, upstreamRequest } from '../handoff/proxy'
import { wantsHtml } from '../middleware/negotiate'
import { readSession, SESSION_COOKIE } from '../store/sessions'

export const portalRoutes = new Hono<AppEnv>().all('*', async (c) => {
  const token = getCookie(c, SESSION_COOKIE)
  const session = token ? await readSession(c.env.SESSIONS, token, c.var.deps.clock()) : null
  if (!session) {
    if (!wantsHtml(c.req.raw)) throw new AppError('SESSION_REQUIRED')
    const url = new URL(c.req.url)
    const returnTo = url.pathname + url.search
    c.header('Cache-Control', 'no-store')
    return c.redirect(`/sso/login?return_to=${encodeURIComponent(returnTo)}`, 302)
  }
  const upstream = upstreamRequest(c.req.raw, c.env.PORTAL_ORIGIN || undefined, identityHeaders(session))
  return privatize(await fetch(upstream))
})
