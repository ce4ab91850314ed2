/**
 * Portal sessions in KV. The cookie carries a random 256-bit token; KV is keyed by its SHA-256,
 * so a KV listing never reveals a live cookie. TTL = session lifetime (KV minimum 60 s).
 */

export interface Session {
  idpId: string
  idpSlug: string
  nameId: string
  nameIdFormat: string | null
  sessionIndex: string | null
  email: string | null
  displayName: string | null
  groups: string[]
  createdAt: number
  expiresAt: number
}

export const SESSION_COOKIE = '__Host-sso_session'
const KEY_PREFIX = 'session:'
const MIN_KV_TTL_SECONDS = 60

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** The live session for a cookie token, or null (unknown, malformed or expired). */
export async function readSession(kv: KVNamespace, token: string, now: Date): Promise<Session | null> {
  // Tokens are 43 base64url chars; anything else cannot be ours and costs no KV read.
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null
  const session = await kv.get<Session>(KEY_PREFIX + (await hashToken(token)), 'json')
  if (!session || session.expiresAt <= now.getTime()) return null
  return session
}

/** Stores a session under a fresh token and returns the token for the cookie. */
export async function createSession(kv: KVNamespace, session: Session, random: (n: number) => Uint8Array, now: Date): Promise<string> {
  const token = base64Url(random(32))
  const ttl = Math.max(MIN_KV_TTL_SECONDS, Math.ceil((session.expiresAt - now.getTime()) / 1000))
  await kv.put(KEY_PREFIX + (await hashToken(token)), JSON.stringify(session), { expirationTtl: ttl })
  return token
}

export async function deleteSession(kv: KVNamespace, token: string): Promise<void> {
  await kv.delete(KEY_PREFIX + (await hashToken(token)))
}

function base64Url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
