/**
 * Portal sessions: the session itself in KV, keyed by the SHA-256 of its cookie token (a KV
 * listing never reveals a live cookie; TTL = session lifetime, KV minimum 60 s), and one row per
 * session in the D1 index (session_index), which revokes the sessions of an organization, an IdP
 * or one user, finds them for IdP-initiated logout, and counts them, without listing KV.
 */
import { and, count, eq, gt, inArray, lt } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { hashToken, isTokenShape, newToken } from '../crypto/token'
import { kvKeys, MIN_KV_TTL_SECONDS } from './kv-keys'
import { idps, organizations, sessionIndex } from './schema'
import { invalidateTenantStatus } from './tenant-status'

export interface Session {
  idpId: string
  idpSlug: string
  /** The IdP's organization at login (absent in sessions from before organizations existed). */
  organizationId?: string
  organizationSlug?: string
  /** `<idp slug>:<NameID>`: the user key the portal and the helpdesks see (absent in older sessions). */
  subject?: string
  nameId: string
  nameIdFormat: string | null
  sessionIndex: string | null
  /** An email the IdP may assert: in its organization's verified domains, or the organization trusts any email. */
  email: string | null
  /** The email's domain is verified for the organization (false: none, or the organization trusts any email). */
  emailVerified?: boolean
  displayName: string | null
  groups: string[]
  createdAt: number
  expiresAt: number
}

/** Bindings a session lives in: KV for the session, D1 for its index. */
export interface SessionStores {
  kv: KVNamespace
  db: D1Database
}

/** The live session for a cookie token, or null (unknown, malformed or expired). */
export async function readSession(kv: KVNamespace, token: string, now: Date): Promise<Session | null> {
  if (!isTokenShape(token)) return null
  const session = await kv.get<Session>(kvKeys.session(await hashToken(token)), 'json')
  if (!session || session.expiresAt <= now.getTime()) return null
  return session
}

/** Stores a session under a fresh token, indexes it, and returns the token for the cookie. */
export async function createSession(
  stores: SessionStores,
  session: Session & { organizationId: string; subject: string },
  random: (n: number) => Uint8Array,
  now: Date,
): Promise<string> {
  const token = newToken(random)
  const ttl = Math.max(MIN_KV_TTL_SECONDS, Math.ceil((session.expiresAt - now.getTime()) / 1000))
  const hash = await hashToken(token)
  // The index row first: a session that exists is always revocable.
  await drizzle(stores.db)
    .insert(sessionIndex)
    .values({
      tokenHash: hash,
      organizationId: session.organizationId,
      idpId: session.idpId,
      subject: session.subject,
      nameIdHash: await hashToken(session.nameId),
      sessionIndex: session.sessionIndex,
      expiresAt: new Date(session.expiresAt),
    })
  await stores.kv.put(kvKeys.session(hash), JSON.stringify(session), { expirationTtl: ttl })
  return token
}

/** Ends the session named by a cookie token (KV entry and index row); unknown tokens are a no-op. */
export async function deleteSession(stores: SessionStores, token: string): Promise<void> {
  if (!isTokenShape(token)) return
  const hash = await hashToken(token)
  await stores.kv.delete(kvKeys.session(hash))
  await drizzle(stores.db).delete(sessionIndex).where(eq(sessionIndex.tokenHash, hash))
}

/**
 * Most KV entries one revocation deletes: a Worker invocation may make about 1000 KV calls.
 * Sessions of an organization or IdP beyond it die anyway (their row's sessionsRevokedAt, checked
 * on every request); a subject with more sessions than this is ended over several calls.
 */
export const MAX_KV_DELETES_PER_CALL = 500

/** Ends the indexed sessions whose token hashes are given: KV entries and index rows. */
async function endIndexed(stores: SessionStores, hashes: string[]): Promise<void> {
  if (hashes.length === 0) return
  await Promise.all(hashes.map((h) => stores.kv.delete(kvKeys.session(h))))
  // D1 limits bound parameters per statement: delete in slices.
  for (let i = 0; i < hashes.length; i += 50)
    await drizzle(stores.db)
      .delete(sessionIndex)
      .where(inArray(sessionIndex.tokenHash, hashes.slice(i, i + 50)))
}

