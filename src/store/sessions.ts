/**
 * Portal sessions in KV. The cookie carries a random 256-bit token; KV is keyed by its SHA-256,
 * so a KV listing never reveals a live cookie. TTL = session lifetime (KV minimum 60 s).
 */
import { toBase64Url } from '../crypto/secret-box'

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

const INDEX_PREFIX = 'session-index:'

/** Index key prefix for IdP-initiated logout: (IdP, NameID) → sessions; hashes only. */
async function indexPrefix(idpId: string, nameId: string): Promise<string> {
  return `${INDEX_PREFIX}${idpId}:${await hashToken(nameId)}:`
}

/** Stores a session under a fresh token and returns the token for the cookie. */
export async function createSession(kv: KVNamespace, session: Session, random: (n: number) => Uint8Array, now: Date): Promise<string> {
  const token = toBase64Url(random(32))
  const ttl = Math.max(MIN_KV_TTL_SECONDS, Math.ceil((session.expiresAt - now.getTime()) / 1000))
  const hash = await hashToken(token)
  await Promise.all([
    kv.put(KEY_PREFIX + hash, JSON.stringify(session), { expirationTtl: ttl }),
    // The index value carries the SessionIndex so logout can target one IdP session.
    kv.put((await indexPrefix(session.idpId, session.nameId)) + hash, session.sessionIndex ?? '', { expirationTtl: ttl }),
  ])
  return token
}

export async function deleteSession(kv: KVNamespace, token: string): Promise<void> {
  const hash = await hashToken(token)
  const session = await kv.get<Session>(KEY_PREFIX + hash, 'json')
  await kv.delete(KEY_PREFIX + hash)
  if (session) await kv.delete((await indexPrefix(session.idpId, session.nameId)) + hash)
}

/**
 * Ends every session of (IdP, NameID), or only those with the given SessionIndexes
 * (IdP-initiated SLO, SAML profiles §4.4). Returns how many were ended.
 */
export async function endSessionsFor(kv: KVNamespace, idpId: string, nameId: string, sessionIndexes: string[] = []): Promise<number> {
  const prefix = await indexPrefix(idpId, nameId)
  let ended = 0
  let cursor: string | undefined
  do {
    const page = await kv.list({ prefix, ...(cursor ? { cursor } : {}) })
    for (const key of page.keys) {
      const hash = key.name.slice(prefix.length)
      if (sessionIndexes.length) {
        const index = await kv.get(key.name)
        if (index === null || !sessionIndexes.includes(index)) continue
      }
      await Promise.all([kv.delete(KEY_PREFIX + hash), kv.delete(key.name)])
      ended++
    }
    cursor = page.list_complete ? undefined : page.cursor
  } while (cursor)
  return ended
}
