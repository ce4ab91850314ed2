/**
 * Organizations (customer companies) and their claimed email domains in D1. A domain is the
 * primary key of its table, so it belongs to one organization at most; a second claim is a 409
 * naming the domain. Validation happens in admin/organization-fields.ts before anything reaches here.
 */
import { and, asc, count, eq, inArray } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { AppError } from '../errors'
import { idps, organizationDomains, organizations, setupLinks } from './schema'
import { retireSlug } from './retired-slugs'
import { selectAllBy, selectOneBy } from './statements'
import { tenantChanged } from './tenant-status'

export type OrganizationRow = typeof organizations.$inferSelect
export type OrganizationFields = Omit<typeof organizations.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>
export type DomainRow = typeof organizationDomains.$inferSelect

/** A unique-constraint failure on `organizations.slug` as ADMIN_CONFLICT naming the slug; anything else as it is. */
function conflict(err: unknown): never {
  const text = String(err instanceof Error ? (err.cause ?? err.message) : err)
  if (/UNIQUE constraint failed: organizations\.slug/i.test(text))
    throw new AppError('ADMIN_CONFLICT', 'Another organization already uses this slug.', { field: 'slug' })
  throw err
}

export async function listOrganizations(d1: D1Database): Promise<OrganizationRow[]> {
  return drizzle(d1).select().from(organizations).orderBy(asc(organizations.name))
}

// The ACS reads these on every sign-in: prepared statements (statements.ts).
const organizationById = selectOneBy(organizations, 'id')
const domainsOfOrganization = selectAllBy(organizationDomains, 'organizationId', 'domain')

export async function getOrganization(d1: D1Database, id: string): Promise<OrganizationRow | null> {
  return organizationById(d1, id)
}

export async function createOrganization(d1: D1Database, id: string, fields: OrganizationFields, now: Date): Promise<OrganizationRow> {
  try {
    await drizzle(d1)
      .insert(organizations)
      .values({ ...fields, id, createdAt: now, updatedAt: now })
  } catch (err) {
    conflict(err)
  } finally {
    await tenantChanged(d1)
  }
  return (await getOrganization(d1, id))!
}

export async function updateOrganization(d1: D1Database, id: string, fields: Partial<OrganizationFields>, now: Date): Promise<OrganizationRow | null> {
  try {
    await drizzle(d1)
      .update(organizations)
      .set({ ...fields, updatedAt: now })
      .where(eq(organizations.id, id))
  } catch (err) {
    conflict(err)
  } finally {
    await tenantChanged(d1)
  }
  return getOrganization(d1, id)
}

/** Deletes an organization, its domains and setup links, and retires its slug, in one batch; the caller made sure no IdP is left in it. */
export async function deleteOrganization(d1: D1Database, id: string, now: Date): Promise<void> {
  const db = drizzle(d1)
  const org = await getOrganization(d1, id)
  if (!org) return
  await db.batch([
    retireSlug(db, 'organization', org.slug, now),
    db.delete(organizationDomains).where(eq(organizationDomains.organizationId, id)),
    db.delete(setupLinks).where(eq(setupLinks.organizationId, id)),
    db.delete(organizations).where(eq(organizations.id, id)),
  ])
  await tenantChanged(d1)
}

/** Removes an organization just created whose domain claims were refused: it never spoke for anyone, so its slug is not retired. */
export async function discardNewOrganization(d1: D1Database, id: string): Promise<void> {
  const db = drizzle(d1)
  await db.batch([db.delete(organizationDomains).where(eq(organizationDomains.organizationId, id)), db.delete(organizations).where(eq(organizations.id, id))])
  await tenantChanged(d1)
}

/** How many IdPs speak for each organization. */
export async function countIdpsByOrganization(d1: D1Database): Promise<Map<string, number>> {
  const rows = await drizzle(d1).select({ id: idps.organizationId, n: count() }).from(idps).groupBy(idps.organizationId)
  return new Map(rows.map((r) => [r.id, r.n]))
}

