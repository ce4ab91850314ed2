// workerd: organizations and their claimed email domains in real D1: create/get/list/update/delete
// (a unique slug, ADMIN_CONFLICT), one organization per domain (a second claim names the domain),
// verification and DNS check records, the cron's pending queue, and the tenant-status cache.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors'
import { isSlugRetired } from '../../src/store/retired-slugs'
import {
  claimDomain,
  countIdpsByOrganization,
  createOrganization,
  deleteOrganization,
  discardNewOrganization,
  findVerifiedDomain,
  getDomain,
  getOrganization,
  listDomains,
  listOrganizations,
  listPendingDomains,
  markDomainVerified,
  recordDomainCheck,
  releaseDomain,
  updateOrganization,
} from '../../src/store/organizations'
import { getTenantStatus } from '../../src/store/tenant-status'
import { countingD1 } from '../helpers/storage'
import { seedIdp } from '../helpers/tenants'

const T0 = new Date('2026-11-26T12:00:00.000Z')
const T1 = new Date('2026-11-27T12:00:00.000Z')
const T2 = new Date('2026-11-28T12:00:00.000Z')

/** The claim of `domain` as stored (or one that matches nothing), as the services pass it to markDomainVerified. */
const claimOf = async (domain: string) => (await getDomain(env.DB, domain)) ?? { domain, organizationId: 'org_none', token: 'none' }

