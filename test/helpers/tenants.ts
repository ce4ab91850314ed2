// Test helper (workerd): organizations and IdPs in the real D1, as tests need them. Every IdP
// belongs to an organization (DESIGN.md "Tenants"); unless a test says otherwise, its IdPs join
// the shared test organization "Acme Corp", whose verified domain is acme.example (the domain of
// the fake IdP's default user, jane@acme.example). Writes go through the store, so the tenant
// status cache sees them at once.
import { env } from 'cloudflare:workers'
import { createIdp, type IdpFields, type IdpRow } from '../../src/store/idps'
import {
  claimDomain,
  createOrganization,
  getDomain,
  getOrganization,
  markDomainVerified,
  type OrganizationFields,
  type OrganizationRow,
} from '../../src/store/organizations'

export const TEST_ORG = { id: 'org_test', name: 'Acme Corp', slug: 'acme-corp', domains: ['acme.example'] }

export interface OrganizationSeed extends Partial<OrganizationFields> {
  id?: string
  /** Claimed and verified (by hand) for the organization. */
  domains?: string[]
  /** Claimed and left pending. */
  pendingDomains?: string[]
}

/** The organization `seed.id` (default the shared test organization), created with its domains unless it exists. */
export async function seedOrganization(seed: OrganizationSeed = {}, d1: D1Database = env.DB, now = new Date()): Promise<OrganizationRow> {
  const { id = TEST_ORG.id, domains, pendingDomains = [], ...fields } = seed
  const existing = await getOrganization(d1, id)
  if (existing) return existing
  const isShared = id === TEST_ORG.id
  const org = await createOrganization(
    d1,
    id,
    { name: isShared ? TEST_ORG.name : id, slug: isShared ? TEST_ORG.slug : id.replace(/^org_/, '').replace(/_/g, '-'), ...fields },
    now,
  )
  for (const domain of domains ?? (isShared ? TEST_ORG.domains : [])) await verifiedDomain(d1, org.id, domain, now)
  for (const domain of pendingDomains) await claimDomain(d1, org.id, domain, `token-${domain}`, now)
  return org
}

async function verifiedDomain(d1: D1Database, organizationId: string, domain: string, now: Date): Promise<void> {
  const existing = await getDomain(d1, domain)
  if (existing && existing.organizationId !== organizationId) throw new Error(`test setup: ${domain} already belongs to ${existing.organizationId}`)
  const claim = existing ?? (await claimDomain(d1, organizationId, domain, `token-${domain}`, now))
  await markDomainVerified(d1, claim, 'manual', now)
}

export type IdpSeed = Omit<IdpFields, 'organizationId'> & { organizationId?: string }

/**
 * Stores an IdP in its organization (default: the shared test organization, created if need be).
 * The IdP's emailDomains become verified domains of that organization. It counts as tested
 * (not a draft) unless the seed gives `testedAt: null`.
 */
export async function seedIdp(d1: D1Database, id: string, fields: IdpSeed, now = new Date()): Promise<IdpRow> {
  const organizationId = fields.organizationId ?? TEST_ORG.id
  await seedOrganization({ id: organizationId }, d1, now)
  for (const domain of fields.emailDomains ?? []) await verifiedDomain(d1, organizationId, domain, now)
  // A seeded IdP has passed its test sign-in (it can be enabled) unless the seed says testedAt: null.
  return createIdp(d1, id, { testedAt: now, ...fields, organizationId }, now)
}
