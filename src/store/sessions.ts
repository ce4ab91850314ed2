/**
 * Portal sessions: the session itself in KV, keyed by the SHA-256 of its cookie token (a KV
 * listing never reveals a live cookie; TTL = session lifetime, KV minimum 60 s), and one row per
 * session in the D1 index (session_index), which revokes the sessions of an organization, an IdP
 * or one user, finds them for IdP-initiated logout, and counts them, without listing KV.
 */
import { and, count, eq, gt, gte, inArray, lt, or } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { hashToken, isTokenShape, newToken } from '../crypto/token'
import { kvKeys, MIN_KV_TTL_SECONDS } from './kv-keys'
import { idps, organizations, sessionIndex, sessionRevocations } from './schema'
import { insertInto } from './statements'
import { noteEndedSessions, tenantChanged } from './tenant-status'

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
  /** How the upstream IdP authenticated the user (its AuthnContextClassRef); absent in older sessions. */
  authnContextClassRef?: string | null
  /** An email the IdP may assert: in its organization's verified domains, or the organization trusts any email. */
  email: string | null
  /** The email's domain is verified for the organization (false: none, or the organization trusts any email). */
  emailVerified?: boolean
  displayName: string | null
  groups: string[]
  createdAt: number
  expiresAt: number
  /** An OIDC sign-in: the ID token, sent back as id_token_hint when the user signs out at the provider. */
  idToken?: string
}

/** Longest session lifetime the settings allow (sessionLifetimeSeconds). */
export const MAX_SESSION_LIFETIME_SECONDS = 30 * 86_400

/**
 * How long a KV delete may take to reach every location, with a wide margin: KV documents "up to
 * 60 seconds or more" (a location serves its cached copy until it expires). A logout's revocation
 * row is kept this long; after it, KV itself no longer serves the ended session anywhere.
 */
export const KV_PROPAGATION_BOUND_MS = 5 * 60_000

/** Bindings a session lives in: KV for the session, D1 for its index. */
export interface SessionStores {
  kv: KVNamespace
  db: D1Database
}

/** The live session for a cookie token, or null (unknown, malformed or expired). */
export async function readSession(kv: KVNamespace, token: string, now: Date): Promise<Session | null> {
  return (await readSessionEntry(kv, token, now))?.session ?? null
}

/** The session and the hash it is stored under (what revocation rows name), or null. */
export async function readSessionEntry(kv: KVNamespace, token: string, now: Date): Promise<{ session: Session; tokenHash: string } | null> {
  if (!isTokenShape(token)) return null
  const tokenHash = await hashToken(token)
  const session = await kv.get<Session>(kvKeys.session(tokenHash), 'json')
  if (!session || session.expiresAt <= now.getTime()) return null
  return { session, tokenHash }
}

// Every sign-in writes one: a prepared statement (statements.ts).
const insertSessionIndex = insertInto(sessionIndex)

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
  await insertSessionIndex(stores.db, {
    tokenHash: hash,
    organizationId: session.organizationId,
    idpId: session.idpId,
    subject: session.subject,
    nameIdHash: await hashToken(session.nameId),
    sessionIndex: session.sessionIndex,
    expiresAt: new Date(session.expiresAt),
  }).run()
  try {
    await stores.kv.put(kvKeys.session(hash), JSON.stringify(session), { expirationTtl: ttl })
  } catch (err) {
    // No session after all: its index row goes too, so nothing counts or revokes a session that never was.
    await drizzle(stores.db)
      .delete(sessionIndex)
      .where(eq(sessionIndex.tokenHash, hash))
      .catch(() => undefined)
    throw err
  }
  return token
}

/**
 * Records that these sessions ended at `now`, for as long as KV may still serve them elsewhere
 * (KV_PROPAGATION_BOUND_MS), and adds them to this isolate's cached tenant status at once.
 */
async function recordEnded(d1: D1Database, hashes: string[], now: Date): Promise<void> {
  if (hashes.length === 0) return
  const until = new Date(now.getTime() + KV_PROPAGATION_BOUND_MS)
  // D1 limits bound parameters per statement: insert in slices.
  for (let i = 0; i < hashes.length; i += 20)
    await drizzle(d1)
      .insert(sessionRevocations)
      .values(hashes.slice(i, i + 20).map((value) => ({ kind: 'session' as const, value, notBefore: now, until })))
  noteEndedSessions(hashes)
}

/**
 * Ends the session named by a cookie token (revocation row, KV entry, index row); unknown tokens
 * are a no-op. The row comes first: once it is written, no location honors the session after its
 * tenant status refreshes, whatever its KV still says.
 */
