/**
 * The `SSO-JWT` forwarded to the portal: short-lived ES256 (jose), `iss` = gateway origin,
 * `aud` = portal origin, identity claims from the session. Portals verify it with /sso/certs.
 */
import { SignJWT } from 'jose'
import type { Session } from '../store/sessions'
import type { SigningKey } from '../store/jwt-keys'

/** Lifetime of one identity JWT: one request's worth, plus clock skew. */
export const IDENTITY_JWT_TTL_SECONDS = 120

export interface IdentityJwtContext {
  issuer: string
  audience: string
  now: Date
}

export async function signIdentityJwt(session: Session, key: SigningKey, ctx: IdentityJwtContext): Promise<string> {
  const iat = Math.floor(ctx.now.getTime() / 1000)
  return new SignJWT({
    email: session.email ?? undefined,
    name: session.displayName ?? undefined,
    groups: session.groups,
    idp: session.idpSlug,
  })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .setIssuer(ctx.issuer)
    .setAudience(ctx.audience)
    .setSubject(session.nameId)
    .setIssuedAt(iat)
    .setNotBefore(iat - 30)
    .setExpirationTime(iat + IDENTITY_JWT_TTL_SECONDS)
    .sign(key.privateKey)
}
