/**
 * Hand-off to hosted helpdesks. GET /sso/handoff/zendesk (Zendesk's "remote login URL"): signs
 * the customer in if needed, then posts Zendesk's HS256 JWT to its /access/jwt endpoint.
 * GET /sso/handoff/freshworks: Freshworks custom SSO, an RS256 id_token back to redirect_uri.
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { safeZendeskReturnTo, signZendeskJwt, zendeskClaims, zendeskOrigin } from '../handoff/zendesk'
import { auditRequest, redirectToSignIn } from '../middleware/audit'
import { currentSession } from '../middleware/session'
import { findEnabledApp, openAppSecret, type FreshworksConfig, type ZendeskConfig } from '../store/apps'
import { activeSpKey } from '../store/sp-keys'
import { isRegisteredRedirect, signFreshworksToken } from '../handoff/freshworks'
import { autoPostPage } from '../ui/auto-post'

export const handoffRoutes = new Hono<AppEnv>()
  .get('/handoff/freshworks', async (c) => {
    const app = await findEnabledApp(c.env.DB, 'freshworks', c.req.query('app'))
    if (!app) throw new AppError('HANDOFF_APP_NOT_FOUND')
    const redirectUri = c.req.query('redirect_uri') ?? ''
    const state = c.req.query('state') ?? ''
    // Checked before sign-in: an unregistered redirect_uri must never receive a token.
    if (!isRegisteredRedirect(app.config as unknown as FreshworksConfig, redirectUri))
      throw new AppError('HANDOFF_REDIRECT_NOT_ALLOWED', undefined, { redirectUri })
    if (!state || state.length > 2048) throw new AppError('BAD_REQUEST', 'state is required')
    const session = await currentSession(c)
    if (!session) return redirectToSignIn(c, new URL(c.req.url).pathname + new URL(c.req.url).search)
    const now = c.var.deps.clock()
    const key = await activeSpKey(c.env.DB, c.env.SSO_SECRET, 'signing', now, new URL(c.req.url).host)
    const idToken = await signFreshworksToken(session, {
      nonce: c.req.query('nonce') ?? null,
      audience: c.req.query('client_id') ?? null,
      now,
      privateKeyPem: key.privateKeyPem,
      keyId: key.id,
    })
    await auditRequest(c, { action: 'handoff.freshworks', idpId: session.idpId, subject: session.nameId, outcome: 'success', detail: { appId: app.id } })
    const target = new URL(redirectUri)
    target.searchParams.set('state', state)
    target.searchParams.set('id_token', idToken)
    c.header('Cache-Control', 'no-store')
    return c.redirect(target.toString(), 302)
  })
  .get('/handoff/zendesk', async (c) => {
    const app = await findEnabledApp(c.env.DB, 'zendesk', c.req.query('app'))
    if (!app) throw new AppError('HANDOFF_APP_NOT_FOUND')
    const session = await currentSession(c)
    if (!session) return redirectToSignIn(c, new URL(c.req.url).pathname + new URL(c.req.url).search)
    const secret = await openAppSecret(c.env.SSO_SECRET, app)
    if (!secret) throw new AppError('HANDOFF_NOT_CONFIGURED', undefined, { appId: app.id })
    const config = app.config as unknown as ZendeskConfig
    const now = c.var.deps.clock()
    const jti = crypto.randomUUID()
    const jwt = await signZendeskJwt(zendeskClaims(session, config, jti, now), secret)
    const returnTo = safeZendeskReturnTo(config, c.req.query('return_to'))
    await auditRequest(c, { action: 'handoff.zendesk', idpId: session.idpId, subject: session.nameId, outcome: 'success', detail: { appId: app.id, jti } })
    c.header('Cache-Control', 'no-store')
    return c.html(autoPostPage(`${zendeskOrigin(config)}/access/jwt`, { jwt, ...(returnTo ? { return_to: returnTo } : {}) }, 'Continuing to the help center…'))
  })
