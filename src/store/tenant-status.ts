/**
 * Which IdPs and organizations may still speak, as the portal path needs it on every request:
 * one D1 read per isolate at most every TENANT_STATUS_CACHE_MS (DESIGN.md: a disabled or deleted
 * IdP or organization stops its sessions within 30 s), with the session revocations in force,
 * so a logout or a user's revocation holds within the same window at every location, whatever KV
 * still serves there. Changes made through this isolate clear the cache at once; other isolates
 * see them within the window. The console is another Worker, so every change reaches the gateway
 * from another isolate: a refusal that may rest on a status read before the change is checked
 * against D1 again (getTenantStatusFor), so what the admin creates or enables works within seconds.
 */
import { desc, gt } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { idps, organizations, sessionRevocations, tenantVersion } from './schema'

export const TENANT_STATUS_CACHE_MS = 30_000
/** How old a cached status may be before a refusal it causes is checked against D1 again. */
export const TENANT_STATUS_RECHECK_MS = 2_000
/** Revocation rows loaded with the status; with more in force, each session is checked in D1 (store/sessions.ts). */
export const MAX_CACHED_REVOCATIONS = 2000

export interface TenantStatus {
  /** IdP id → whether it is enabled, its organization, slug, and when its sessions were last revoked (ms). */
  idps: Map<string, { enabled: boolean; organizationId: string; slug: string; sessionsRevokedAt: number | null }>
  /** Organization id → whether it is enabled, its slug, and when its sessions were last revoked (ms). */
  organizations: Map<string, { enabled: boolean; slug: string; sessionsRevokedAt: number | null }>
  /** Token hashes of sessions ended while KV may still serve them. */
  endedSessions: Set<string>
  /** Subject → latest notBefore (ms): its sessions created at or before it are ended. */
  revokedSubjects: Map<string, number>
  /** False when more revocations are in force than MAX_CACHED_REVOCATIONS: the sets above are partial. */
  revocationsComplete: boolean
}

interface Cached {
  db: D1Database
  value: TenantStatus
  until: number
  /** tenant_version when the status was read (migration 0014; tenantChanged bumps it). */
  version: number
  /** When the status was last known current: read, or its version checked (getTenantStatusFor). */
  checkedAt: number
  /** The version check in flight: every refusal meanwhile waits for it, none starts another. */
  check?: Promise<TenantStatus>
}

let cached: Cached | null = null
/** Bumped by every change: a read that started before a change must not cache what it read. */
let generation = 0

/** The status at `now` (the injected clock), from the cache when it is fresh enough. */
export async function getTenantStatus(d1: D1Database, now: Date): Promise<TenantStatus> {
  const nowMs = now.getTime()
  if (cached && cached.db === d1 && cached.until > nowMs && cached.until - TENANT_STATUS_CACHE_MS <= nowMs) return cached.value
  const started = generation
  const db = drizzle(d1)
  // One batch: both maps and the version are one consistent snapshot.
  const [rows, orgs, revocations, versions] = await db.batch([
    db
      .select({ id: idps.id, slug: idps.slug, enabled: idps.enabled, organizationId: idps.organizationId, sessionsRevokedAt: idps.sessionsRevokedAt })
      .from(idps),
    db
      .select({ id: organizations.id, enabled: organizations.enabled, slug: organizations.slug, sessionsRevokedAt: organizations.sessionsRevokedAt })
      .from(organizations),
    db
      .select({ kind: sessionRevocations.kind, value: sessionRevocations.value, notBefore: sessionRevocations.notBefore })
      .from(sessionRevocations)
      .where(gt(sessionRevocations.until, now))
      .orderBy(desc(sessionRevocations.id))
      .limit(MAX_CACHED_REVOCATIONS + 1),
    db.select({ version: tenantVersion.version }).from(tenantVersion),
  ])
  const endedSessions = new Set<string>()
  const revokedSubjects = new Map<string, number>()
  for (const r of revocations.slice(0, MAX_CACHED_REVOCATIONS)) {
    if (r.kind === 'session') endedSessions.add(r.value)
    else revokedSubjects.set(r.value, Math.max(revokedSubjects.get(r.value) ?? -Infinity, r.notBefore.getTime()))
  }
  const value: TenantStatus = {
    idps: new Map(
      rows.map((r) => [
        r.id,
        { enabled: r.enabled, organizationId: r.organizationId, slug: r.slug, sessionsRevokedAt: r.sessionsRevokedAt?.getTime() ?? null },
      ]),
    ),
    organizations: new Map(orgs.map((o) => [o.id, { enabled: o.enabled, slug: o.slug, sessionsRevokedAt: o.sessionsRevokedAt?.getTime() ?? null }])),
    endedSessions,
    revokedSubjects,
    revocationsComplete: revocations.length <= MAX_CACHED_REVOCATIONS,
  }
  if (started === generation) cached = { db: d1, value, until: nowMs + TENANT_STATUS_CACHE_MS, version: versions[0]?.version ?? 0, checkedAt: nowMs }
  return value
}

