/**
 * Hand-offs to hosted helpdesks by JWT: GET /sso/handoff/zendesk (Zendesk's remote login URL) and
 * GET /sso/handoff/freshworks (Freshworks custom SSO). Services: handoff/zendesk.ts, freshworks.ts.
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { handOffToFreshworks } from '../handoff/freshworks'
import { handOffToZendesk } from '../handoff/zendesk'
import { requestCookies, respond } from '../http/respond'
import { audited, trailOf } from '../middleware/audited'

export const handoffRoutes = new Hono<AppEnv>()
  .get('/handoff/freshworks', audited('handoff.freshworks'), async (c) => {
    const url = new URL(c.req.url)
    const request = {
      app: c.req.query('app'),
      redirectUri: c.req.query('redirect_uri') ?? '',
      state: c.req.query('state') ?? '',
      nonce: c.req.query('nonce'),
      clientId: c.req.query('client_id'),
      path: url.pathname + url.search,
    }
    return respond(c, await handOffToFreshworks(c.get('ctx'), trailOf(c), request, requestCookies(c)))
  })
  .get('/handoff/zendesk', audited('handoff.zendesk'), async (c) => {
    const url = new URL(c.req.url)
    const request = { app: c.req.query('app'), returnTo: c.req.query('return_to'), path: url.pathname + url.search }
    return respond(c, await handOffToZendesk(c.get('ctx'), trailOf(c), request, requestCookies(c)))
  })
