// workerd: the audit log in real D1: entries read back as written, newest first, filtered by
// action, IdP, organization, outcome, code and time, keyset-paginated (stable while rows arrive),
// pruned by age.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { countRecentFailures, listAudit, pruneAudit, writeAudit, type AuditEntry, type AuditRow } from '../../src/store/audit'
import { seedIdp, seedOrganization } from '../helpers/tenants'

const T0 = new Date('2026-11-26T12:00:00.000Z')
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000)

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return { at: T0, actor: 'anonymous', action: 'login', outcome: 'success', ...overrides }
}

/** Writes entries one by one, so their ids ascend in this order. */
async function writeAll(entries: AuditEntry[]): Promise<void> {
  for (const e of entries) await writeAudit(env.DB, e)
}

const actions = (rows: AuditRow[]) => rows.map((r) => r.action)

beforeEach(async () => {
  await env.DB.exec('DELETE FROM audit_log')
})

describe('writeAudit', () => {
  it('stores every field and reads the detail back as JSON', async () => {
    await writeAudit(env.DB, {
      at: T0,
      actor: 'sso:jane@acme.example',
      action: 'login',
      idpId: 'idp_acme',
      subject: 'jane@acme.example',
      outcome: 'failure',
      code: 'SAML_EXPIRED',
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0',
      requestId: 'req-1',
      detail: { expected: '2026-11-26T12:00:00Z', received: ['a', 'b'], skew: 180 },
    })
    const { entries } = await listAudit(env.DB, { limit: 10 })
    expect(entries).toEqual([
      {
        id: expect.any(Number),
        at: T0,
        actor: 'sso:jane@acme.example',
        action: 'login',
        idpId: 'idp_acme',
        subject: 'jane@acme.example',
        outcome: 'failure',
        code: 'SAML_EXPIRED',
        ip: '203.0.113.7',
        userAgent: 'Mozilla/5.0',
        requestId: 'req-1',
        detail: { expected: '2026-11-26T12:00:00Z', received: ['a', 'b'], skew: 180 },
      },
    ])
  })

  it('leaves the optional fields null', async () => {
    await writeAudit(env.DB, entry({ actor: 'cron', action: 'metadata.refresh' }))
    const [row] = (await listAudit(env.DB, { limit: 1 })).entries
    expect(row).toMatchObject({ idpId: null, subject: null, code: null, ip: null, userAgent: null, requestId: null, detail: null })
  })
})

describe('listAudit', () => {
  beforeEach(async () => {
    await writeAll([
      entry({ action: 'login', idpId: 'idp_a', outcome: 'success' }),
      entry({ action: 'login', idpId: 'idp_a', outcome: 'failure', code: 'SAML_EXPIRED' }),
      entry({ action: 'login', idpId: 'idp_b', outcome: 'failure', code: 'SAML_SIGNATURE_INVALID' }),
      entry({ action: 'logout', idpId: 'idp_a', outcome: 'success' }),
      entry({ action: 'idp.update', outcome: 'success', actor: 'admin-token' }),
      entry({ action: 'login', idpId: 'idp_b', outcome: 'failure', code: 'SAML_EXPIRED' }),
    ])
  })

  it('lists newest first (by insertion, even with equal timestamps)', async () => {
    const { entries, nextBefore } = await listAudit(env.DB, { limit: 10 })
    expect(actions(entries)).toEqual(['login', 'idp.update', 'logout', 'login', 'login', 'login'])
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => b - a))
    expect(nextBefore).toBeNull()
  })

  it.each([
    ['action', { action: 'logout' }, 1],
    ['IdP', { idpId: 'idp_a' }, 3],
    ['outcome', { outcome: 'failure' as const }, 3],
    ['code', { code: 'SAML_EXPIRED' }, 2],
  ])('filters by %s', async (_, filter, count) => {
    const { entries } = await listAudit(env.DB, { ...filter, limit: 10 })
    expect(entries).toHaveLength(count)
    for (const e of entries) expect(e).toMatchObject(filter)
  })

  it('combines filters (all must hold)', async () => {
    const { entries } = await listAudit(env.DB, { action: 'login', idpId: 'idp_b', outcome: 'failure', code: 'SAML_EXPIRED', limit: 10 })
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({ action: 'login', idpId: 'idp_b', code: 'SAML_EXPIRED' })
    expect((await listAudit(env.DB, { action: 'logout', outcome: 'failure', limit: 10 })).entries).toEqual([])
  })

  it('pages with nextBefore until the last page, which has none', async () => {
    const all = (await listAudit(env.DB, { limit: 10 })).entries
    const page1 = await listAudit(env.DB, { limit: 4 })
    expect(page1.entries).toEqual(all.slice(0, 4))
    expect(page1.nextBefore).toBe(all[3]!.id)
    const page2 = await listAudit(env.DB, { limit: 4, before: page1.nextBefore! })
    expect(page2.entries).toEqual(all.slice(4))
    expect(page2.nextBefore).toBeNull()
  })

  it('gives no nextBefore when the page is exactly full', async () => {
    expect((await listAudit(env.DB, { limit: 6 })).nextBefore).toBeNull()
    expect((await listAudit(env.DB, { limit: 5 })).nextBefore).not.toBeNull()
  })

  it('pages within a filter', async () => {
    const page1 = await listAudit(env.DB, { action: 'login', limit: 2 })
    const page2 = await listAudit(env.DB, { action: 'login', limit: 2, before: page1.nextBefore! })
    expect(page2.nextBefore).toBeNull()
    const ids = [...page1.entries, ...page2.entries].map((e) => e.id)
    expect(ids).toEqual((await listAudit(env.DB, { action: 'login', limit: 10 })).entries.map((e) => e.id))
    expect(ids).toHaveLength(4)
  })

  it('keeps paging stable while new entries arrive: no repeats, none skipped', async () => {
    const before = (await listAudit(env.DB, { limit: 10 })).entries
    const page1 = await listAudit(env.DB, { limit: 3 })
    await writeAll([entry({ action: 'new-1' }), entry({ action: 'new-2' })])
    const page2 = await listAudit(env.DB, { limit: 3, before: page1.nextBefore! })
    expect([...page1.entries, ...page2.entries]).toEqual(before)
    expect(actions((await listAudit(env.DB, { limit: 2 })).entries)).toEqual(['new-2', 'new-1'])
  })
})

