/**
 * IdP configurations in D1. Store functions take the database first and return domain rows;
 * input validation happens in admin/idp-fields.ts before anything reaches here. Every write
 * clears this isolate's tenant status cache (sessions of a disabled IdP stop at once here).
 */
import { and, asc, eq, ne } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { open, seal } from '../crypto/secret-box'
import { AppError } from '../errors'
import { idps } from './schema'
import { selectOneBy } from './statements'
import { retireSlug } from './retired-slugs'
import { tenantChanged } from './tenant-status'

export type IdpRow = typeof idps.$inferSelect
export type IdpInsert = typeof idps.$inferInsert
export type IdpFields = Omit<IdpInsert, 'id' | 'createdAt' | 'updatedAt'>

/** Enabled IdPs marked "show to users", in the admin-defined order. */
export async function listSelectableIdps(d1: D1Database): Promise<IdpRow[]> {
  return drizzle(d1)
    .select()
    .from(idps)
    .where(and(eq(idps.enabled, true), eq(idps.showOnSelection, true)))
    .orderBy(asc(idps.sortOrder), asc(idps.name))
}

export async function listIdps(d1: D1Database): Promise<IdpRow[]> {
  return drizzle(d1).select().from(idps).orderBy(asc(idps.sortOrder), asc(idps.name))
}

export async function getIdp(d1: D1Database, id: string): Promise<IdpRow | null> {
  return (await drizzle(d1).select().from(idps).where(eq(idps.id, id)).limit(1))[0] ?? null
}

/** By id or slug (the `idp` query parameter accepts either). */
// The ACS and the sign-in read these on every request: prepared statements (statements.ts).
const idpById = selectOneBy(idps, 'id')
const idpBySlug = selectOneBy(idps, 'slug')
const idpByEntityId = selectOneBy(idps, 'entityId')

export async function findIdp(d1: D1Database, idOrSlug: string): Promise<IdpRow | null> {
  return (await idpById(d1, idOrSlug)) ?? (await idpBySlug(d1, idOrSlug))
}

export async function findIdpByEntityId(d1: D1Database, entityId: string): Promise<IdpRow | null> {
  return idpByEntityId(d1, entityId)
}

/** Turns a unique-index violation into a 409 naming the field. */
function conflict(err: unknown): never {
  const text = String(err instanceof Error ? (err.cause ?? err.message) : err)
  if (/UNIQUE/i.test(text)) {
    const field = /slug/.test(text) ? 'slug' : /entity_id/.test(text) ? 'entityId' : 'id'
    throw new AppError('ADMIN_CONFLICT', `Another IdP already uses this ${field}.`, { field })
  }
  throw err
}

export async function createIdp(d1: D1Database, id: string, fields: IdpFields, now: Date): Promise<IdpRow> {
  const db = drizzle(d1)
  const insert = db.insert(idps).values({ ...fields, id, createdAt: now, updatedAt: now })
  try {
    // One batch (one transaction): a refused insert never leaves the gateway without its default IdP.
    if (fields.isDefault) await db.batch([db.update(idps).set({ isDefault: false }), insert])
    else await insert
  } catch (err) {
    conflict(err)
  } finally {
    await tenantChanged(d1)
  }
  return (await getIdp(d1, id))!
}

/** A test sign-in passed (the admin's or a setup link's): the IdP is no longer a draft. */
export async function markIdpTested(d1: D1Database, id: string, now: Date): Promise<void> {
  await drizzle(d1).update(idps).set({ testedAt: now }).where(eq(idps.id, id))
}

export async function updateIdp(d1: D1Database, id: string, fields: Partial<IdpFields>, now: Date): Promise<IdpRow | null> {
  const db = drizzle(d1)
  const update = db
    .update(idps)
    .set({ ...fields, updatedAt: now })
    .where(eq(idps.id, id))
  try {
    // At most one default IdP: setting one clears the others, in the same transaction as the update.
    if (fields.isDefault) await db.batch([db.update(idps).set({ isDefault: false }).where(ne(idps.id, id)), update])
    else await update
  } catch (err) {
    conflict(err)
  } finally {
    await tenantChanged(d1)
  }
  return getIdp(d1, id)
}

/** Deletes the IdP and retires its slug in one batch (store/retired-slugs.ts); false when there was none. */
export async function deleteIdp(d1: D1Database, id: string, now: Date): Promise<boolean> {
  const db = drizzle(d1)
  const row = await getIdp(d1, id)
  if (!row) return false
  await db.batch([retireSlug(db, 'idp', row.slug, now), db.delete(idps).where(eq(idps.id, id))])
  await tenantChanged(d1)
  return true
}

/** The IdPs of one organization, in the admin-defined order. */
export async function listIdpsOfOrganization(d1: D1Database, organizationId: string): Promise<IdpRow[]> {
  return drizzle(d1).select().from(idps).where(eq(idps.organizationId, organizationId)).orderBy(asc(idps.sortOrder), asc(idps.name))
}

const CLIENT_SECRET_PURPOSE = 'oidc-client-secret'

/** An OIDC client secret as stored (AES-GCM under SSO_SECRET, purpose 'oidc-client-secret'). */
export function sealClientSecret(secret: string, clientSecret: string): Promise<string> {
  return seal(secret, CLIENT_SECRET_PURPOSE, clientSecret)
}

/** The IdP's OIDC client secret in clear, for the token request; null when none is stored. */
export function clientSecretOf(secret: string, row: IdpRow): Promise<string | null> {
  return row.clientSecretSealed ? open(secret, CLIENT_SECRET_PURPOSE, row.clientSecretSealed) : Promise.resolve(null)
}
