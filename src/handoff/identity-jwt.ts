/**
 * The `SSO-JWT` forwarded to the portal: short-lived ES256 (jose), `iss` = gateway origin,
 * `aud` = portal origin, identity claims from the session. Portals verify it with /sso/certs.
 */
import { SignJWT } from 'jose'
import type { RequestContext } from '../context'
import { activeSigningKey, publishedKeys, type SigningKey } from '../store/jwt-keys'
import type { ForwardedSession } from './proxy'

/** Lifetime of one identity JWT: one request's worth, plus clock skew. */
export const IDENTITY_JWT_TTL_SECONDS = 120

export interface IdentityJwtContext {
  issuer: string
  audience: string
  now: Date
}

/** A signed JWT is reused for this long (well inside its lifetime), saving an ES256 sign per request. */
const REUSE_SECONDS = 30
const MAX_CACHED = 1000
const cache = new Map<string, { jwt: string; until: number }>()

/**
 * The identity JWT for a session, reused across requests for REUSE_SECONDS. The cache key holds
 * every claim's source, so two sessions reuse one JWT only when it says exactly the same.
 */
export async function identityJwtFor(session: ForwardedSession, key: SigningKey, ctx: IdentityJwtContext): Promise<string> {
  const cacheKey = JSON.stringify([
    key.kid,
    ctx.issuer,
    ctx.audience,
    session.subject,
    session.organizationSlug,
    session.idpSlug,
    session.email,
    session.displayName,
    session.groups,
    session.createdAt,
  ])
  const hit = cache.get(cacheKey)
  const nowMs = ctx.now.getTime()
  if (hit && hit.until > nowMs) return hit.jwt
  const jwt = await signIdentityJwt(session, key, ctx)
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!)
  cache.set(cacheKey, { jwt, until: nowMs + REUSE_SECONDS * 1000 })
  return jwt
}

export async function signIdentityJwt(session: ForwardedSession, key: SigningKey, ctx: IdentityJwtContext): Promise<string> {
  const iat = Math.floor(ctx.now.getTime() / 1000)
  return (
    new SignJWT({
      email: session.email ?? undefined,
      name: session.displayName ?? undefined,
      groups: session.groups,
      idp: session.idpSlug,
      org: session.organizationSlug,
    })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
      .setIssuer(ctx.issuer)
      .setAudience(ctx.audience)
      // The namespaced subject (DESIGN.md): two IdPs never yield the same user key.
      .setSubject(session.subject)
      .setIssuedAt(iat)
      .setNotBefore(iat - 30)
      .setExpirationTime(iat + IDENTITY_JWT_TTL_SECONDS)
      .sign(key.privateKey)
  )
}

/** GET /sso/certs: the public keys that verify the SSO-JWT (a key is made first if none exists yet). */
export async function identityJwks(ctx: RequestContext): Promise<{ keys: (JsonWebKey & { kid: string })[] }> {
  const now = ctx.clock()
  // Make sure a key exists, so a portal can fetch the JWKS before the first login.
  await activeSigningKey(ctx.db, ctx.secret, now)
  return { keys: await publishedKeys(ctx.db, now) }
}
