// Organization admin operations (admin/organizations.ts) as the API and the console call them:
// create/update/delete with their audit rows, domain claims (one organization per domain), DNS
// verification through a local DoH resolver, confirmation by hand, the cron's pending checks, and
// revoking sessions by organization, IdP or subject (the sessions really end).
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  addDomain,
  checkDomain,
  checkPendingDomains,
  confirmDomain,
  createOrganization,
  deleteOrganization,
  listOrganizationViews,
  organizationChoices,
  organizationView,
  PENDING_CHECKS_PER_RUN,
  removeDomain,
  revokeSessionsOf,
  TRUST_ANY_EMAIL_WARNING,
  updateOrganization,
} from '../../src/admin/organizations'
import { currentSession, SESSION_COOKIE } from '../../src/sso/sessions'
import { getDomain, getOrganization } from '../../src/store/organizations'
import { createSession, readSession } from '../../src/store/sessions'
import { invalidateTenantStatus } from '../../src/store/tenant-status'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { lastAuditRow, testContext } from '../helpers/context'
import { localDns } from '../helpers/dns'
import { sampleSession, sessionCookie, type TestSession } from '../helpers/session'
import { seedIdp, seedOrganization } from '../helpers/tenants'

const ctx = (overrides: Parameters<typeof testContext>[0] = {}) => testContext({ actor: 'admin-token', ...overrides })

const invalidField = (field: string) => expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', detail: expect.objectContaining({ field }) })
const conflict = (detail: Record<string, unknown>) => expect.objectContaining({ code: 'ADMIN_CONFLICT', detail: expect.objectContaining(detail) })
const orgNotFound = expect.objectContaining({ code: 'ADMIN_ORGANIZATION_NOT_FOUND' })
const domainNotFound = expect.objectContaining({ code: 'ADMIN_DOMAIN_NOT_FOUND' })

async function count(sql: string, ...binds: unknown[]): Promise<number> {
  return (await env.DB.prepare(sql)
    .bind(...binds)
    .first<{ n: number }>())!.n
}

const auditCount = (action: string, outcome = 'success') => count('SELECT COUNT(*) AS n FROM audit_log WHERE action = ? AND outcome = ?', action, outcome)

async function domainRows(organizationId: string) {
  return (
    await env.DB.prepare('SELECT domain, status, verification_method FROM organization_domains WHERE organization_id = ? ORDER BY domain')
      .bind(organizationId)
      .all<{ domain: string; status: string; verification_method: string | null }>()
  ).results
}

/** An IdP of `organizationId`, with no email domains of its own. */
function idpIn(organizationId: string, id: string, slug: string) {
  return seedIdp(env.DB, id, {
    name: `IdP ${slug}`,
    slug,
    entityId: `https://${slug}.idp.test/saml`,
    ssoUrl: `https://${slug}.idp.test/sso`,
    certificates: [TEST_IDP_CERT],
    organizationId,
  })
}

/** A stored portal session (KV and index) and the cookies a browser would send with it. */
async function signedIn(overrides: Partial<TestSession>): Promise<Record<string, string>> {
  const cookie = await sessionCookie(sampleSession(overrides))
  return { [SESSION_COOKIE]: cookie.slice(cookie.indexOf('=') + 1) }
}

beforeEach(async () => {
  // One file shares its D1: every test starts with no organizations, IdPs, sessions or audit rows.
  await env.DB.batch([
    env.DB.prepare('DELETE FROM idps'),
    env.DB.prepare('DELETE FROM organizations'),
    env.DB.prepare('DELETE FROM organization_domains'),
    env.DB.prepare('DELETE FROM session_index'),
    env.DB.prepare('DELETE FROM audit_log'),
    env.DB.prepare('DELETE FROM retired_slugs'),
  ])
  invalidateTenantStatus()
})