/** The AppError a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(AppError)
  return err as AppError
}

async function domainRows(): Promise<{ domain: string; organization_id: string }[]> {
  return (await env.DB.prepare('SELECT domain, organization_id FROM organization_domains ORDER BY domain').all<{ domain: string; organization_id: string }>())
    .results
}

beforeEach(async () => {
  await env.DB.exec('DELETE FROM organizations; DELETE FROM organization_domains; DELETE FROM idps; DELETE FROM retired_slugs')
})

describe('create, get, list, update, delete', () => {
  it('creates an organization with the schema defaults for fields not given', async () => {
    const org = await createOrganization(env.DB, 'org_acme', { name: 'Acme', slug: 'acme' }, T0)
    expect(org).toEqual({
      id: 'org_acme',
      name: 'Acme',
      slug: 'acme',
      helpdeskOrganization: null,
      trustAnyEmail: false,
      enabled: true,
      groupMappings: [],
      sessionsRevokedAt: null,
      createdAt: T0,
      updatedAt: T0,
    })
    expect(await getOrganization(env.DB, 'org_acme')).toEqual(org)
    expect(await getOrganization(env.DB, 'org_missing')).toBeNull()
  })

  it('lists organizations by name', async () => {
    await createOrganization(env.DB, 'org_z', { name: 'Zeta Ltd', slug: 'zeta' }, T0)
    await createOrganization(env.DB, 'org_a', { name: 'Acme', slug: 'acme' }, T0)
    await createOrganization(env.DB, 'org_m', { name: 'Mid Corp', slug: 'mid' }, T0)
    expect((await listOrganizations(env.DB)).map((o) => o.name)).toEqual(['Acme', 'Mid Corp', 'Zeta Ltd'])
  })

  it('updates only the given fields and the update time, group mappings included', async () => {
    await createOrganization(env.DB, 'org_acme', { name: 'Acme', slug: 'acme', helpdeskOrganization: 'Acme Inc' }, T0)
    const groupMappings = [{ idpId: 'idp_acme', group: 'Support', helpdeskOrganization: 'Acme Support' }]
    const updated = await updateOrganization(env.DB, 'org_acme', { name: 'Acme Corp', enabled: false, groupMappings }, T1)
    expect(updated).toMatchObject({
      name: 'Acme Corp',
      slug: 'acme',
      helpdeskOrganization: 'Acme Inc',
      enabled: false,
      groupMappings,
      createdAt: T0,
      updatedAt: T1,
    })
    expect(await getOrganization(env.DB, 'org_acme')).toEqual(updated)
  })

  it('returns null when updating an organization that does not exist, and creates nothing', async () => {
    expect(await updateOrganization(env.DB, 'org_missing', { name: 'X' }, T1)).toBeNull()
    expect(await listOrganizations(env.DB)).toEqual([])
  })

  it('deletes an organization with its domains in one batch, leaving other organizations and their domains', async () => {
    await createOrganization(env.DB, 'org_acme', { name: 'Acme', slug: 'acme' }, T0)
    await createOrganization(env.DB, 'org_globex', { name: 'Globex', slug: 'globex' }, T0)
    await claimDomain(env.DB, 'org_acme', 'acme.example', 'tok-1', T0)
    await claimDomain(env.DB, 'org_acme', 'acme.test', 'tok-2', T0)
    await markDomainVerified(env.DB, await claimOf('acme.test'), 'manual', T0)
    await claimDomain(env.DB, 'org_globex', 'globex.example', 'tok-3', T0)

    const { db, calls } = countingD1(env.DB)
    await deleteOrganization(db, 'org_acme', T1)
    // Both deletes went to D1 together (one transaction): no organization without its domains' cleanup.
    expect(calls.filter((c) => c === 'batch')).toHaveLength(1)
    expect(calls.filter((c) => c === 'exec')).toHaveLength(0)

    expect(await getOrganization(env.DB, 'org_acme')).toBeNull()
    expect(await domainRows()).toEqual([{ domain: 'globex.example', organization_id: 'org_globex' }])
    expect((await listOrganizations(env.DB)).map((o) => o.id)).toEqual(['org_globex'])
    // Its slug is retired in the same batch: the portal may still know "acme" as that organization.
    expect(await isSlugRetired(env.DB, 'organization', 'acme')).toBe(true)
  })

  it('discards a just-created organization without retiring its slug (it never spoke for anyone)', async () => {
    await createOrganization(env.DB, 'org_new', { name: 'New', slug: 'new-co' }, T0)
    await claimDomain(env.DB, 'org_new', 'new.example', 'tok', T0)
    await discardNewOrganization(env.DB, 'org_new')
    expect(await getOrganization(env.DB, 'org_new')).toBeNull()
    expect(await getDomain(env.DB, 'new.example')).toBeNull()
    expect(await isSlugRetired(env.DB, 'organization', 'new-co')).toBe(false)
  })

  it('refuses a slug another organization uses (ADMIN_CONFLICT naming the slug), on create and on update', async () => {
    await createOrganization(env.DB, 'org_acme', { name: 'Acme', slug: 'acme' }, T0)
    const onCreate = await rejection(createOrganization(env.DB, 'org_other', { name: 'Other Acme', slug: 'acme' }, T0))
    expect(onCreate.code).toBe('ADMIN_CONFLICT')
    expect(onCreate.detail).toEqual({ field: 'slug' })
    expect(await getOrganization(env.DB, 'org_other')).toBeNull()

    await createOrganization(env.DB, 'org_globex', { name: 'Globex', slug: 'globex' }, T0)
    const onUpdate = await rejection(updateOrganization(env.DB, 'org_globex', { slug: 'acme', name: 'Renamed' }, T1))
    expect(onUpdate.code).toBe('ADMIN_CONFLICT')
    expect(onUpdate.detail).toEqual({ field: 'slug' })
    expect(await getOrganization(env.DB, 'org_globex')).toMatchObject({ slug: 'globex', name: 'Globex', updatedAt: T0 })
  })
})

describe('claimed domains', () => {
  beforeEach(async () => {
    await createOrganization(env.DB, 'org_acme', { name: 'Acme', slug: 'acme' }, T0)
    await createOrganization(env.DB, 'org_globex', { name: 'Globex', slug: 'globex' }, T0)
  })

  it('claims a domain as pending, with the token to publish', async () => {
    const row = await claimDomain(env.DB, 'org_acme', 'acme.example', 'f00dcafe', T0)
    expect(row).toEqual({
      domain: 'acme.example',
      organizationId: 'org_acme',
      status: 'pending',
      token: 'f00dcafe',
      verificationMethod: null,
      verifiedAt: null,
      lastCheckedAt: null,
      lastCheckError: null,
      createdAt: T0,
    })
    expect(await getDomain(env.DB, 'acme.example')).toEqual(row)
    expect(await getDomain(env.DB, 'globex.example')).toBeNull()
  })

  it('refuses a domain another organization claimed (ADMIN_CONFLICT naming the domain) and leaves the first claim as it was', async () => {
    const first = await claimDomain(env.DB, 'org_acme', 'acme.example', 'token-acme', T0)
    const err = await rejection(claimDomain(env.DB, 'org_globex', 'acme.example', 'token-globex', T1))
    expect(err.code).toBe('ADMIN_CONFLICT')
    expect(err.message).toContain('acme.example')
    expect(err.detail).toEqual({ field: 'domains', domain: 'acme.example' })
    expect(await getDomain(env.DB, 'acme.example')).toEqual(first)
  })

  it('releases a domain only for the organization that holds it', async () => {
    await claimDomain(env.DB, 'org_acme', 'acme.example', 'token-acme', T0)
    expect(await releaseDomain(env.DB, 'org_globex', 'acme.example')).toBe(false)
    expect(await getDomain(env.DB, 'acme.example')).toMatchObject({ organizationId: 'org_acme' })
    expect(await releaseDomain(env.DB, 'org_acme', 'acme.example')).toBe(true)
    expect(await getDomain(env.DB, 'acme.example')).toBeNull()
    expect(await releaseDomain(env.DB, 'org_acme', 'acme.example')).toBe(false)
    // Released, the domain can be claimed by another organization.
    expect(await claimDomain(env.DB, 'org_globex', 'acme.example', 'token-globex', T1)).toMatchObject({ organizationId: 'org_globex', status: 'pending' })
  })

  it('lists domains by name, all or those of the given organizations', async () => {
    await claimDomain(env.DB, 'org_globex', 'globex.example', 't1', T0)
    await claimDomain(env.DB, 'org_acme', 'b-acme.example', 't2', T0)
    await claimDomain(env.DB, 'org_acme', 'a-acme.example', 't3', T0)
    expect((await listDomains(env.DB)).map((d) => d.domain)).toEqual(['a-acme.example', 'b-acme.example', 'globex.example'])
    expect((await listDomains(env.DB, ['org_acme'])).map((d) => d.domain)).toEqual(['a-acme.example', 'b-acme.example'])
    expect(await listDomains(env.DB, [])).toEqual([])
  })

  it('marks a domain verified with its method and time, clearing the last check error', async () => {
    await claimDomain(env.DB, 'org_acme', 'acme.example', 'tok', T0)
    await recordDomainCheck(env.DB, 'acme.example', 'no TXT record yet', T1)
    const row = await markDomainVerified(env.DB, await claimOf('acme.example'), 'dns', T2)
    expect(row).toMatchObject({
      domain: 'acme.example',
      organizationId: 'org_acme',
      status: 'verified',
      token: 'tok',
      verificationMethod: 'dns',
      verifiedAt: T2,
      lastCheckedAt: T2,
      lastCheckError: null,
      createdAt: T0,
    })
    expect(await getDomain(env.DB, 'acme.example')).toEqual(row)
    expect(await markDomainVerified(env.DB, await claimOf('unclaimed.example'), 'manual', T2)).toBeNull()
  })

  it('verifies only the claim that was checked: not the domain as claimed again by another organization or with another token', async () => {
    await claimDomain(env.DB, 'org_acme', 'acme.example', 'tok-acme', T0)
    const checked = await claimOf('acme.example')
    // Released and claimed again by another organization while the lookup ran.
    await releaseDomain(env.DB, 'org_acme', 'acme.example')
    await claimDomain(env.DB, 'org_globex', 'acme.example', 'tok-globex', T1)
    expect(await markDomainVerified(env.DB, checked, 'dns', T2)).toBeNull()
    expect(await getDomain(env.DB, 'acme.example')).toMatchObject({ organizationId: 'org_globex', status: 'pending' })
    expect(await markDomainVerified(env.DB, { ...checked, organizationId: 'org_globex' }, 'dns', T2)).toBeNull()
    expect(await markDomainVerified(env.DB, await claimOf('acme.example'), 'dns', T2)).toMatchObject({ organizationId: 'org_globex', status: 'verified' })
  })

  it('records a failed DNS check: the domain stays pending, with what the check found', async () => {
    await claimDomain(env.DB, 'org_acme', 'acme.example', 'tok', T0)
    const row = await recordDomainCheck(env.DB, 'acme.example', 'no TXT record at _edge-sso-challenge.acme.example yet', T1)
    expect(row).toMatchObject({
      status: 'pending',
      verificationMethod: null,
      verifiedAt: null,
      lastCheckedAt: T1,
      lastCheckError: 'no TXT record at _edge-sso-challenge.acme.example yet',
    })
  })

  it('finds a domain only when it is verified, and only by its exact name (no parent or subdomain)', async () => {
    await claimDomain(env.DB, 'org_acme', 'acme.example', 't1', T0)
    await markDomainVerified(env.DB, await claimOf('acme.example'), 'manual', T0)
    await claimDomain(env.DB, 'org_globex', 'globex.example', 't2', T0)
    expect(await findVerifiedDomain(env.DB, 'acme.example')).toMatchObject({ domain: 'acme.example', organizationId: 'org_acme', status: 'verified' })
    expect(await findVerifiedDomain(env.DB, 'globex.example')).toBeNull()
    expect(await findVerifiedDomain(env.DB, 'mail.acme.example')).toBeNull()
    expect(await findVerifiedDomain(env.DB, 'example')).toBeNull()
    expect(await findVerifiedDomain(env.DB, 'notacme.example')).toBeNull()

    await claimDomain(env.DB, 'org_acme', 'eu.acme.example', 't3', T0)
    await markDomainVerified(env.DB, await claimOf('eu.acme.example'), 'dns', T0)
    // A listed subdomain is its own verified domain.
    expect(await findVerifiedDomain(env.DB, 'eu.acme.example')).toMatchObject({ domain: 'eu.acme.example' })
  })

  it('lists pending domains for the cron: never checked first, then the oldest check, up to the limit', async () => {
    await claimDomain(env.DB, 'org_acme', 'b-checked-late.example', 't', T0)
    await claimDomain(env.DB, 'org_acme', 'c-never.example', 't', T0)
    await claimDomain(env.DB, 'org_acme', 'd-checked-early.example', 't', T0)
    await claimDomain(env.DB, 'org_globex', 'a-never.example', 't', T0)
    await claimDomain(env.DB, 'org_globex', 'verified.example', 't', T0)
    await recordDomainCheck(env.DB, 'b-checked-late.example', 'not yet', T2)
    await recordDomainCheck(env.DB, 'd-checked-early.example', 'not yet', T1)
    await markDomainVerified(env.DB, await claimOf('verified.example'), 'dns', T0)

    expect((await listPendingDomains(env.DB, 10)).map((d) => d.domain)).toEqual([
      'a-never.example',
      'c-never.example',
      'd-checked-early.example',
      'b-checked-late.example',
    ])
    expect((await listPendingDomains(env.DB, 3)).map((d) => d.domain)).toEqual(['a-never.example', 'c-never.example', 'd-checked-early.example'])
    expect(await listPendingDomains(env.DB, 0)).toEqual([])
  })
})

describe('countIdpsByOrganization', () => {
  it('counts the IdPs of each organization; an organization with none is absent', async () => {
    await createOrganization(env.DB, 'org_empty', { name: 'Empty', slug: 'empty' }, T0)
    const idp = (slug: string, organizationId: string) => ({
      name: slug,
      slug,
      organizationId,
      entityId: `https://${slug}.test/saml`,
      ssoUrl: `https://${slug}.test/sso`,
    })
    await seedIdp(env.DB, 'idp_a1', idp('a1', 'org_a'), T0)
    await seedIdp(env.DB, 'idp_a2', idp('a2', 'org_a'), T0)
    await seedIdp(env.DB, 'idp_b1', idp('b1', 'org_b'), T0)
    const counts = await countIdpsByOrganization(env.DB)
    expect(Object.fromEntries(counts)).toEqual({ org_a: 2, org_b: 1 })
    expect(counts.get('org_empty')).toBeUndefined()
  })
})

describe('tenant-status cache', () => {
  // Each read below is at the same `now`, within the cache window: only an invalidation by the
  // write can make the second read see the change.
  it('is cleared by createOrganization', async () => {
    expect((await getTenantStatus(env.DB, T0)).organizations.has('org_new')).toBe(false)
    await createOrganization(env.DB, 'org_new', { name: 'New', slug: 'new' }, T0)
    expect((await getTenantStatus(env.DB, T0)).organizations.get('org_new')).toEqual({ enabled: true, slug: 'new', sessionsRevokedAt: null })
  })

  it('is cleared by updateOrganization', async () => {
    await createOrganization(env.DB, 'org_acme', { name: 'Acme', slug: 'acme' }, T0)
    expect((await getTenantStatus(env.DB, T0)).organizations.get('org_acme')).toEqual({ enabled: true, slug: 'acme', sessionsRevokedAt: null })
    await updateOrganization(env.DB, 'org_acme', { enabled: false, slug: 'acme-corp' }, T0)
    expect((await getTenantStatus(env.DB, T0)).organizations.get('org_acme')).toEqual({ enabled: false, slug: 'acme-corp', sessionsRevokedAt: null })
  })

  it('is cleared by a refused update too, so nothing stale is served after it', async () => {
    await createOrganization(env.DB, 'org_acme', { name: 'Acme', slug: 'acme' }, T0)
    await createOrganization(env.DB, 'org_globex', { name: 'Globex', slug: 'globex' }, T0)
    await getTenantStatus(env.DB, T0)
    // Changed behind the store's back, then a write through the store that fails.
    await env.DB.prepare("UPDATE organizations SET enabled = 0 WHERE id = 'org_acme'").run()
    await rejection(updateOrganization(env.DB, 'org_globex', { slug: 'acme' }, T0))
    expect((await getTenantStatus(env.DB, T0)).organizations.get('org_acme')).toEqual({ enabled: false, slug: 'acme', sessionsRevokedAt: null })
  })

  it('is cleared by deleteOrganization', async () => {
    await createOrganization(env.DB, 'org_acme', { name: 'Acme', slug: 'acme' }, T0)
    expect((await getTenantStatus(env.DB, T0)).organizations.has('org_acme')).toBe(true)
    await deleteOrganization(env.DB, 'org_acme', T1)
    expect((await getTenantStatus(env.DB, T0)).organizations.has('org_acme')).toBe(false)
  })
})
