/**
 * Proxy mode: a signed-in customer's portal request, forwarded upstream with the identity
 * headers and the SSO-JWT (ES256, issued by this origin for the portal's origin).
 */
import type { RequestContext } from '../context'
import { activeSigningKey } from '../store/jwt-keys'
import type { LiveSession } from '../sso/sessions'
import { getSettings } from '../store/settings'
import { identityJwtFor } from './identity-jwt'
import { forwardUpstream, identityHeaders, IDENTITY_JWT_HEADER } from './proxy'

/** `portalOrigin`: PORTAL_ORIGIN when set (local dev, or a portal on another host), else undefined: the route's own origin. */
export async function forwardToPortal(ctx: RequestContext, request: Request, session: LiveSession, portalOrigin: string | undefined): Promise<Response> {
  const now = ctx.clock()
  const key = await activeSigningKey(ctx.db, ctx.secret, now)
  const jwt = await identityJwtFor(session, key, { issuer: ctx.origin, audience: portalOrigin ?? ctx.origin, now })
  const { headerNames, userHeader } = await getSettings(ctx.db)
  const forwarding = { headerNames, userHeader }
  // The path matters only to the optional user header's prefixes: the URL is parsed only then.
  const path = userHeader ? new URL(request.url).pathname : ''
  const identity = { ...identityHeaders(session, path, forwarding), [IDENTITY_JWT_HEADER]: jwt }
  return forwardUpstream(request, portalOrigin, identity, forwarding)
}
