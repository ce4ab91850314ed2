/**
 * What the gateway publishes about itself: GET /sso/metadata (SP metadata), GET /sso/certs (JWKS
 * of the SSO-JWT keys and the OIDC client keys), GET /sso/health, and GET /sso/me (the signed-in identity, 401 without one).
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { identityJwks } from '../handoff/identity-jwt'
import { gatewayHealth } from '../health'
import { requestCookies } from '../http/respond'
import { oidcClientJwks } from '../sso/oidc-client-key'
import { currentSession, identityView } from '../sso/sessions'
import { spMetadata } from '../sso/sp-metadata'

export const gatewayInfoRoutes = new Hono<AppEnv>()
  .get('/metadata', async (c) => {
    const xml = await spMetadata(c.get('ctx'))
    c.header('Cache-Control', 'public, max-age=300')
    if (c.req.query('download') !== undefined) c.header('Content-Disposition', 'attachment; filename="sp-metadata.xml"')
    return c.body(xml, 200, { 'Content-Type': 'application/samlmetadata+xml; charset=utf-8' })
  })
  .get('/certs', async (c) => {
    // The SSO-JWT's ES256 keys, then the RS256 keys of private_key_jwt at OIDC providers (if any).
    const jwks = { keys: [...(await identityJwks(c.get('ctx'))).keys, ...(await oidcClientJwks(c.get('ctx')))] }
    // Cacheable briefly, so rotations propagate quickly.
    c.header('Cache-Control', 'public, max-age=300')
    return c.json(jwks)
  })
  .get('/health', async (c) => {
    const health = await gatewayHealth(c.get('ctx'))
    if (health.status !== 'ok') c.set('errorCode', 'HEALTH_DEGRADED')
    c.header('Cache-Control', 'no-store')
    return c.json(health, health.status === 'ok' ? 200 : 503)
  })
  .get('/me', async (c) => {
    const session = await currentSession(c.get('ctx'), requestCookies(c))
    if (!session) throw new AppError('SESSION_REQUIRED')
    c.header('Cache-Control', 'no-store')
    return c.json(identityView(session))
  })
