/**
 * Gateway-wide settings in D1 (one JSON value per key) with documented defaults. Reads always
 * return a complete Settings object, so callers never handle a missing key.
 */
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { DEFAULT_CLOCK_SKEW_SECONDS } from '../saml/limits'
import { settings } from './schema'

export interface Settings {
  /** SP entity ID; empty = `<origin>/sso/metadata`. */
  spEntityId: string
  portalName: string
  primaryColor: string
  logoUrl: string | null
  sessionLifetimeSeconds: number
  /** Tolerated clock difference for every IdP without its own `clockSkewSeconds`. */
  clockSkewSeconds: number
  allowSha1: boolean
  /** Users in these groups (from their IdP) may use the admin console through SSO. */
  adminGroups: string[]
  auditRetentionDays: number
  /** Names of the identity headers forwarded to the portal (proxy mode). */
  headerNames: IdentityHeaderNames
  /**
   * An extra header carrying the user, only on some paths: how self-hosted Zammad accepts a
   * trusted proxy's user (`X-Forwarded-User` with the email, on `/auth/sso`). null = off.
   */
  userHeader: UserHeader | null
}

export interface IdentityHeaderNames {
  email: string
  name: string
  groups: string
  idp: string
}

export interface UserHeader {
  name: string
  value: 'email' | 'nameId'
  pathPrefixes: string[]
}

export const DEFAULT_SETTINGS: Settings = {
  spEntityId: '',
  portalName: 'Support portal',
  primaryColor: '#2557d6',
  logoUrl: null,
  sessionLifetimeSeconds: 8 * 3600,
  clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
  allowSha1: false,
  adminGroups: [],
  auditRetentionDays: 90,
  headerNames: { email: 'X-SSO-Email', name: 'X-SSO-Name', groups: 'X-SSO-Groups', idp: 'X-SSO-IdP' },
  userHeader: null,
}

/**
 * Settings are read on hot paths (every proxied request), so each isolate keeps them for
 * SETTINGS_CACHE_MS; a change made through this isolate applies at once, elsewhere within seconds.
 */
export const SETTINGS_CACHE_MS = 10_000
let cached: { db: D1Database; value: Settings; until: number } | null = null
/** Bumped by every write: a read that started before a write must not cache what it read. */
let generation = 0

export async function getSettings(d1: D1Database): Promise<Settings> {
  const nowMs = Date.now()
  if (cached && cached.db === d1 && cached.until > nowMs) return cached.value
  const started = generation
  const rows = await drizzle(d1).select().from(settings)
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS }
  for (const row of rows) if (row.key in DEFAULT_SETTINGS) out[row.key] = row.value
  const value = out as unknown as Settings
  if (started === generation) cached = { db: d1, value, until: nowMs + SETTINGS_CACHE_MS }
  return value
}

/** The SP entity ID in force: the configured one, or the metadata URL on this origin. */
export function spEntityId(s: Settings, origin: string): string {
  return s.spEntityId || `${origin}/sso/metadata`
}

export async function putSettings(d1: D1Database, changes: Partial<Settings>, now: Date): Promise<Settings> {
  const db = drizzle(d1)
  const entries = Object.entries(changes)
  // null means "back to the default": the row goes (the column holds JSON and is NOT NULL).
  const upsert = ([key, value]: [string, unknown]) =>
    value === null || value === undefined
      ? db.delete(settings).where(eq(settings.key, key))
      : db
          .insert(settings)
          .values({ key, value, updatedAt: now })
          .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now } })
  const [first, ...rest] = entries.map(upsert)
  // One batch: all changes land together or not at all.
  if (first) await db.batch([first, ...rest])
  generation++
  cached = null
  return getSettings(d1)
}