// --- domains ----------------------------------------------------------------------------------

export async function listDomains(d1: D1Database, organizationIds?: string[]): Promise<DomainRow[]> {
  if (organizationIds?.length === 1) return domainsOfOrganization(d1, organizationIds[0])
  const db = drizzle(d1)
  const where = organizationIds ? inArray(organizationDomains.organizationId, organizationIds) : undefined
  return db.select().from(organizationDomains).where(where).orderBy(asc(organizationDomains.domain))
}

export async function getDomain(d1: D1Database, domain: string): Promise<DomainRow | null> {
  return (await drizzle(d1).select().from(organizationDomains).where(eq(organizationDomains.domain, domain)).limit(1))[0] ?? null
}

/** Claims `domain` for the organization, pending; a domain another organization holds is ADMIN_CONFLICT. */
export async function claimDomain(d1: D1Database, organizationId: string, domain: string, token: string, now: Date): Promise<DomainRow> {
  try {
    await drizzle(d1).insert(organizationDomains).values({ domain, organizationId, token, status: 'pending', createdAt: now })
  } catch (err) {
    const text = String(err instanceof Error ? (err.cause ?? err.message) : err)
    if (/UNIQUE constraint failed: organization_domains\.domain/i.test(text))
      throw new AppError('ADMIN_CONFLICT', `${domain} is already claimed by an organization.`, { field: 'domains', domain })
    throw err
  }
  return (await getDomain(d1, domain))!
}

export async function releaseDomain(d1: D1Database, organizationId: string, domain: string): Promise<boolean> {
  const rows = await drizzle(d1)
    .delete(organizationDomains)
    .where(and(eq(organizationDomains.domain, domain), eq(organizationDomains.organizationId, organizationId)))
    .returning({ domain: organizationDomains.domain })
  return rows.length > 0
}

/**
 * Marks a domain verified (by DNS or by hand) for the claim that was checked: the same
 * organization and token, so a proof for one claim never verifies a later claim of the domain
 * (released and claimed again while a DNS lookup was in flight). The check's error is cleared.
 * Null when that claim is gone.
 */
export async function markDomainVerified(
  d1: D1Database,
  claim: Pick<DomainRow, 'domain' | 'organizationId' | 'token'>,
  method: 'dns' | 'manual',
  now: Date,
): Promise<DomainRow | null> {
  const rows = await drizzle(d1)
    .update(organizationDomains)
    .set({ status: 'verified', verificationMethod: method, verifiedAt: now, lastCheckedAt: now, lastCheckError: null })
    .where(
      and(
        eq(organizationDomains.domain, claim.domain),
        eq(organizationDomains.organizationId, claim.organizationId),
        eq(organizationDomains.token, claim.token),
      ),
    )
    .returning()
  return rows[0] ?? null
}

/** Records a DNS check that did not verify, with what it found. */
export async function recordDomainCheck(d1: D1Database, domain: string, error: string, now: Date): Promise<DomainRow | null> {
  await drizzle(d1).update(organizationDomains).set({ lastCheckedAt: now, lastCheckError: error }).where(eq(organizationDomains.domain, domain))
  return getDomain(d1, domain)
}

/** The verified domain rows an email domain could match (exact names only: a subdomain counts only when listed). */
export async function findVerifiedDomain(d1: D1Database, domain: string): Promise<DomainRow | null> {
  const row = await getDomain(d1, domain)
  return row && row.status === 'verified' ? row : null
}

/** Up to `limit` pending domains, those never checked or checked longest ago first (the cron re-checks them). */
export async function listPendingDomains(d1: D1Database, limit: number): Promise<DomainRow[]> {
  return drizzle(d1)
    .select()
    .from(organizationDomains)
    .where(eq(organizationDomains.status, 'pending'))
    .orderBy(asc(organizationDomains.lastCheckedAt), asc(organizationDomains.domain))
    .limit(limit)
}