describe('createOrganization', () => {
  it('stores the organization, claims its domains pending, and audits organization.create', async () => {
    const org = await createOrganization(
      ctx(),
      { name: 'Umbrella Corp', domains: ['Umbrella.example', '@umbrella.co.uk', 'umbrella.example'], helpdeskOrganization: 'Umbrella' },
      'api',
    )
    expect(org.id).toMatch(/^org_[0-9a-f]+$/)
    expect(await getOrganization(env.DB, org.id)).toMatchObject({
      name: 'Umbrella Corp',
      slug: 'umbrella-corp',
      helpdeskOrganization: 'Umbrella',
      trustAnyEmail: false,
      enabled: true,
      groupMappings: [],
    })
    // Normalized, deduplicated, and pending until DNS or an admin verifies them.
    expect(await domainRows(org.id)).toEqual([
      { domain: 'umbrella.co.uk', status: 'pending', verification_method: null },
      { domain: 'umbrella.example', status: 'pending', verification_method: null },
    ])
    expect(await lastAuditRow('organization.create')).toMatchObject({
      outcome: 'success',
      actor: 'admin-token',
      detail: { organizationId: org.id, name: 'Umbrella Corp', domains: ['umbrella.example', 'umbrella.co.uk'], trustAnyEmail: false, via: 'api' },
    })
  })

  it('refuses bad input by field and stores nothing', async () => {
    const cases: [unknown, string][] = [
      [{}, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'X', colour: 'red' }, 'colour'],
      [{ name: 'X', slug: 'Not A Slug' }, 'slug'],
      [{ name: 'X', domains: 'x.example' }, 'domains'],
      [{ name: 'X', domains: ['ok.example', 'not a domain'] }, 'domains[1]'],
      [{ name: 'X', domains: ['https://x.example/'] }, 'domains[0]'],
      [{ name: 'X', trustAnyEmail: 'yes' }, 'trustAnyEmail'],
      [{ name: 'X', groupMappings: [{ idp: 'x', group: 'g', helpdeskOrganization: 'h' }] }, 'groupMappings'],
    ]
    for (const [body, field] of cases) await expect(createOrganization(ctx(), body, 'api'), field).rejects.toEqual(invalidField(field))
    expect(await count('SELECT COUNT(*) AS n FROM organizations')).toBe(0)
    expect(await count('SELECT COUNT(*) AS n FROM organization_domains')).toBe(0)
    expect(await auditCount('organization.create')).toBe(0)
  })

  it('refuses a slug given explicitly that another organization uses with ADMIN_CONFLICT on slug', async () => {
    await createOrganization(ctx(), { name: 'Initech' }, 'api')
    await expect(createOrganization(ctx(), { name: 'Initech Two', slug: 'initech', domains: ['initech.example'] }, 'api')).rejects.toEqual(
      conflict({ field: 'slug' }),
    )
    expect(await count('SELECT COUNT(*) AS n FROM organizations')).toBe(1)
    expect(await count('SELECT COUNT(*) AS n FROM organization_domains')).toBe(0)
  })

  it('derives a free slug from the name when none is given', async () => {
    const first = await createOrganization(ctx(), { name: 'Initech' }, 'api')
    const second = await createOrganization(ctx(), { name: 'Initech' }, 'api')
    expect([first.slug, second.slug]).toEqual(['initech', 'initech-2'])
  })

  it('keeps the stored slug (the portal keys organizations by it) when a replace leaves it out', async () => {
    const org = await createOrganization(ctx(), { name: 'Initech', slug: 'initech-legacy' }, 'api')
    expect((await updateOrganization(ctx(), org.id, { name: 'Initech Corp' }, 'replace', 'api')).slug).toBe('initech-legacy')
  })

  it("never gives a deleted organization's slug to another: refused when given, skipped when derived", async () => {
    const gone = await createOrganization(ctx(), { name: 'Initech' }, 'api')
    await deleteOrganization(ctx(), gone.id, 'api')
    await expect(createOrganization(ctx(), { name: 'Initech', slug: 'initech' }, 'api')).rejects.toMatchObject({
      code: 'ADMIN_CONFLICT',
      detail: { field: 'slug' },
      message: expect.stringContaining('The slug initech belonged to a deleted organization'),
    })
    expect((await createOrganization(ctx(), { name: 'Initech' }, 'api')).slug).toBe('initech-2')
  })

  it('refuses a domain another organization holds with a 409 naming it, and leaves no half-made organization', async () => {
    const holder = await createOrganization(ctx(), { name: 'Globex', domains: ['globex.example'] }, 'api')
    const attempt = createOrganization(ctx(), { name: 'Impostor', domains: ['impostor.example', 'GLOBEX.example'] }, 'api')
    await expect(attempt).rejects.toEqual(conflict({ domain: 'globex.example', organizationId: holder.id, field: 'domains' }))
    await expect(attempt).rejects.toThrow(/globex\.example already belongs to organization/)
    expect((await listOrganizationViews(ctx())).map((o) => o.name)).toEqual(['Globex'])
    // The domain claimed before the conflict went with the organization.
    expect(await getDomain(env.DB, 'impostor.example')).toBeNull()
    expect(await getDomain(env.DB, 'globex.example')).toMatchObject({ organizationId: holder.id })
    expect(await auditCount('organization.create')).toBe(1)
  })
})

