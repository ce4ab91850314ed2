/**
 * Which IdPs and organizations may still speak, as the portal path needs it on every request:
 * one D1 read per isolate at most every TENANT_STATUS_CACHE_MS (DESIGN.md: a disabled or deleted
 * IdP or organization stops its sessions within 30 s). Changes made through this isolate clear
 * the cache at once; other isolates see them within the window.
 */
import { drizzle } from 'drizzle-orm/d1'
import { idps, organizations } from './schema'

export const TENANT_STATUS_CACHE_MS = 30_000

export interface TenantStatus {
  /** IdP id → whether it is enabled, its organization, slug, and when its sessions were last revoked (ms). */
  idps: Map<string, { enabled: boolean; organizationId: string; slug: string; sessionsRevokedAt: number | null }>
  /** Organization id → whether it is enabled, its slug, and when its sessions were last revoked (ms). */
  organizations: Map<string, { enabled: boolean; slug: string; sessionsRevokedAt: number | null }>
}

let cached: { db: D1Database; value: TenantStatus; until: number } | null = null
/** Bumped by every change: a read that started before a change must not cache what it read. */
let generation = 0

/** The status at `now` (the injected clock), from the cache when it is fresh enough. */
export async function getTenantStatus(d1: D1Database, now: Date): Promise<TenantStatus> {
  const nowMs = now.getTime()
  if (cached && cached.db === d1 && cached.until > nowMs && cached.until - TENANT_STATUS_CACHE_MS <= nowMs) return cached.value
  const started = generation
  const db = drizzle(d1)
  // One batch: both maps are one consistent snapshot.
  const [rows, orgs] = await db.batch([
    db
      .select({ id: idps.id, slug: idps.slug, enabled: idps.enabled, organizationId: idps.organizationId, sessionsRevokedAt: idps.sessionsRevokedAt })
      .from(idps),
    db
      .select({ id: organizations.id, enabled: organizations.enabled, slug: organizations.slug, sessionsRevokedAt: organizations.sessionsRevokedAt })
      .from(organizations),
  ])
  const value: TenantStatus = {
    idps: new Map(
      rows.map((r) => [
        r.id,
        { enabled: r.enabled, organizationId: r.organizationId, slug: r.slug, sessionsRevokedAt: r.sessionsRevokedAt?.getTime() ?? null },
      ]),
    ),
    organizations: new Map(orgs.map((o) => [o.id, { enabled: o.enabled, slug: o.slug, sessionsRevokedAt: o.sessionsRevokedAt?.getTime() ?? null }])),
  }
  if (started === generation) cached = { db: d1, value, until: nowMs + TENANT_STATUS_CACHE_MS }
  return value
}

/** Called by every store write to IdPs or organizations: this isolate sees the change at once. */
export function invalidateTenantStatus(): void {
  generation++
  cached = null
}
