/**
 * Gateway-wide settings in D1 (one JSON value per key) with documented defaults. Reads always
 * return a complete Settings object, so callers never handle a missing key.
 */
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { settings } from './schema'

export interface Settings {
  /** SP entity ID; empty = `<origin>/sso/metadata`. */
  spEntityId: string
  portalName: string
  primaryColor: string
  logoUrl: string | null
  sessionLifetimeSeconds: number
  clockSkewSeconds: number
  allowSha1: boolean
  /** Users in these groups (from their IdP) may use the admin console through SSO. */
  adminGroups: string[]
  auditRetentionDays: number
}

export const DEFAULT_SETTINGS: Settings = {
  spEntityId: '',
  portalName: 'Support portal',
  primaryColor: '#2557d6',
  logoUrl: null,
  sessionLifetimeSeconds: 8 * 3600,
  clockSkewSeconds: 180,
  allowSha1: false,
  adminGroups: [],
  auditRetentionDays: 90,
}

export async function getSettings(d1: D1Database): Promise<Settings> {
  const rows = await drizzle(d1).select().from(settings)
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS }
  for (const row of rows) if (row.key in DEFAULT_SETTINGS) out[row.key] = row.value
  return out as unknown as Settings
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
      : db.insert(settings).values({ key, value, updatedAt: now }).onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now } })
  const [first, ...rest] = entries.map(upsert)
  // One batch: all changes land together or not at all.
  if (first) await db.batch([first, ...rest])
  return getSettings(d1)
}