describe('organization views', () => {
  it('shows IdPs, domains with status and the TXT record to publish, and live sessions', async () => {
    const org = await createOrganization(ctx(), { name: 'Acme', domains: ['acme.example', 'acme.dev'] }, 'api')
    const other = await createOrganization(ctx(), { name: 'Bravo' }, 'api')
    await confirmDomain(ctx(), org.id, 'acme.example')
    await idpIn(org.id, 'idp_acme_okta', 'acme-okta')
    await idpIn(other.id, 'idp_bravo', 'bravo')
    const base = { organizationId: org.id, organizationSlug: 'acme', idpId: 'idp_acme_okta', idpSlug: 'acme-okta' }
    await signedIn({ ...base, nameId: 'jane@acme.example' })
    await signedIn({ ...base, nameId: 'john@acme.example' })
    // Expired: its index row stays until the cron prunes it, but it is not a live session.
    await signedIn({ ...base, nameId: 'old@acme.example', expiresAt: Date.now() - 60_000 })
    await signedIn({ organizationId: other.id, organizationSlug: 'bravo', idpId: 'idp_bravo', idpSlug: 'bravo' })

    const view = await organizationView(ctx(), org.id)
    const token = (d: string) => getDomain(env.DB, d).then((r) => r!.token)
    expect(view).toMatchObject({
      id: org.id,
      name: 'Acme',
      slug: 'acme',
      enabled: true,
      trustAnyEmail: false,
      warnings: [],
      liveSessions: 2,
      idps: [{ id: 'idp_acme_okta', name: 'IdP acme-okta', slug: 'acme-okta', enabled: true }],
      domains: [
        {
          domain: 'acme.dev',
          status: 'pending',
          verificationMethod: null,
          verifiedAt: null,
          txtRecord: { name: '_edge-sso-challenge.acme.dev', type: 'TXT', value: `edge-sso-verify=${await token('acme.dev')}` },
        },
        {
          domain: 'acme.example',
          status: 'verified',
          verificationMethod: 'manual',
          txtRecord: { name: '_edge-sso-challenge.acme.example', type: 'TXT', value: `edge-sso-verify=${await token('acme.example')}` },
        },
      ],
    })
    expect(view.domains[1]!.verifiedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
    // Each domain has its own token.
    expect(view.domains[0]!.txtRecord.value).not.toBe(view.domains[1]!.txtRecord.value)

    const list = await listOrganizationViews(ctx())
    expect(list.map((o) => [o.name, o.liveSessions, o.idps.map((i) => i.slug), o.domains.map((d) => d.domain)])).toEqual([
      ['Acme', 2, ['acme-okta'], ['acme.dev', 'acme.example']],
      ['Bravo', 1, ['bravo'], []],
    ])
  })

  it('warns about trustAnyEmail on the organization that sets it', async () => {
    const staff = await createOrganization(ctx(), { name: 'Helpdesk staff', trustAnyEmail: true }, 'api')
    await createOrganization(ctx(), { name: 'Customer' }, 'api')
    expect((await organizationView(ctx(), staff.id)).warnings).toEqual([TRUST_ANY_EMAIL_WARNING])
    expect((await listOrganizationViews(ctx())).map((o) => [o.name, o.warnings.length])).toEqual([
      ['Customer', 0],
      ['Helpdesk staff', 1],
    ])
  })

  it('answers ADMIN_ORGANIZATION_NOT_FOUND for an unknown id', async () => {
    await expect(organizationView(ctx(), 'org_nope')).rejects.toEqual(orgNotFound)
  })

  it('lists organization choices by name for pickers', async () => {
    const b = await createOrganization(ctx(), { name: 'Bravo' }, 'api')
    const a = await createOrganization(ctx(), { name: 'Alpha' }, 'api')
    expect(await organizationChoices(ctx())).toEqual([
      { id: a.id, name: 'Alpha' },
      { id: b.id, name: 'Bravo' },
    ])
  })
})

describe('updateOrganization', () => {
  it('patches only what is given and audits what changed', async () => {
    const org = await createOrganization(ctx(), { name: 'Acme', helpdeskOrganization: 'Acme HD', domains: ['acme.example'] }, 'api')
    await updateOrganization(ctx(), org.id, { name: 'Acme Corp' }, 'patch', 'console')
    expect(await getOrganization(env.DB, org.id)).toMatchObject({ name: 'Acme Corp', slug: 'acme', helpdeskOrganization: 'Acme HD' })
    // No domains given: the domains stay.
    expect((await domainRows(org.id)).map((d) => d.domain)).toEqual(['acme.example'])
    expect(await lastAuditRow('organization.update')).toMatchObject({
      outcome: 'success',
      detail: { organizationId: org.id, changed: ['name'], domainsAdded: [], domainsRemoved: [], via: 'console' },
    })
  })

  it('needs a name to replace (PUT), and refuses bad fields without changing anything', async () => {
    const org = await createOrganization(ctx(), { name: 'Acme' }, 'api')
    await expect(updateOrganization(ctx(), org.id, { slug: 'acme-2' }, 'replace', 'api')).rejects.toEqual(invalidField('name'))
    await expect(updateOrganization(ctx(), org.id, { enabled: 'no' }, 'patch', 'api')).rejects.toEqual(invalidField('enabled'))
    await expect(updateOrganization(ctx(), 'org_nope', { name: 'X' }, 'patch', 'api')).rejects.toEqual(orgNotFound)
    expect(await getOrganization(env.DB, org.id)).toMatchObject({ name: 'Acme', slug: 'acme', enabled: true })
    expect(await auditCount('organization.update')).toBe(0)
  })

  it('replaces the domain list: new ones claimed pending, missing ones released, kept ones keep their status', async () => {
    const org = await createOrganization(ctx(), { name: 'Acme', domains: ['old.example', 'kept.example'] }, 'api')
    await confirmDomain(ctx(), org.id, 'kept.example')
    await updateOrganization(ctx(), org.id, { name: 'Acme', domains: ['kept.example', 'New.Example'] }, 'replace', 'api')
    expect(await domainRows(org.id)).toEqual([
      { domain: 'kept.example', status: 'verified', verification_method: 'manual' },
      { domain: 'new.example', status: 'pending', verification_method: null },
    ])
    expect(await getDomain(env.DB, 'old.example')).toBeNull()
    expect(await lastAuditRow('organization.update')).toMatchObject({
      detail: { organizationId: org.id, domainsAdded: ['new.example'], domainsRemoved: ['old.example'], via: 'api' },
    })
    // A released domain is free for another organization.
    const other = await createOrganization(ctx(), { name: 'Other', domains: ['old.example'] }, 'api')
    expect(await getDomain(env.DB, 'old.example')).toMatchObject({ organizationId: other.id, status: 'pending' })
  })

  it('refuses a domain another organization holds, and claims none of the list', async () => {
    const holder = await createOrganization(ctx(), { name: 'Globex', domains: ['globex.example'] }, 'api')
    const org = await createOrganization(ctx(), { name: 'Acme', domains: ['acme.example'] }, 'api')
    await expect(updateOrganization(ctx(), org.id, { domains: ['acme.example', 'fresh.example', 'globex.example'] }, 'patch', 'api')).rejects.toEqual(
      conflict({ domain: 'globex.example', organizationId: holder.id }),
    )
    expect((await domainRows(org.id)).map((d) => d.domain)).toEqual(['acme.example'])
    expect(await getDomain(env.DB, 'fresh.example')).toBeNull()
    expect(await getDomain(env.DB, 'globex.example')).toMatchObject({ organizationId: holder.id })
    expect(await auditCount('organization.update')).toBe(0)
  })

  it('never changes the slug (the portal knows the organization by it), touching nothing else', async () => {
    await createOrganization(ctx(), { name: 'Taken' }, 'api')
    const org = await createOrganization(ctx(), { name: 'Acme', domains: ['acme.example'] }, 'api')
    await confirmDomain(ctx(), org.id, 'acme.example')
    await expect(updateOrganization(ctx(), org.id, { slug: 'taken', domains: ['new.example'] }, 'patch', 'api')).rejects.toMatchObject({
      code: 'ADMIN_INVALID_FIELD',
      detail: { field: 'slug' },
      message: expect.stringContaining('cannot change: the portal and the helpdesks know this organization as acme (X-SSO-Org)'),
    })
    // The verified domain is still held, and the new one was not claimed.
    expect(await domainRows(org.id)).toEqual([{ domain: 'acme.example', status: 'verified', verification_method: 'manual' }])
    expect(await getOrganization(env.DB, org.id)).toMatchObject({ slug: 'acme' })
    expect(await auditCount('organization.update')).toBe(0)
  })

  it('resolves group mappings by IdP slug or id, and refuses IdPs of other organizations', async () => {
    const org = await createOrganization(ctx(), { name: 'Acme' }, 'api')
    const other = await createOrganization(ctx(), { name: 'Globex' }, 'api')
    await idpIn(org.id, 'idp_acme_okta', 'acme-okta')
    await idpIn(org.id, 'idp_acme_entra', 'acme-entra')
    await idpIn(other.id, 'idp_globex', 'globex')
    await updateOrganization(
      ctx(),
      org.id,
      {
        groupMappings: [
          { idp: 'acme-okta', group: 'EMEA', helpdeskOrganization: 'Acme EMEA' },
          { idpId: 'idp_acme_entra', group: 'US', helpdeskOrganization: 'Acme US' },
        ],
      },
      'patch',
      'api',
    )
    expect(await getOrganization(env.DB, org.id)).toMatchObject({
      groupMappings: [
        { idpId: 'idp_acme_okta', group: 'EMEA', helpdeskOrganization: 'Acme EMEA' },
        { idpId: 'idp_acme_entra', group: 'US', helpdeskOrganization: 'Acme US' },
      ],
    })
    expect((await organizationView(ctx(), org.id)).groupMappings.map((m) => m.idpSlug)).toEqual(['acme-okta', 'acme-entra'])
    expect(await lastAuditRow('organization.update')).toMatchObject({ detail: { changed: ['groupMappings'] } })

    // A group belongs to its IdP: another organization's IdP, or an unknown one, is refused by field.
    for (const idp of ['globex', 'idp_globex', 'nobody']) {
      const attempt = updateOrganization(ctx(), org.id, { groupMappings: [{ idp, group: 'G', helpdeskOrganization: 'H' }] }, 'patch', 'api')
      await expect(attempt, idp).rejects.toEqual(invalidField('groupMappings[0].idp'))
      await expect(attempt, idp).rejects.toThrow(/is not an IdP of this organization/)
    }
    expect((await getOrganization(env.DB, org.id))!.groupMappings).toHaveLength(2)
  })

  describe("withdrawing an organization's email authority ends its sessions (they carry emails it may no longer assert)", () => {
    async function acmeWithSession(fields: Record<string, unknown> = {}) {
      const org = await createOrganization(ctx(), { name: 'Acme', domains: ['acme.example', 'acme.test'], ...fields }, 'api')
      await confirmDomain(ctx(), org.id, 'acme.example')
      await idpIn(org.id, 'idp_okta', 'okta')
      const cookies = await signedIn({ idpId: 'idp_okta', idpSlug: 'okta', organizationId: org.id, organizationSlug: org.slug })
      expect(await currentSession(ctx(), cookies)).not.toBeNull()
      return { org, cookies }
    }
    const revocationReason = async () => (await lastAuditRow('sessions.revoke'))?.detail

    it('when a verified domain is removed from the list', async () => {
      const { org, cookies } = await acmeWithSession()
      await updateOrganization(ctx(), org.id, { domains: ['acme.test'] }, 'patch', 'api')
      expect(await currentSession(ctx(), cookies)).toBeNull()
      expect(await revocationReason()).toMatchObject({ organizationId: org.id, reason: 'email authority withdrawn', revoked: 1 })
    })

    it('when a verified domain is removed on its own', async () => {
      const { org, cookies } = await acmeWithSession()
      await removeDomain(ctx(), org.id, 'acme.example', 'console')
      expect(await currentSession(ctx(), cookies)).toBeNull()
    })

    it('not when only a pending domain goes (it never vouched for anyone)', async () => {
      const { org, cookies } = await acmeWithSession()
      await removeDomain(ctx(), org.id, 'acme.test', 'api')
      await updateOrganization(ctx(), org.id, { helpdeskOrganization: 'Acme Corp' }, 'patch', 'api')
      expect(await currentSession(ctx(), cookies)).not.toBeNull()
      expect(await auditCount('sessions.revoke')).toBe(0)
    })

    it('when trustAnyEmail is turned off', async () => {
      const { org, cookies } = await acmeWithSession({ trustAnyEmail: true })
      await updateOrganization(ctx(), org.id, { trustAnyEmail: false }, 'patch', 'api')
      expect(await currentSession(ctx(), cookies)).toBeNull()
      // A sign-in after the change starts a session that lives.
      const later = await signedIn({ idpId: 'idp_okta', idpSlug: 'okta', organizationId: org.id, organizationSlug: org.slug, createdAt: Date.now() + 1000 })
      expect(await currentSession(ctx(), later)).not.toBeNull()
    })
  })

  it('audits turning trustAnyEmail on with its warning', async () => {
    const org = await createOrganization(ctx(), { name: 'Staff' }, 'api')
    await updateOrganization(ctx(), org.id, { trustAnyEmail: true }, 'patch', 'api')
    expect(await lastAuditRow('organization.update')).toMatchObject({
      detail: { changed: ['trustAnyEmail'], trustAnyEmail: true, warning: TRUST_ANY_EMAIL_WARNING },
    })
  })
})

describe('deleteOrganization', () => {
  it('refuses while IdPs remain in it (ADMIN_CONFLICT on idps), changing nothing', async () => {
    const org = await createOrganization(ctx(), { name: 'Acme', domains: ['acme.example'] }, 'api')
    await idpIn(org.id, 'idp_acme', 'acme')
    await expect(deleteOrganization(ctx(), org.id, 'api')).rejects.toEqual(conflict({ field: 'idps' }))
    await expect(deleteOrganization(ctx(), org.id, 'api')).rejects.toThrow(/still has 1 IdP\(s\): move or delete them first/)
    expect(await getOrganization(env.DB, org.id)).not.toBeNull()
    expect(await getDomain(env.DB, 'acme.example')).not.toBeNull()
    expect(await auditCount('organization.delete')).toBe(0)
  })

  it('deletes it with its domains, revokes its indexed sessions, and audits the count', async () => {
    const org = await createOrganization(ctx(), { name: 'Acme', domains: ['acme.example'] }, 'api')
    const stores = { kv: env.SESSIONS, db: env.DB }
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
    // Sessions still indexed under the organization (e.g. its IdP moved elsewhere since).
    const tokens = await Promise.all(
      ['a', 'b'].map((n) =>
        createSession(stores, sampleSession({ organizationId: org.id, idpId: 'idp_moved', nameId: `${n}@acme.example` }), random, new Date()),
      ),
    )
    const keep = await createSession(stores, sampleSession({ organizationId: 'org_else', idpId: 'idp_else' }), random, new Date())

    await deleteOrganization(ctx(), org.id, 'console')
    expect(await getOrganization(env.DB, org.id)).toBeNull()
    expect(await getDomain(env.DB, 'acme.example')).toBeNull()
    for (const token of tokens) expect(await readSession(env.SESSIONS, token, new Date())).toBeNull()
    expect(await readSession(env.SESSIONS, keep, new Date())).not.toBeNull()
    expect(await count('SELECT COUNT(*) AS n FROM session_index WHERE organization_id = ?', org.id)).toBe(0)
    expect(await lastAuditRow('organization.delete')).toMatchObject({
      outcome: 'success',
      detail: { organizationId: org.id, name: 'Acme', sessionsRevoked: 2, via: 'console' },
    })
    await expect(deleteOrganization(ctx(), org.id, 'api')).rejects.toEqual(orgNotFound)
  })
})

describe('domains one by one', () => {
  it('adds a domain as typed (case, @, Unicode) normalized and pending, audited once', async () => {
    const org = await createOrganization(ctx(), { name: 'Acme' }, 'api')
    expect(await addDomain(ctx(), org.id, 'Sales.Example.COM')).toMatchObject({ domain: 'sales.example.com', status: 'pending', organizationId: org.id })
    expect(await addDomain(ctx(), org.id, '@Bücher.example')).toMatchObject({ domain: 'xn--bcher-kva.example', status: 'pending' })
    expect(await lastAuditRow('domain.claim')).toMatchObject({ outcome: 'success', detail: { organizationId: org.id, domain: 'xn--bcher-kva.example' } })
    // Adding it again changes nothing and audits nothing more.
    const before = await getDomain(env.DB, 'sales.example.com')
    expect(await addDomain(ctx(), org.id, 'sales.example.com')).toEqual(before)
    expect(await auditCount('domain.claim')).toBe(2)
  })

  it('refuses a malformed domain, an unknown organization and a domain another organization holds', async () => {
    const org = await createOrganization(ctx(), { name: 'Acme' }, 'api')
    const holder = await createOrganization(ctx(), { name: 'Globex', domains: ['globex.example'] }, 'api')
    for (const bad of ['not a domain', '', 'localhost', 'a/b.example', 42])
      await expect(addDomain(ctx(), org.id, bad), String(bad)).rejects.toEqual(invalidField('domain'))
    await expect(addDomain(ctx(), 'org_nope', 'x.example')).rejects.toEqual(orgNotFound)
    const attempt = addDomain(ctx(), org.id, 'Globex.Example')
    await expect(attempt).rejects.toEqual(conflict({ domain: 'globex.example', organizationId: holder.id }))
    await expect(attempt).rejects.toThrow(/globex\.example already belongs to organization/)
    expect(await domainRows(org.id)).toEqual([])
    expect(await getDomain(env.DB, 'globex.example')).toMatchObject({ organizationId: holder.id })
  })

  it("removes a domain named in any case, audited; another organization's domain is not found", async () => {
    const org = await createOrganization(ctx(), { name: 'Acme', domains: ['acme.example'] }, 'api')
    const other = await createOrganization(ctx(), { name: 'Globex', domains: ['globex.example'] }, 'api')
    await removeDomain(ctx(), org.id, 'ACME.Example', 'api')
    expect(await getDomain(env.DB, 'acme.example')).toBeNull()
    expect(await lastAuditRow('domain.release')).toMatchObject({ outcome: 'success', detail: { organizationId: org.id, domain: 'acme.example' } })
    await expect(removeDomain(ctx(), org.id, 'acme.example', 'api')).rejects.toEqual(domainNotFound)
    await expect(removeDomain(ctx(), org.id, 'globex.example', 'api')).rejects.toEqual(domainNotFound)
    expect(await getDomain(env.DB, 'globex.example')).toMatchObject({ organizationId: other.id })
    expect(await auditCount('domain.release')).toBe(1)
  })
})

describe('domain verification', () => {
  async function pendingDomain(domain = 'acme.example') {
    const org = await createOrganization(ctx(), { name: 'Acme', domains: [domain] }, 'api')
    const row = (await getDomain(env.DB, domain))!
    return { org, row, name: `_edge-sso-challenge.${domain}`, value: `edge-sso-verify=${row.token}` }
  }

  it('verifies by DNS when the TXT record is published, audited domain.verify success', async () => {
    const { org, name, value } = await pendingDomain()
    const dns = localDns()
    dns.publish(name, 'v=spf1 -all')
    dns.publish(name, value)
    const now = new Date('2026-11-26T12:00:00.000Z')
    const row = await checkDomain(ctx({ resolveTxt: dns.resolver, clock: () => now }), org.id, 'Acme.Example')
    expect(row).toMatchObject({ status: 'verified', verificationMethod: 'dns', verifiedAt: now, lastCheckedAt: now, lastCheckError: null })
    expect(dns.queries).toEqual([name])
    expect((await organizationView(ctx(), org.id)).domains[0]).toMatchObject({ status: 'verified', verificationMethod: 'dns' })
    expect(await lastAuditRow('domain.verify')).toMatchObject({
      outcome: 'success',
      actor: 'admin-token',
      detail: { organizationId: org.id, domain: 'acme.example', method: 'dns' },
    })
    // Checking a verified domain again asks DNS nothing and audits nothing.
    await checkDomain(ctx({ resolveTxt: dns.resolver }), org.id, 'acme.example')
    expect(dns.queries).toHaveLength(1)
    expect(await auditCount('domain.verify')).toBe(1)
  })

  it('keeps a domain without its record pending, with the reason for the admin and a failed check audited', async () => {
    const { org, name, value } = await pendingDomain()
    const dns = localDns()
    const now = new Date('2026-11-26T12:00:00.000Z')
    const row = await checkDomain(ctx({ resolveTxt: dns.resolver, clock: () => now }), org.id, 'acme.example')
    expect(row).toMatchObject({ status: 'pending', verificationMethod: null, verifiedAt: null, lastCheckedAt: now })
    expect(row.lastCheckError).toBe(`no TXT record at ${name} yet`)
    expect((await organizationView(ctx(), org.id)).domains[0]).toMatchObject({ status: 'pending', lastCheckError: `no TXT record at ${name} yet` })
    expect(await lastAuditRow('domain.verify')).toMatchObject({
      outcome: 'failure',
      code: 'ADMIN_DOMAIN_NOT_VERIFIED',
      detail: { organizationId: org.id, domain: 'acme.example', expected: value, at: name, reason: `no TXT record at ${name} yet` },
    })
  })

  it('keeps a domain whose TXT record holds another token pending, saying which value is expected', async () => {
    const { org, name, value } = await pendingDomain()
    const dns = localDns()
    dns.publish(name, 'edge-sso-verify=0000000000000000')
    const row = await checkDomain(ctx({ resolveTxt: dns.resolver }), org.id, 'acme.example')
    expect(row.status).toBe('pending')
    expect(row.lastCheckError).toBe(`${name} has TXT records, but none is ${value}`)
    expect(await lastAuditRow('domain.verify')).toMatchObject({ outcome: 'failure', code: 'ADMIN_DOMAIN_NOT_VERIFIED' })
    // Published later, the next check verifies it.
    dns.publish(name, value)
    expect(await checkDomain(ctx({ resolveTxt: dns.resolver }), org.id, 'acme.example')).toMatchObject({ status: 'verified', lastCheckError: null })
  })

  it('records a resolver that fails as the reason, not as an error of the request', async () => {
    const { org } = await pendingDomain()
    const failing = async () => {
      throw new Error('the DNS resolver did not answer')
    }
    const row = await checkDomain(ctx({ resolveTxt: failing }), org.id, 'acme.example')
    expect(row).toMatchObject({ status: 'pending', lastCheckError: 'the DNS resolver did not answer' })
  })

  it("checks only this organization's domains", async () => {
    const { row } = await pendingDomain()
    const other = await createOrganization(ctx(), { name: 'Other' }, 'api')
    await expect(checkDomain(ctx(), other.id, row.domain)).rejects.toEqual(domainNotFound)
    await expect(confirmDomain(ctx(), other.id, row.domain)).rejects.toEqual(domainNotFound)
    expect(await getDomain(env.DB, row.domain)).toMatchObject({ status: 'pending', lastCheckedAt: null })
  })

  it('does not verify a domain released and claimed by another organization while the lookup ran', async () => {
    const { org, name, value } = await pendingDomain()
    const other = await createOrganization(ctx(), { name: 'Other' }, 'api')
    const dns = localDns()
    dns.publish(name, value)
    const racing = async (lookup: string) => {
      // While DNS answers, an admin moves the domain to another organization.
      await removeDomain(ctx(), org.id, 'acme.example', 'api')
      await addDomain(ctx(), other.id, 'acme.example')
      return dns.resolver(lookup)
    }
    await expect(checkDomain(ctx({ resolveTxt: racing }), org.id, 'acme.example')).rejects.toEqual(domainNotFound)
    expect(await getDomain(env.DB, 'acme.example')).toMatchObject({ organizationId: other.id, status: 'pending' })
  })

  it('confirms a domain by hand: verified "manual", audited domain.confirm', async () => {
    const { org } = await pendingDomain()
    const row = await confirmDomain(ctx(), org.id, 'ACME.example')
    expect(row).toMatchObject({ status: 'verified', verificationMethod: 'manual', lastCheckError: null })
    expect(await lastAuditRow('domain.confirm')).toMatchObject({
      outcome: 'success',
      actor: 'admin-token',
      detail: { organizationId: org.id, domain: 'acme.example', method: 'manual' },
    })
  })
})

describe('checkPendingDomains (the daily cron)', () => {
  it(`checks at most ${PENDING_CHECKS_PER_RUN} pending domains per run, least recently checked first, and verifies the published ones`, async () => {
    const total = PENDING_CHECKS_PER_RUN + 5
    const domains = Array.from({ length: total }, (_, i) => `d${String(i).padStart(2, '0')}.example`)
    await seedOrganization({ id: 'org_many', pendingDomains: domains, domains: ['done.example'] })
    const dns = localDns()
    // seedOrganization's pending domains have the token `token-<domain>`.
    for (const d of ['d00.example', 'd07.example', domains.at(-1)!]) dns.publish(`_edge-sso-challenge.${d}`, `edge-sso-verify=token-${d}`)

    const first = await checkPendingDomains(ctx({ resolveTxt: dns.resolver, actor: 'cron' }))
    expect(first).toEqual({ checked: PENDING_CHECKS_PER_RUN, verified: 2 })
    expect(dns.queries).toHaveLength(PENDING_CHECKS_PER_RUN)
    // The verified domain is never looked up.
    expect(dns.queries).not.toContain('_edge-sso-challenge.done.example')
    expect((await getDomain(env.DB, 'd07.example'))!.verificationMethod).toBe('dns')
    expect((await getDomain(env.DB, domains.at(-1)!))!.lastCheckedAt).toBeNull()

    // The next run starts with the ones never checked.
    dns.queries.length = 0
    const second = await checkPendingDomains(ctx({ resolveTxt: dns.resolver, actor: 'cron', clock: () => new Date(Date.now() + 1000) }))
    expect(second).toEqual({ checked: PENDING_CHECKS_PER_RUN, verified: 1 })
    expect(dns.queries.slice(0, 5)).toEqual(domains.slice(-5).map((d) => `_edge-sso-challenge.${d}`))
    expect(await count("SELECT COUNT(*) AS n FROM organization_domains WHERE status = 'verified' AND verification_method = 'dns'")).toBe(3)
  })
})

describe('revokeSessionsOf', () => {
  async function tenants() {
    const acme = await createOrganization(ctx(), { name: 'Acme' }, 'api')
    const globex = await createOrganization(ctx(), { name: 'Globex' }, 'api')
    await idpIn(acme.id, 'idp_okta', 'okta')
    await idpIn(acme.id, 'idp_entra', 'entra')
    await idpIn(globex.id, 'idp_globex', 'globex')
    const at = (idpId: string, idpSlug: string, organizationId: string, nameId: string) =>
      signedIn({ idpId, idpSlug, organizationId, organizationSlug: organizationId, nameId })
    const sessions = {
      oktaJane: await at('idp_okta', 'okta', acme.id, 'jane@acme.example'),
      oktaJohn: await at('idp_okta', 'okta', acme.id, 'john@acme.example'),
      entraJane: await at('idp_entra', 'entra', acme.id, 'jane@acme.example'),
      globexBob: await at('idp_globex', 'globex', globex.id, 'bob@globex.example'),
    }
    return { acme, globex, sessions }
  }

  async function live(sessions: Record<string, Record<string, string>>): Promise<string[]> {
    const out: string[] = []
    for (const [name, cookies] of Object.entries(sessions)) if (await currentSession(ctx(), cookies)) out.push(name)
    return out
  }

  it("ends an IdP's sessions and no other, audited with the count", async () => {
    const { sessions } = await tenants()
    expect(await live(sessions)).toEqual(['oktaJane', 'oktaJohn', 'entraJane', 'globexBob'])
    expect(await revokeSessionsOf(ctx(), { idpId: 'idp_okta' }, 'api')).toEqual({ revoked: 2, remaining: 0 })
    expect(await live(sessions)).toEqual(['entraJane', 'globexBob'])
    expect(await lastAuditRow('sessions.revoke')).toMatchObject({
      outcome: 'success',
      actor: 'admin-token',
      idp_id: 'idp_okta',
      detail: { idpId: 'idp_okta', revoked: 2, via: 'api' },
    })
  })

  it("ends one user's sessions by namespaced subject: the same NameID at another IdP is another user", async () => {
    const { sessions } = await tenants()
    expect(await revokeSessionsOf(ctx(), { subject: 'okta:jane@acme.example' }, 'console')).toEqual({ revoked: 1, remaining: 0 })
    expect(await live(sessions)).toEqual(['oktaJohn', 'entraJane', 'globexBob'])
    expect(await lastAuditRow('sessions.revoke')).toMatchObject({
      subject: 'okta:jane@acme.example',
      detail: { subject: 'okta:jane@acme.example', revoked: 1, via: 'console' },
    })
    // Nobody by that name any more: nothing to end, still audited.
    expect(await revokeSessionsOf(ctx(), { subject: 'okta:jane@acme.example' }, 'api')).toEqual({ revoked: 0, remaining: 0 })
    expect(await lastAuditRow('sessions.revoke')).toMatchObject({ detail: { revoked: 0 } })
  })

  it("ends an organization's sessions across its IdPs, and no other organization's", async () => {
    const { acme, globex, sessions } = await tenants()
    expect((await organizationView(ctx(), acme.id)).liveSessions).toBe(3)
    expect(await revokeSessionsOf(ctx(), { organizationId: acme.id }, 'api')).toEqual({ revoked: 3, remaining: 0 })
    expect(await live(sessions)).toEqual(['globexBob'])
    expect((await organizationView(ctx(), acme.id)).liveSessions).toBe(0)
    expect((await organizationView(ctx(), globex.id)).liveSessions).toBe(1)
    expect(await lastAuditRow('sessions.revoke')).toMatchObject({ detail: { organizationId: acme.id, revoked: 3 } })
  })

  it('refuses an unknown organization without auditing a revocation', async () => {
    await expect(revokeSessionsOf(ctx(), { organizationId: 'org_nope' }, 'api')).rejects.toEqual(orgNotFound)
    expect(await auditCount('sessions.revoke')).toBe(0)
  })
})
