/**
 * GET /sso/me (the signed-in identity, 401 when none) and GET /sso/certs (JWKS of the keys that
 * sign the SSO-JWT; cacheable for a short time so rotations propagate quickly).
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { currentSession } from '../middleware/session'
import { activeSigningKey, publishedKeys } from '../store/jwt-keys'

export const identityRoutes = new Hono<AppEnv>()
  .get('/me', async (c) => {
    const session = await currentSession(c)
    if (!session) throw new AppError('SESSION_REQUIRED')
    c.header('Cache-Control', 'no-store')
    return c.json({
      sub: session.nameId,
      nameIdFormat: session.nameIdFormat,
      email: session.email,
      name: session.displayName,
      groups: session.groups,
      idp: session.idpSlug,
      expiresAt: new Date(session.expiresAt).toISOString(),
    })
  })
  .get('/certs', async (c) => {
    const now = c.var.deps.clock()
    // Make sure a key exists, so a portal can fetch the JWKS before the first login.
    await activeSigningKey(c.env.DB, c.env.SSO_SECRET, now)
    c.header('Cache-Control', 'public, max-age=300')
    return c.json({ keys: await publishedKeys(c.env.DB, now) })
  })