/**
 * Ends every session of (IdP, NameID), or only those with the given SessionIndexes
 * (IdP-initiated SLO, SAML profiles §4.4), at most MAX_KV_DELETES_PER_CALL. Returns how many were ended.
 */
export async function endSessionsFor(stores: SessionStores, idpId: string, nameId: string, sessionIndexes: string[] = []): Promise<number> {
  const rows = await drizzle(stores.db)
    .select({ hash: sessionIndex.tokenHash, sessionIndex: sessionIndex.sessionIndex })
    .from(sessionIndex)
    .where(and(eq(sessionIndex.idpId, idpId), eq(sessionIndex.nameIdHash, await hashToken(nameId))))
    .limit(MAX_KV_DELETES_PER_CALL)
  const chosen = sessionIndexes.length ? rows.filter((r) => r.sessionIndex !== null && sessionIndexes.includes(r.sessionIndex)) : rows
  await endIndexed(
    stores,
    chosen.map((r) => r.hash),
  )
  return chosen.length
}

/** Who to revoke: every session of an organization, of an IdP, or of one user (namespaced subject). */
export type SessionScope = { organizationId: string } | { idpId: string } | { subject: string }

function scopeFilter(scope: SessionScope) {
  if ('organizationId' in scope) return eq(sessionIndex.organizationId, scope.organizationId)
  if ('idpId' in scope) return eq(sessionIndex.idpId, scope.idpId)
  return eq(sessionIndex.subject, scope.subject)
}

/** What a revocation did: sessions ended, and (one user with very many sessions only) how many are left for another call. */
export interface Revocation {
  revoked: number
  remaining: number
}

/**
 * Ends every session in `scope`. An organization or IdP first gets sessionsRevokedAt = now, which
 * ends all its sessions at once wherever the tenant status is read; then up to
 * MAX_KV_DELETES_PER_CALL of them are deleted from KV, and all its index rows from D1. One user's
 * sessions are deleted up to that bound; `remaining` says how many are left.
 */
export async function revokeSessions(stores: SessionStores, scope: SessionScope, now: Date): Promise<Revocation> {
  const db = drizzle(stores.db)
  const where = scopeFilter(scope)
  const [total] = await db.select({ n: count() }).from(sessionIndex).where(where)
  if ('organizationId' in scope) await db.update(organizations).set({ sessionsRevokedAt: now }).where(eq(organizations.id, scope.organizationId))
  if ('idpId' in scope) await db.update(idps).set({ sessionsRevokedAt: now }).where(eq(idps.id, scope.idpId))
  if (!('subject' in scope)) invalidateTenantStatus()
  const rows = await db.select({ hash: sessionIndex.tokenHash }).from(sessionIndex).where(where).limit(MAX_KV_DELETES_PER_CALL)
  await endIndexed(
    stores,
    rows.map((r) => r.hash),
  )
  const n = total?.n ?? 0
  if ('subject' in scope) return { revoked: rows.length, remaining: n - rows.length }
  // The rest are ended by the stamp; their KV entries expire on their own.
  await db.delete(sessionIndex).where(where)
  return { revoked: n, remaining: 0 }
}

/** Live sessions per organization (for the admin's list). */
export async function countLiveSessionsByOrganization(d1: D1Database, now: Date): Promise<Map<string, number>> {
  const rows = await drizzle(d1)
    .select({ id: sessionIndex.organizationId, n: count() })
    .from(sessionIndex)
    .where(gt(sessionIndex.expiresAt, now))
    .groupBy(sessionIndex.organizationId)
  return new Map(rows.map((r) => [r.id, r.n]))
}

/** Deletes index rows of sessions that have expired (their KV entries expired on their own). */
export async function pruneSessionIndex(d1: D1Database, now: Date): Promise<number> {
  const rows = await drizzle(d1).delete(sessionIndex).where(lt(sessionIndex.expiresAt, now)).returning({ hash: sessionIndex.tokenHash })
  return rows.length
}
