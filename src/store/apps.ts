/**
 * Downstream helpdesk apps (hand-off targets) in D1, read as a union by kind so callers never
 * cast a config. The shared secret is sealed with SSO_SECRET and only ever opened to sign a
 * token; the admin API reports whether one is set, never its value.
 */
import { and, asc, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { open, seal } from '../crypto/secret-box'
import { AppError } from '../errors'
import type { AppKind, AppKindConfig, FreshworksConfig, SamlAppConfig, ZendeskConfig } from './app-configs'
import { apps } from './schema'

type AppRecord = typeof apps.$inferSelect

/** A stored app: common fields, plus `kind` and `config` paired as the union says. */
export type App = Omit<AppRecord, 'kind' | 'config'> & AppKindConfig
export type AppOf<K extends AppKind> = Extract<App, { kind: K }>

/** What the admin service saves: the secret in clear (sealed here), or undefined to keep the stored one. */
export type AppFields = { name: string; slug: string; enabled: boolean; sharedSecret?: string | undefined } & AppKindConfig

const SEAL_PURPOSE = 'app-secret'

/** The one place a stored config meets its kind: every write went through admin/app-fields.ts. */
function toApp(row: AppRecord): App {
  const { kind, config, ...rest } = row
  switch (kind) {
    case 'zendesk':
      return { ...rest, kind, config: config as ZendeskConfig }
    case 'freshworks':
      return { ...rest, kind, config: config as FreshworksConfig }
    case 'saml':
      return { ...rest, kind, config: config as SamlAppConfig }
  }
}

export async function listApps(d1: D1Database): Promise<App[]> {
  return (await drizzle(d1).select().from(apps).orderBy(asc(apps.name))).map(toApp)
}

export async function getApp(d1: D1Database, id: string): Promise<App | null> {
  const row = (await drizzle(d1).select().from(apps).where(eq(apps.id, id)).limit(1))[0]
  return row ? toApp(row) : null
}

/** The enabled app of `kind` named by slug, or the only enabled one of that kind. */
export async function findEnabledApp<K extends AppKind>(d1: D1Database, kind: K, slug: string | undefined): Promise<AppOf<K> | null> {
  const rows = await drizzle(d1)
    .select()
    .from(apps)
    .where(and(eq(apps.kind, kind), eq(apps.enabled, true), ...(slug ? [eq(apps.slug, slug)] : [])))
  return rows.length === 1 ? (toApp(rows[0]!) as AppOf<K>) : null
}

/** The enabled SAML app whose SP entity ID is `entityId`. */
export async function findSamlApp(d1: D1Database, entityId: string): Promise<AppOf<'saml'> | null> {
  const rows = (
    await drizzle(d1)
      .select()
      .from(apps)
      .where(and(eq(apps.kind, 'saml'), eq(apps.enabled, true)))
  ).map(toApp)
  return (rows.find((r) => r.kind === 'saml' && r.config.entityId === entityId) as AppOf<'saml'> | undefined) ?? null
}

export async function saveApp(d1: D1Database, secret: string, id: string, fields: AppFields, now: Date, isNew: boolean): Promise<App> {
  const db = drizzle(d1)
  const { sharedSecret, ...rest } = fields
  const values = { ...rest, ...(sharedSecret ? { secretSealed: await seal(secret, SEAL_PURPOSE, sharedSecret) } : {}), updatedAt: now }
  try {
    if (isNew) await db.insert(apps).values({ ...values, id, createdAt: now })
    else await db.update(apps).set(values).where(eq(apps.id, id))
  } catch (err) {
    if (/UNIQUE/i.test(String(err instanceof Error ? (err.cause ?? err.message) : err)))
      throw new AppError('ADMIN_CONFLICT', 'Another app already uses this slug.', { field: 'slug' })
    throw err
  }
  return (await getApp(d1, id))!
}

/** Turns one app on or off, nothing else; the app as it now is, or null when there is none. */
export async function setAppEnabled(d1: D1Database, id: string, enabled: boolean, now: Date): Promise<App | null> {
  await drizzle(d1).update(apps).set({ enabled, updatedAt: now }).where(eq(apps.id, id))
  return getApp(d1, id)
}

export async function deleteApp(d1: D1Database, id: string): Promise<void> {
  await drizzle(d1).delete(apps).where(eq(apps.id, id))
}

export async function openAppSecret(secret: string, app: App): Promise<string | null> {
  return app.secretSealed ? open(secret, SEAL_PURPOSE, app.secretSealed) : null
}
