/**
 * Downstream helpdesk apps (hand-off targets). The shared secret is sealed with SSO_SECRET and
 * only ever opened to sign a token; the admin API reports whether one is set, never its value.
 */
import { and, asc, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { open, seal } from '../crypto/secret-box'
import { AppError } from '../errors'
import { apps } from './schema'

export type AppRow = typeof apps.$inferSelect
const SEAL_PURPOSE = 'app-secret'

export interface ZendeskConfig {
  /** `acme` for https://acme.zendesk.com */
  subdomain: string
  /** Host-mapped help center (e.g. https://help.acme.com); overrides the zendesk.com origin. */
  baseUrl?: string
  /** external_id claim: the NameID (stable per IdP) or nothing. */
  externalIdFrom: 'nameId' | 'none'
  /** IdP slug or group name → Zendesk organization name; the first match wins (IdP first). */
  organizationMap: Record<string, string>
  /** Send the user's groups as Zendesk tags. */
  tagsFromGroups: boolean
  /** Zendesk user field key → value source, sent as `user_fields`. */
  userFields?: Record<string, 'idp' | 'nameId' | 'groups'>
}

export interface FreshworksConfig {
  /** Exact redirect URIs the helpdesk may ask for (its SSO callback URLs). */
  redirectUris: string[]
}

/** A downstream SAML SP (Jira Service Management, Zammad, Freshdesk SAML, ...) in broker mode. */
export interface SamlAppConfig {
  entityId: string
  acsUrl: string
  nameIdFormat: 'email' | 'persistent'
  signResponse: boolean
  /** SP signing certificates: when set, AuthnRequests must be signed with one of them. */
  certificates: string[]
  /** The SP's SingleLogoutService (Redirect binding), for logout started at the helpdesk. */
  sloUrl?: string
  /** Attribute names the helpdesk expects, per field; a field mapped to '' is not sent. */
  attributeNames?: Partial<Record<SamlAppAttribute, string>>
  /** IdP slug or group name → organization, sent as the `organization` attribute (first match, IdP first). */
  organizationMap?: Record<string, string>
}

export const SAML_APP_ATTRIBUTES = ['email', 'firstName', 'lastName', 'displayName', 'groups', 'upstreamIdp', 'organization'] as const
export type SamlAppAttribute = (typeof SAML_APP_ATTRIBUTES)[number]

/** The enabled SAML app whose entity ID is `entityId`. */
export async function findSamlApp(d1: D1Database, entityId: string): Promise<AppRow | null> {
  const rows = await drizzle(d1)
    .select()
    .from(apps)
    .where(and(eq(apps.kind, 'saml'), eq(apps.enabled, true)))
  return rows.find((r) => (r.config as { entityId?: string }).entityId === entityId) ?? null
}

export async function listApps(d1: D1Database): Promise<AppRow[]> {
  return drizzle(d1).select().from(apps).orderBy(asc(apps.name))
}

export async function getApp(d1: D1Database, id: string): Promise<AppRow | null> {
  return (await drizzle(d1).select().from(apps).where(eq(apps.id, id)).limit(1))[0] ?? null
}

/** The enabled app of `kind` named by slug, or the only enabled one of that kind. */
export async function findEnabledApp(d1: D1Database, kind: AppRow['kind'], slug: string | undefined): Promise<AppRow | null> {
  const rows = await drizzle(d1)
    .select()
    .from(apps)
    .where(and(eq(apps.kind, kind), eq(apps.enabled, true), ...(slug ? [eq(apps.slug, slug)] : [])))
  return rows.length === 1 ? rows[0]! : null
}

export async function saveApp(
  d1: D1Database,
  secret: string,
  id: string,
  fields: { kind: AppRow['kind']; name: string; slug: string; enabled: boolean; config: Record<string, unknown>; sharedSecret?: string | undefined },
  now: Date,
  isNew: boolean,
): Promise<AppRow> {
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

export async function deleteApp(d1: D1Database, id: string): Promise<void> {
  await drizzle(d1).delete(apps).where(eq(apps.id, id))
}

export async function openAppSecret(secret: string, row: AppRow): Promise<string | null> {
  return row.secretSealed ? open(secret, SEAL_PURPOSE, row.secretSealed) : null
}