/**
 * The status, as getTenantStatus, for a decision `allows` makes from it. When it refuses and the
 * cached status was last known current more than TENANT_STATUS_RECHECK_MS ago, one row tells
 * whether anything changed since (tenant_version, bumped by every store change: tenantChanged): if so, the
 * status is read again, so an IdP or organization created or enabled since (by the console Worker,
 * or an admin elsewhere) is not refused for the rest of the cache window. At most one version read
 * per isolate per TENANT_STATUS_RECHECK_MS whoever asks (concurrent refusals share it), and a full
 * read only after a change. What disables or revokes holds as before: within
 * TENANT_STATUS_CACHE_MS everywhere, at once in the isolate that made the change.
 */
export async function getTenantStatusFor(d1: D1Database, now: Date, allows: (status: TenantStatus) => boolean): Promise<TenantStatus> {
  const status = await getTenantStatus(d1, now)
  if (allows(status)) return status
  const entry = cached
  if (!entry || entry.value !== status) return status
  if (entry.check) return entry.check
  const nowMs = now.getTime()
  if (nowMs - entry.checkedAt < TENANT_STATUS_RECHECK_MS) return status
  entry.check = (async () => {
    try {
      const row = await d1.prepare('SELECT version FROM tenant_version WHERE id = 1').first<{ version: number }>()
      if ((row?.version ?? 0) === entry.version) {
        entry.checkedAt = nowMs
        return status
      }
      if (cached === entry) invalidateTenantStatus()
      return await getTenantStatus(d1, now)
    } finally {
      entry.check = undefined
    }
  })()
  return entry.check
}

/**
 * A logout in this isolate: its sessions join the cached status at once, without dropping it (a
 * login that replaces a session, or a logout, would otherwise cost the next portal request a D1
 * read). A read already in flight may predate the revocation rows: it is not cached.
 */
export function noteEndedSessions(tokenHashes: readonly string[]): void {
  generation++
  if (cached) for (const hash of tokenHashes) cached.value.endedSessions.add(hash)
}

/**
 * Called by every store write to IdPs, organizations or session revocations: this isolate sees the
 * change at once, and the version every other isolate's re-check of a refusal reads
 * (getTenantStatusFor) moves on. A failing bump is logged, not thrown: the change itself landed,
 * and other isolates still see it within TENANT_STATUS_CACHE_MS. (Changes made with SQL by hand
 * leave the version alone: they are seen within that window.)
 */
export async function tenantChanged(d1: D1Database): Promise<void> {
  invalidateTenantStatus()
  try {
    await d1.prepare('UPDATE tenant_version SET version = version + 1 WHERE id = 1').run()
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', msg: 'tenant version not bumped', error: String(err).slice(0, 200) }))
  }
}

/** This isolate's cache only: the next read goes to D1. */
export function invalidateTenantStatus(): void {
  generation++
  cached = null
}
