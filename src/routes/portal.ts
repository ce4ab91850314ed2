/**
 * Everything outside /sso/ is the portal. Without a valid session: browsers are redirected to
 * /sso/login?return_to=<path>, API/XHR clients get 401 JSON. With one: forwarded upstream with
 * the identity headers and the SSO-JWT (handoff/).
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { identityJwtFor } from '../handoff/identity-jwt'
import { identityHeaders, IDENTITY_JWT_HEADER, privatize, upstreamRequest } from '../handoff/proxy'
import { wantsHtml } from '../middleware/negotiate'
import { redirectToSignIn } from '../middleware/audit'
import { currentSession } from '../middleware/session'
import { activeSigningKey } from '../store/jwt-keys'
import { getSettings } from '../store/settings'

export const portalRoutes = new Hono<AppEnv>().all('*', async (c) => {
  const session = await currentSession(c)
  if (!session) {
    if (!wantsHtml(c.req.raw)) throw new AppError('SESSION_REQUIRED')
    const url = new URL(c.req.url)
    c.header('Cache-Control', 'no-store')
    return redirectToSignIn(c, url.pathname + url.search)
  }
  const now = c.var.deps.clock()
  const gatewayOrigin = new URL(c.req.url).origin
  const portalOrigin = c.env.PORTAL_ORIGIN || undefined
  const key = await activeSigningKey(c.env.DB, c.env.SSO_SECRET, now)
  const jwt = await identityJwtFor(session, key, { issuer: gatewayOrigin, audience: portalOrigin ?? gatewayOrigin, now })
  const { headerNames, userHeader } = await getSettings(c.env.DB)
  const forwarding = { headerNames, userHeader }
  const path = new URL(c.req.url).pathname
  const upstream = upstreamRequest(c.req.raw, portalOrigin, { ...identityHeaders(session, path, forwarding), [IDENTITY_JWT_HEADER]: jwt }, forwarding)
  return privatize(await fetch(upstream))
})
