/**
 * Gateway-wide settings in D1 (one JSON value per key) with documented defaults. Reads always
 * return a complete Settings object, so callers never handle a missing key.
 */
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { open, seal } from '../crypto/secret-box'
import { DEFAULT_CLOCK_SKEW_SECONDS } from '../saml/limits'
import { settings } from './schema'

export interface Settings {
  /** SP entity ID; empty = `<origin>/sso/metadata`. */
  spEntityId: string
  portalName: string
  primaryColor: string
  logoUrl: string | null
  /** Where customers get help (an email address or an https URL), shown on error pages; empty = none. */
  supportContact: string
  /** The selection page lists no organization (each customer types an email): no customer learns who else uses the portal. */
  discoveryByEmailOnly: boolean
  sessionLifetimeSeconds: number
  /** Tolerated clock difference for every IdP without its own `clockSkewSeconds`. */
  clockSkewSeconds: number
  allowSha1: boolean
  /**
   * Who may use the admin console through SSO: (IdP, group) pairs. A group name alone grants
   * nothing across IdPs (DESIGN.md "Groups belong to their IdP"); re-checked on every request.
   */
  adminAccess: AdminAccessPair[]
  auditRetentionDays: number
  /** Names of the identity headers forwarded to the portal (proxy mode). */
  headerNames: IdentityHeaderNames
  /**
   * An extra header carrying the user, only on some paths: how self-hosted Zammad accepts a
   * trusted proxy's user (`X-Forwarded-User` with the email, on `/auth/sso`). null = off.
   */
  userHeader: UserHeader | null
  /** Where signed events are POSTed (events/deliver.ts); null = webhooks off. Its secret is stored apart (WEBHOOK_SECRET_KEY). */
  webhookUrl: string | null
}

export interface AdminAccessPair {
  idpId: string
  group: string
}

export interface IdentityHeaderNames {
  /** `<idp slug>:<NameID>`: the user key to use (DESIGN.md "Subjects are namespaced"). */
  subject: string
  email: string
  name: string
  groups: string
  idp: string
  /** The organization's slug. */
  org: string
}

export interface UserHeader {
  name: string
  /** `subject` is `<idp slug>:<NameID>` (stored `nameId` from before organizations reads as `subject`). */
  value: 'email' | 'subject'
  pathPrefixes: string[]
}

export const DEFAULT_SETTINGS: Settings = {
  spEntityId: '',
  portalName: 'Support portal',
  primaryColor: '#2557d6',
  logoUrl: null,
  supportContact: '',
  discoveryByEmailOnly: false,
  sessionLifetimeSeconds: 8 * 3600,
  clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
  allowSha1: false,
  adminAccess: [],
  auditRetentionDays: 90,
  headerNames: { subject: 'X-SSO-Subject', email: 'X-SSO-Email', name: 'X-SSO-Name', groups: 'X-SSO-Groups', idp: 'X-SSO-IdP', org: 'X-SSO-Org' },
  userHeader: null,
  webhookUrl: null,
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
  const value = withDefaults(out as unknown as Settings)
  if (started === generation) cached = { db: d1, value, until: nowMs + SETTINGS_CACHE_MS }
  return value
}

/**
 * Stored values from older releases completed: header names saved before X-SSO-Subject and
 * X-SSO-Org existed get the default names for those; a user header sending the bare `nameId`
 * sends the namespaced subject instead.
 */
function withDefaults(s: Settings): Settings {
  const userHeader = s.userHeader && (s.userHeader.value as string) === 'nameId' ? { ...s.userHeader, value: 'subject' as const } : s.userHeader
  return { ...s, headerNames: { ...DEFAULT_SETTINGS.headerNames, ...s.headerNames }, userHeader }
}

/** The SP entity ID in force: the configured one, or the metadata URL on this origin. */
export function spEntityId(s: Settings, origin: string): string {
  return s.spEntityId || `${origin}/sso/metadata`
}

/**
 * The row holding the webhook signing secret, sealed (purpose WEBHOOK_SECRET_PURPOSE). It is not a
 * key of Settings, so getSettings never returns it: no page or API answer can show it.
 */
export const WEBHOOK_SECRET_KEY = 'webhookSecretSealed'
const WEBHOOK_SECRET_PURPOSE = 'webhook-secret'

export function sealWebhookSecret(secret: string, webhookSecret: string): Promise<string> {
  return seal(secret, WEBHOOK_SECRET_PURPOSE, webhookSecret)
}

/** The webhook signing secret in clear (for signing only), or null when none is set. */
export async function readWebhookSecret(d1: D1Database, secret: string): Promise<string | null> {
  const row = (await drizzle(d1).select().from(settings).where(eq(settings.key, WEBHOOK_SECRET_KEY)).limit(1))[0]
  return typeof row?.value === 'string' ? open(secret, WEBHOOK_SECRET_PURPOSE, row.value) : null
}

export async function hasWebhookSecret(d1: D1Database): Promise<boolean> {
  const rows = await drizzle(d1).select({ key: settings.key }).from(settings).where(eq(settings.key, WEBHOOK_SECRET_KEY)).limit(1)
  return rows.length > 0
}

/**
 * Saves `changes` in one batch; `webhookSecretSealed` (sealWebhookSecret, or null to remove it)
 * is written in the same batch when given.
 */
export async function putSettings(d1: D1Database, changes: Partial<Settings>, now: Date, webhookSecretSealed?: string | null): Promise<Settings> {
  const db = drizzle(d1)
  const entries: [string, unknown][] = Object.entries(changes)
  if (webhookSecretSealed !== undefined) entries.push([WEBHOOK_SECRET_KEY, webhookSecretSealed])
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
