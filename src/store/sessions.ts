/**
 * Portal sessions in KV. The cookie carries a random 256-bit token; KV is keyed by its SHA-256,
 * so a KV listing never reveals a live cookie. TTL = session lifetime (KV minimum 60 s). An index
 * by (IdP, NameID) lets IdP-initiated logout find every session of a user.
 */
import { hashToken, isTokenShape, newToken } from '../crypto/token'
import { kvKeys, MIN_KV_TTL_SECONDS } from './kv-keys'

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

/** The live session for a cookie token, or null (unknown, malformed or expired). */
export async function readSession(kv: KVNamespace, token: string, now: Date): Promise<Session | null> {
  if (!isTokenShape(token)) return null
  const session = await kv.get<Session>(kvKeys.session(await hashToken(token)), 'json')
  if (!session || session.expiresAt <= now.getTime()) return null
  return session
}

/** Stores a session under a fresh token and returns the token for the cookie. */
export async function createSession(kv: KVNamespace, session: Session, random: (n: number) => Uint8Array, now: Date): Promise<string> {
  const token = newToken(random)
  const ttl = Math.max(MIN_KV_TTL_SECONDS, Math.ceil((session.expiresAt - now.getTime()) / 1000))
  const hash = await hashToken(token)
  await Promise.all([
    kv.put(kvKeys.session(hash), JSON.stringify(session), { expirationTtl: ttl }),
    // The index value carries the SessionIndex so logout can target one IdP session.
    kv.put(kvKeys.sessionIndex(session.idpId, await hashToken(session.nameId), hash), session.sessionIndex ?? '', { expirationTtl: ttl }),
  ])
  return token
}

/** Ends the session named by a cookie token (and its index entry); unknown tokens are a no-op. */
export async function deleteSession(kv: KVNamespace, token: string): Promise<void> {
  if (!isTokenShape(token)) return
  const hash = await hashToken(token)
  const session = await kv.get<Session>(kvKeys.session(hash), 'json')
  await kv.delete(kvKeys.session(hash))
  if (session) await kv.delete(kvKeys.sessionIndex(session.idpId, await hashToken(session.nameId), hash))
}

/**
 * Ends every session of (IdP, NameID), or only those with the given SessionIndexes
 * (IdP-initiated SLO, SAML profiles §4.4). Returns how many were ended.
 */
export async function endSessionsFor(kv: KVNamespace, idpId: string, nameId: string, sessionIndexes: string[] = []): Promise<number> {
  const prefix = kvKeys.sessionIndexPrefix(idpId, await hashToken(nameId))
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
      await Promise.all([kv.delete(kvKeys.session(hash)), kv.delete(key.name)])
      ended++
    }
    cursor = page.list_complete ? undefined : page.cursor
  } while (cursor)
  return ended
}
