// workerd: the hot path's prepared statements (src/store/statements.ts) against drizzle on real D1.
// A row read by them equals the row drizzle reads (every column mode: text, enum, JSON, boolean,
// integer, timestamp, null), a row they write equals the row drizzle writes for the same values
// (SQL defaults for keys left out), and the store functions built on them keep their meaning.
import { env } from 'cloudflare:workers'
import { asc, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { beforeEach, describe, expect, it } from 'vitest'
import { writeAudit } from '../../src/store/audit'
import { findIdp, findIdpByEntityId, findIdpWithTenant } from '../../src/store/idps'
import { getOrganization, listDomains } from '../../src/store/organizations'
import { consumeOnce } from '../../src/store/replay'
import { auditLog, consumedAssertions, idps, organizationDomains, organizations } from '../../src/store/schema'
import { insertInto, selectAllBy, selectOneBy } from '../../src/store/statements'
import { seedIdp, seedOrganization } from '../helpers/tenants'

const T0 = new Date('2026-11-20T08:00:00.123Z')
const db = () => drizzle(env.DB)

beforeEach(async () => {
  await env.DB.exec('DELETE FROM idps; DELETE FROM organizations; DELETE FROM organization_domains; DELETE FROM audit_log; DELETE FROM consumed_assertions')
})

describe('reads', () => {
  it('read an IdP exactly as drizzle does, every column mode included', async () => {
    await seedOrganization({ id: 'org_rich', name: 'Rich', slug: 'rich' }, env.DB, T0)
    await seedIdp(
      env.DB,
      'idp_rich',
      {
        organizationId: 'org_rich',
        name: 'Rich "quoted" IdP',
        slug: 'rich',
        entityId: 'https://rich.test/saml',
        ssoUrl: 'https://rich.test/sso',
        ssoBinding: 'post',
        sloUrl: null,
        certificates: ['MIIBcert1', 'MIIBcert2'],
        attributeMap: { email: 'mail', groups: 'memberOf' },
        allowedGroups: ['support', 'über'],
        wantAssertionsSigned: true,
        allowIdpInitiated: true,
        clockSkewSeconds: 90,
        enabled: false,
        oidcEndpoints: null,
      },
      T0,
    )
    const expected = (await db().select().from(idps).where(eq(idps.id, 'idp_rich')))[0]!
    expect(expected.certificates).toEqual(['MIIBcert1', 'MIIBcert2'])
    expect(expected.testedAt).toEqual(T0)
    for (const row of [await findIdp(env.DB, 'idp_rich'), await findIdp(env.DB, 'rich'), await findIdpByEntityId(env.DB, 'https://rich.test/saml')]) {
      expect(row).toStrictEqual(expected)
    }
    expect(await findIdp(env.DB, 'nobody')).toBeNull()
    expect(await findIdpByEntityId(env.DB, 'https://nobody.test')).toBeNull()
  })

  it('read an organization and its domains, in domain order, as drizzle does', async () => {
    await seedOrganization(
      {
        id: 'org_acme',
        name: 'Acme',
        slug: 'acme',
        domains: ['zeta.example', 'acme.example'],
        pendingDomains: ['beta.example'],
        groupMappings: [{ idpId: 'idp_x', group: 'vip', helpdeskOrganization: 'Acme VIP' }],
      },
      env.DB,
      T0,
    )
    await seedOrganization({ id: 'org_other', name: 'Other', slug: 'other', domains: ['other.example'] }, env.DB, T0)
    const org = (await db().select().from(organizations).where(eq(organizations.id, 'org_acme')))[0]!
    expect(await getOrganization(env.DB, 'org_acme')).toStrictEqual(org)
    expect(await getOrganization(env.DB, 'org_none')).toBeNull()
    const domains = await db()
      .select()
      .from(organizationDomains)
      .where(eq(organizationDomains.organizationId, 'org_acme'))
      .orderBy(asc(organizationDomains.domain))
    expect(domains.map((d) => d.domain)).toEqual(['acme.example', 'beta.example', 'zeta.example'])
    expect(await listDomains(env.DB, ['org_acme'])).toStrictEqual(domains)
    expect(await selectAllBy(organizationDomains, 'organizationId', 'domain')(env.DB, 'org_none')).toEqual([])
  })

  it('bind values, never splice them: a quote or a LIKE pattern is just a value', async () => {
    await seedIdp(env.DB, 'idp_plain', { name: 'Plain', slug: 'plain', entityId: 'https://plain.test/saml', ssoUrl: 'https://plain.test/sso' }, T0)
    const byEntity = selectOneBy(idps, 'entityId')
    expect(await byEntity(env.DB, "x' OR '1'='1")).toBeNull()
    expect(await byEntity(env.DB, '%')).toBeNull()
  })
})

describe('an IdP with its tenant, in one batch (the ACS)', () => {
  beforeEach(async () => {
    await seedOrganization(
      { id: 'org_acme', name: 'Acme', slug: 'acme', domains: ['acme.example', 'acme.test'], pendingDomains: ['beta.acme.example'] },
      env.DB,
      T0,
    )
    await seedOrganization({ id: 'org_globex', name: 'Globex', slug: 'globex', domains: ['globex.example'] }, env.DB, T0)
    await seedIdp(
      env.DB,
      'idp_acme',
      { organizationId: 'org_acme', name: 'Acme', slug: 'acme-okta', entityId: 'https://acme.test/saml', ssoUrl: 'https://acme.test/sso' },
      T0,
    )
    await seedIdp(
      env.DB,
      'idp_globex',
      { organizationId: 'org_globex', name: 'Globex', slug: 'globex', entityId: 'https://globex.test/saml', ssoUrl: 'https://globex.test/sso' },
      T0,
    )
  })

  it("reads what the separate reads do, by id and by entity ID, and only that organization's domains", async () => {
    const expected = {
      idp: await findIdp(env.DB, 'idp_acme'),
      organization: await getOrganization(env.DB, 'org_acme'),
      domains: await listDomains(env.DB, ['org_acme']),
    }
    expect(expected.domains.map((d) => d.domain)).toEqual(['acme.example', 'acme.test', 'beta.acme.example'])
    expect(await findIdpWithTenant(env.DB, { id: 'idp_acme' })).toStrictEqual(expected)
    expect(await findIdpWithTenant(env.DB, { entityId: 'https://acme.test/saml' })).toStrictEqual(expected)
    expect((await findIdpWithTenant(env.DB, { entityId: 'https://globex.test/saml' }))!.domains.map((d) => d.domain)).toEqual(['globex.example'])
  })

  it('finds nothing for an unknown IdP (a slug is not an id), and no organization for an orphan', async () => {
    expect(await findIdpWithTenant(env.DB, { id: 'idp_none' })).toBeNull()
    expect(await findIdpWithTenant(env.DB, { id: 'acme-okta' })).toBeNull()
    expect(await findIdpWithTenant(env.DB, { entityId: "x' OR 1=1 --" })).toBeNull()
    await env.DB.prepare("UPDATE idps SET organization_id = 'org_gone' WHERE id = 'idp_acme'").run()
    expect(await findIdpWithTenant(env.DB, { id: 'idp_acme' })).toMatchObject({ organization: null, domains: [] })
  })
})

describe('writes', () => {
  it('write an audit row as drizzle does, with the SQL defaults for keys left out', async () => {
    const full = {
      at: T0,
      actor: 'anonymous',
      action: 'login',
      outcome: 'success' as const,
      idpId: 'idp_x',
      subject: 'x:jane',
      code: null,
      ip: '203.0.113.7',
      userAgent: 'vitest',
      requestId: 'req-1',
      detail: { groups: ['a', 'b'], emailVerified: true, nested: { n: 1 } },
    }
    const minimal = { at: T0, actor: 'cron', action: 'maintenance', outcome: 'failure' as const }
    for (const entry of [full, minimal]) {
      await writeAudit(env.DB, entry)
      await db().insert(auditLog).values(entry)
    }
    const rows = await db().select().from(auditLog).orderBy(asc(auditLog.id))
    expect(rows).toHaveLength(4)
    const withoutId = ({ id: _id, ...rest }: (typeof rows)[number]) => rest
    expect(withoutId(rows[0]!)).toStrictEqual(withoutId(rows[1]!))
    expect(withoutId(rows[2]!)).toStrictEqual(withoutId(rows[3]!))
    expect(rows[0]!.detail).toEqual(full.detail)
    expect(rows[2]).toMatchObject({ idpId: null, detail: null, code: null })
  })

  it('consume an ID once; the replay is refused and the row is what drizzle reads back', async () => {
    const expiresAt = new Date(T0.getTime() + 600_000)
    expect(await consumeOnce(env.DB, 'https://idp.test', '_a1', expiresAt, T0)).toBe(true)
    expect(await consumeOnce(env.DB, 'https://idp.test', '_a1', expiresAt, T0)).toBe(false)
    expect(await consumeOnce(env.DB, 'https://other.test', '_a1', expiresAt, T0)).toBe(true)
    expect(await db().select().from(consumedAssertions).where(eq(consumedAssertions.issuer, 'https://idp.test'))).toStrictEqual([
      { issuer: 'https://idp.test', assertionId: '_a1', expiresAt, consumedAt: T0 },
    ])
  })

  it('refuses a key the table does not have, rather than writing a wrong row', () => {
    const insert = insertInto(consumedAssertions)
    expect(() => insert(env.DB, { issuer: 'i', assertionId: 'a', expiresAt: T0, consumedAt: T0, nope: 1 } as never)).toThrow(
      /consumed_assertions has no column nope/,
    )
  })
})
