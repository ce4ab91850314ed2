/**
 * Admin console sessions in KV, keyed by the SHA-256 of the cookie token (like portal sessions),
 * each with its own CSRF token. One hour, never extended.
 */
import { base64url } from 'jose'
import { hashToken, isTokenShape, newToken } from '../crypto/token'
import { ADMIN_SESSION_TTL_SECONDS, kvKeys } from './kv-keys'

/** How an SSO admin got in: the (IdP, group) pair and the user, re-checked on every request. */
export interface SsoAdmin {
  idpId: string
  group: string
  subject: string
}

export interface AdminSession {
  actor: string
  /** Set when the session was opened through SSO (admin/auth.ts ssoAdminGrant). */
  sso?: SsoAdmin
  /** Sent in every console form (`_csrf`), compared in constant time. */
  csrf: string
  expiresAt: number
}

/** Stores a new admin session for `actor`; returns the cookie token and the session. */
export async function createAdminSession(
  kv: KVNamespace,
  actor: string,
  random: (n: number) => Uint8Array,
  now: Date,
  sso?: SsoAdmin,
): Promise<{ token: string; session: AdminSession }> {
  const token = newToken(random)
  const session: AdminSession = {
    actor,
    csrf: base64url.encode(random(24)),
    expiresAt: now.getTime() + ADMIN_SESSION_TTL_SECONDS * 1000,
    ...(sso ? { sso } : {}),
  }
  await kv.put(kvKeys.adminSession(await hashToken(token)), JSON.stringify(session), { expirationTtl: ADMIN_SESSION_TTL_SECONDS })
  return { token, session }
}

export async function readAdminSession(kv: KVNamespace, token: string, now: Date): Promise<AdminSession | null> {
  if (!isTokenShape(token)) return null
  const session = await kv.get<AdminSession>(kvKeys.adminSession(await hashToken(token)), 'json')
  return session && session.expiresAt > now.getTime() ? session : null
}

export async function deleteAdminSession(kv: KVNamespace, token: string): Promise<void> {
  if (isTokenShape(token)) await kv.delete(kvKeys.adminSession(await hashToken(token)))
}