export async function deleteSession(stores: SessionStores, token: string, now: Date): Promise<void> {
  if (!isTokenShape(token)) return
  const hash = await hashToken(token)
  const indexed = await drizzle(stores.db).delete(sessionIndex).where(eq(sessionIndex.tokenHash, hash)).returning({ hash: sessionIndex.tokenHash })
  // Only a session that exists needs a row: a made-up token costs no write.
  if (indexed.length > 0) await recordEnded(stores.db, [hash], now)
  await stores.kv.delete(kvKeys.session(hash))
}

/**
 * Most KV entries one revocation deletes: a Worker invocation may make about 1000 KV calls.
 * Sessions beyond it die anyway (the stamp, checked on every request) and expire from KV.
 */
export const MAX_KV_DELETES_PER_CALL = 500

/** Ends the indexed sessions whose token hashes are given: revocation rows (with `now`), KV entries and index rows. */
async function endIndexed(stores: SessionStores, hashes: string[], now: Date | null): Promise<void> {
  if (hashes.length === 0) return
  if (now) await recordEnded(stores.db, hashes, now)
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
export async function endSessionsFor(stores: SessionStores, idpId: string, nameId: string, sessionIndexes: string[], now: Date): Promise<number> {
  const rows = await drizzle(stores.db)
    .select({ hash: sessionIndex.tokenHash, sessionIndex: sessionIndex.sessionIndex })
    .from(sessionIndex)
    .where(and(eq(sessionIndex.idpId, idpId), eq(sessionIndex.nameIdHash, await hashToken(nameId))))
    .limit(MAX_KV_DELETES_PER_CALL)
  const chosen = sessionIndexes.length ? rows.filter((r) => r.sessionIndex !== null && sessionIndexes.includes(r.sessionIndex)) : rows
  await endIndexed(
    stores,
    chosen.map((r) => r.hash),
    now,
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
 * Ends every session in `scope` at once with a stamp the tenant status carries: an organization or
 * IdP gets sessionsRevokedAt = now, one user a subject revocation row (every session of it created
 * at or before now is ended, kept as long as such a session could live). Then up to
 * MAX_KV_DELETES_PER_CALL KV entries are deleted (the rest expire on their own, already dead) and
 * every index row of the scope.
 */
export async function revokeSessions(stores: SessionStores, scope: SessionScope, now: Date): Promise<Revocation> {
  const db = drizzle(stores.db)
  const where = scopeFilter(scope)
  const [total] = await db.select({ n: count() }).from(sessionIndex).where(where)
  if ('organizationId' in scope) await db.update(organizations).set({ sessionsRevokedAt: now }).where(eq(organizations.id, scope.organizationId))
  if ('idpId' in scope) await db.update(idps).set({ sessionsRevokedAt: now }).where(eq(idps.id, scope.idpId))
  if ('subject' in scope)
    await db
      .insert(sessionRevocations)
      .values({ kind: 'subject', value: scope.subject, notBefore: now, until: new Date(now.getTime() + MAX_SESSION_LIFETIME_SECONDS * 1000) })
  await tenantChanged(stores.db)
  const rows = await db.select({ hash: sessionIndex.tokenHash }).from(sessionIndex).where(where).limit(MAX_KV_DELETES_PER_CALL)
  // The stamp already ends them: no revocation row per session.
  await endIndexed(
    stores,
    rows.map((r) => r.hash),
    null,
  )
  await db.delete(sessionIndex).where(where)
  return { revoked: total?.n ?? 0, remaining: 0 }
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

/** Deletes revocation rows no longer in force (past `until`); returns how many went. */
export async function pruneSessionRevocations(d1: D1Database, now: Date): Promise<number> {
  const rows = await drizzle(d1).delete(sessionRevocations).where(lt(sessionRevocations.until, now)).returning({ id: sessionRevocations.id })
  return rows.length
}

/**
 * Whether a revocation in force ends this session, asked of D1 directly: for when the tenant
 * status could not hold every revocation in force (revocationsComplete false).
 */
export async function isSessionRevoked(d1: D1Database, tokenHash: string, session: { subject: string; createdAt: number }, now: Date): Promise<boolean> {
  const rows = await drizzle(d1)
    .select({ id: sessionRevocations.id })
    .from(sessionRevocations)
    .where(
      and(
        gt(sessionRevocations.until, now),
        or(
          and(eq(sessionRevocations.kind, 'session'), eq(sessionRevocations.value, tokenHash)),
          and(
            eq(sessionRevocations.kind, 'subject'),
            eq(sessionRevocations.value, session.subject),
            gte(sessionRevocations.notBefore, new Date(session.createdAt)),
          ),
        ),
      ),
    )
    .limit(1)
  return rows.length > 0
}
