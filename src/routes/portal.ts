/**
 * Everything outside /sso/ is the portal. Without a valid session: browsers are redirected to
 * /sso/login?return_to=<path>, API/XHR clients get 401 JSON. With one: forwarded upstream with
 * the identity headers and the SSO-JWT (handoff/portal.ts).
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { forwardToPortal } from '../handoff/portal'
import { wantsHtml } from '../http/negotiate'
import { requestCookies, respond } from '../http/respond'
import { currentSession } from '../sso/sessions'
import { signInFirst } from '../sso/sign-in'

export const portalRoutes = new Hono<AppEnv>().all('*', async (c) => {
  const session = await currentSession(c.get('ctx'), requestCookies(c))
  if (!session) {
    if (!wantsHtml(c.req.raw)) throw new AppError('SESSION_REQUIRED')
    const url = new URL(c.req.url)
    return respond(c, signInFirst(url.pathname + url.search))
  }
  return forwardToPortal(c.get('ctx'), c.req.raw, session, c.env.PORTAL_ORIGIN || undefined)
})