describe('listAudit by time and organization', () => {
  beforeEach(async () => {
    await seedOrganization({ id: 'org_a' })
    await seedOrganization({ id: 'org_b' })
    const idp = (id: string, organizationId: string) =>
      seedIdp(env.DB, id, { name: id, slug: id.replace(/_/g, '-'), entityId: `https://${id}.test`, ssoUrl: `https://${id}.test/sso`, organizationId })
    await env.DB.exec("DELETE FROM idps WHERE id IN ('idp_a1', 'idp_a2', 'idp_b1')")
    await idp('idp_a1', 'org_a')
    await idp('idp_a2', 'org_a')
    await idp('idp_b1', 'org_b')
    await writeAll([
      entry({ action: 'at-start', idpId: 'idp_a1', at: T0 }),
      entry({ action: 'inside', idpId: 'idp_a2', at: at(30) }),
      entry({ action: 'last-ms', idpId: 'idp_b1', at: new Date(at(60).getTime() - 1) }),
      entry({ action: 'at-end', idpId: 'idp_a1', at: at(60) }),
      entry({ action: 'before', idpId: 'idp_a1', at: at(-1) }),
      entry({ action: 'no-idp', at: at(30) }),
    ])
  })

  it('keeps rows from since (inclusive) up to until (exclusive)', async () => {
    expect(actions((await listAudit(env.DB, { since: T0, until: at(60), limit: 10 })).entries)).toEqual(['no-idp', 'last-ms', 'inside', 'at-start'])
    expect(actions((await listAudit(env.DB, { since: at(60), limit: 10 })).entries)).toEqual(['at-end'])
    expect(actions((await listAudit(env.DB, { until: T0, limit: 10 })).entries)).toEqual(['before'])
  })

  it("keeps the rows of the organization's IdPs, with the other filters", async () => {
    expect(actions((await listAudit(env.DB, { organizationId: 'org_a', limit: 10 })).entries)).toEqual(['before', 'at-end', 'inside', 'at-start'])
    expect(actions((await listAudit(env.DB, { organizationId: 'org_a', since: T0, until: at(60), limit: 10 })).entries)).toEqual(['inside', 'at-start'])
    expect(actions((await listAudit(env.DB, { organizationId: 'org_b', limit: 10 })).entries)).toEqual(['last-ms'])
    expect((await listAudit(env.DB, { organizationId: 'org_none', limit: 10 })).entries).toEqual([])
  })

  it('pages within a time range', async () => {
    const page1 = await listAudit(env.DB, { since: T0, until: at(60), limit: 3 })
    const page2 = await listAudit(env.DB, { since: T0, until: at(60), limit: 3, before: page1.nextBefore! })
    expect([...actions(page1.entries), ...actions(page2.entries)]).toEqual(['no-idp', 'last-ms', 'inside', 'at-start'])
    expect(page2.nextBefore).toBeNull()
  })
})

describe('pruneAudit', () => {
  it('deletes entries older than the cutoff, keeps the rest, and says how many went', async () => {
    await writeAll([
      entry({ at: at(-2 * 24 * 60), action: 'old-1' }),
      entry({ at: at(-1), action: 'old-2' }),
      entry({ at: T0, action: 'at-cutoff' }),
      entry({ at: at(1), action: 'new' }),
    ])
    expect(await pruneAudit(env.DB, T0)).toBe(2)
    expect(actions((await listAudit(env.DB, { limit: 10 })).entries)).toEqual(['new', 'at-cutoff'])
    expect(await pruneAudit(env.DB, T0)).toBe(0)
  })
})

describe('countRecentFailures', () => {
  it("counts one IdP's failures of one action since an instant, and stops reading at the limit", async () => {
    const since = new Date('2031-01-01T10:00:00Z')
    const row = (at: Date, extra: Partial<AuditEntry>) =>
      writeAudit(env.DB, { at, actor: 'anonymous', action: 'login', outcome: 'failure', idpId: 'idp_count', ...extra })
    for (let i = 0; i < 7; i++) await row(new Date(since.getTime() + i * 1000), {})
    await row(new Date(since.getTime() - 1), {})
    await row(since, { outcome: 'success' })
    await row(since, { action: 'login.test' })
    await row(since, { idpId: 'idp_other' })
    expect(await countRecentFailures(env.DB, { idpId: 'idp_count', action: 'login', since, limit: 100 })).toBe(7)
    expect(await countRecentFailures(env.DB, { idpId: 'idp_count', action: 'login', since, limit: 5 })).toBe(5)
    expect(await countRecentFailures(env.DB, { idpId: 'idp_none', action: 'login', since, limit: 5 })).toBe(0)
  })
})
