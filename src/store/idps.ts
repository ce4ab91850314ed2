/**
 * IdP configurations in D1. Store functions take the database first and return domain rows;
 * input validation happens in admin/idp-fields.ts before anything reaches here. Every write
 * clears this isolate's tenant status cache (sessions of a disabled IdP stop at once here).
 */
import { and, asc, eq, ne } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { open, seal } from '../crypto/secret-box'
import { AppError } from '../errors'
import type { DomainRow, OrganizationRow } from './organizations'
import { idps, organizationDomains, organizations } from './schema'
import { selectOneBy, selectWhere } from './statements'
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

// The sign-in reads these on every request: prepared statements (statements.ts).
const idpById = selectOneBy(idps, 'id')
const idpBySlug = selectOneBy(idps, 'slug')
const idpByEntityId = selectOneBy(idps, 'entityId')

/** By id or slug (the `idp` query parameter accepts either). */
export async function findIdp(d1: D1Database, idOrSlug: string): Promise<IdpRow | null> {
  return (await idpById(d1, idOrSlug)) ?? (await idpBySlug(d1, idOrSlug))
}

export async function findIdpByEntityId(d1: D1Database, entityId: string): Promise<IdpRow | null> {
  return idpByEntityId(d1, entityId)
}

/** An IdP as the ACS needs it: with its organization (null when gone) and that organization's domains, in domain order. */
export interface IdpWithTenant {
  idp: IdpRow
  organization: OrganizationRow | null
  domains: DomainRow[]
}

/** The three statements of findIdpWithTenant for an IdP matched by `match` (SQL with one `?`). */
function tenantStatementsFor(match: string) {
  const itsOrganization = `(SELECT "organization_id" FROM "idps" WHERE ${match} LIMIT 1)`
  return {
    idp: selectWhere(idps, `${match} LIMIT 1`),
    organization: selectWhere(organizations, `"id" = ${itsOrganization}`),
    domains: selectWhere(organizationDomains, `"organization_id" = ${itsOrganization} ORDER BY "domain" ASC`),
  }
}
const tenantStatements = { id: tenantStatementsFor('"id" = ?'), entityId: tenantStatementsFor('"entity_id" = ?') }

/**
 * The IdP by id or by entity ID, its organization and the organization's domains: one D1 call
 * (a batch, one snapshot) instead of three in a row, for the ACS on every sign-in.
 */
export async function findIdpWithTenant(d1: D1Database, by: { id: string } | { entityId: string }): Promise<IdpWithTenant | null> {
  const [key, value] = 'id' in by ? (['id', by.id] as const) : (['entityId', by.entityId] as const)
  const s = tenantStatements[key]
  const [idpResult, organizationResult, domainsResult] = await d1.batch<Record<string, unknown>>([
    s.idp.statement(d1, value),
    s.organization.statement(d1, value),
    s.domains.statement(d1, value),
  ])
  const idp = s.idp.rows(idpResult!)[0]
  if (!idp) return null
  return { idp, organization: s.organization.rows(organizationResult!)[0] ?? null, domains: s.domains.rows(domainsResult!) }
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
