// workerd: the per-isolate tenant status (which IdPs and organizations may still speak) over real
// D1: what it maps, the TENANT_STATUS_CACHE_MS window on the injected clock, invalidation, a read in
// flight during a change, one cache per binding (isolate), and the re-check of a refusal (a change
// made by the console Worker). Changes behind the store's back are raw SQL.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { getTenantStatus, getTenantStatusFor, invalidateTenantStatus, TENANT_STATUS_CACHE_MS, TENANT_STATUS_RECHECK_MS } from '../../src/store/tenant-status'
import { createIdp, deleteIdp, updateIdp } from '../../src/store/idps'
import { createOrganization, deleteOrganization, updateOrganization } from '../../src/store/organizations'
import { consumeOnce } from '../../src/store/replay'
import { revokeSessions } from '../../src/store/sessions'
import { anotherIsolate, countingD1 } from '../helpers/storage'
import { seedIdp, seedOrganization } from '../helpers/tenants'

const T0 = new Date('2026-11-26T12:00:00.000Z')
const at = (ms: number) => new Date(T0.getTime() + ms)

/** countingD1 (helpers/storage.ts) with the number of calls so far. */
function countingCalls(d1: D1Database): { db: D1Database; calls: () => number } {
  const { db, calls } = countingD1(d1)
  return { db, calls: () => calls.length }
}

/** Disables the organization as another isolate (or an operator with SQL) would: past this isolate's cache. */
async function disableElsewhere(id: string): Promise<void> {
  await env.DB.prepare('UPDATE organizations SET enabled = 0 WHERE id = ?').bind(id).run()
}

async function isEnabled(db: D1Database, now: Date, id = 'org_acme'): Promise<boolean | undefined> {
  return (await getTenantStatus(db, now)).organizations.get(id)?.enabled
}

// Each test reads through its own binding object, so an earlier test's cached status cannot answer for it.
let db: D1Database
beforeEach(async () => {
  await env.DB.exec('DELETE FROM organizations; DELETE FROM organization_domains; DELETE FROM idps')
  await seedOrganization({ id: 'org_acme', name: 'Acme', slug: 'acme' }, env.DB, T0)
  db = anotherIsolate(env.DB)
})

describe('what the status holds', () => {
  it('maps every IdP to enabled, organization and slug, and every organization to enabled and slug', async () => {
    await seedOrganization({ id: 'org_off', name: 'Off', slug: 'off', enabled: false }, env.DB, T0)
    const idp = (slug: string) => ({ name: slug, slug, entityId: `https://${slug}.test/saml`, ssoUrl: `https://${slug}.test/sso` })
    await seedIdp(env.DB, 'idp_acme', { ...idp('acme-okta'), organizationId: 'org_acme' }, T0)
    await seedIdp(env.DB, 'idp_paused', { ...idp('acme-paused'), organizationId: 'org_acme', enabled: false }, T0)
    await seedIdp(env.DB, 'idp_off', { ...idp('off-entra'), organizationId: 'org_off' }, T0)

    const status = await getTenantStatus(db, T0)
    expect(Object.fromEntries(status.idps)).toEqual({
      idp_acme: { enabled: true, organizationId: 'org_acme', slug: 'acme-okta', sessionsRevokedAt: null },
      idp_paused: { enabled: false, organizationId: 'org_acme', slug: 'acme-paused', sessionsRevokedAt: null },
      idp_off: { enabled: true, organizationId: 'org_off', slug: 'off-entra', sessionsRevokedAt: null },
    })
    expect(Object.fromEntries(status.organizations)).toEqual({
      org_acme: { enabled: true, slug: 'acme', sessionsRevokedAt: null },
      org_off: { enabled: false, slug: 'off', sessionsRevokedAt: null },
    })
  })

  it('keeps an IdP whose organization is gone, with that organization absent (its sessions must stop)', async () => {
    await seedIdp(
      env.DB,
      'idp_orphan',
      { name: 'Orphan', slug: 'orphan', entityId: 'https://orphan.test/saml', ssoUrl: 'https://orphan.test/sso', organizationId: 'org_gone' },
      T0,
    )
    await env.DB.prepare("DELETE FROM organizations WHERE id = 'org_gone'").run()
    const status = await getTenantStatus(db, T0)
    expect(status.idps.get('idp_orphan')).toEqual({ enabled: true, organizationId: 'org_gone', slug: 'orphan', sessionsRevokedAt: null })
    expect(status.organizations.has('org_gone')).toBe(false)
  })

  it('carries when the sessions of an IdP and of an organization were last revoked', async () => {
    await seedIdp(env.DB, 'idp_r', { name: 'R', slug: 'r-okta', entityId: 'https://r.test/saml', ssoUrl: 'https://r.test/sso', organizationId: 'org_r' }, T0)
    await env.DB.batch([
      env.DB.prepare("UPDATE idps SET sessions_revoked_at = ? WHERE id = 'idp_r'").bind(T0.getTime() + 5),
      env.DB.prepare("UPDATE organizations SET sessions_revoked_at = ? WHERE id = 'org_r'").bind(T0.getTime() + 7),
    ])
    invalidateTenantStatus()
    const status = await getTenantStatus(db, T0)
    expect(status.idps.get('idp_r')?.sessionsRevokedAt).toBe(T0.getTime() + 5)
    expect(status.organizations.get('org_r')?.sessionsRevokedAt).toBe(T0.getTime() + 7)
  })

  it('is empty when nothing is configured', async () => {
    await env.DB.exec('DELETE FROM organizations')
    const status = await getTenantStatus(db, T0)
    expect(status.idps.size).toBe(0)
    expect(status.organizations.size).toBe(0)
  })
})

describe('per-isolate cache', () => {
  it('answers from the cache, with no D1 call, for TENANT_STATUS_CACHE_MS on the clock passed in, then re-reads', async () => {
    const { db: counted, calls } = countingCalls(env.DB)
    expect(await isEnabled(counted, T0)).toBe(true)
    const afterFirstRead = calls()
    expect(afterFirstRead).toBeGreaterThan(0)

    await disableElsewhere('org_acme')
    expect(await isEnabled(counted, at(1_000))).toBe(true)
    expect(await isEnabled(counted, at(TENANT_STATUS_CACHE_MS - 1))).toBe(true)
    expect(calls()).toBe(afterFirstRead)

    // DESIGN.md: a disabled organization stops its sessions within 30 s.
    expect(TENANT_STATUS_CACHE_MS).toBeLessThanOrEqual(30_000)
    expect(await isEnabled(counted, at(TENANT_STATUS_CACHE_MS))).toBe(false)
    expect(calls()).toBeGreaterThan(afterFirstRead)
  })

  it('measures the window from the read that filled the cache, not from later cached answers', async () => {
    expect(await isEnabled(db, T0)).toBe(true)
    expect(await isEnabled(db, at(TENANT_STATUS_CACHE_MS - 1))).toBe(true)
    await disableElsewhere('org_acme')
    expect(await isEnabled(db, at(TENANT_STATUS_CACHE_MS + 1))).toBe(false)
  })

  it('re-reads when the clock goes backwards', async () => {
    expect(await isEnabled(db, T0)).toBe(true)
    await disableElsewhere('org_acme')
    expect(await isEnabled(db, at(-1))).toBe(false)
  })

  it('re-reads at once after invalidateTenantStatus()', async () => {
    expect(await isEnabled(db, T0)).toBe(true)
    await disableElsewhere('org_acme')
    expect(await isEnabled(db, at(1_000))).toBe(true)
    invalidateTenantStatus()
    expect(await isEnabled(db, at(1_000))).toBe(false)
  })

  // A request's read already on its way to D1 when a change lands in this isolate may carry the
  // old answer: it must not be cached for TENANT_STATUS_CACHE_MS.
  it('does not cache a read that started before an invalidation, and caches the next one', async () => {
    const inFlight = getTenantStatus(db, T0)
    invalidateTenantStatus()
    expect((await inFlight).organizations.get('org_acme')?.enabled).toBe(true)
    await disableElsewhere('org_acme')
    expect(await isEnabled(db, T0)).toBe(false)

    // That fresh read, started after the invalidation, is cached as usual.
    await env.DB.prepare("UPDATE organizations SET enabled = 1 WHERE id = 'org_acme'").run()
    expect(await isEnabled(db, at(1_000))).toBe(false)
  })

  it('is not shared with another isolate (another binding of the same D1)', async () => {
    expect(await isEnabled(db, T0)).toBe(true)
    await disableElsewhere('org_acme')
    expect(await isEnabled(db, at(1_000))).toBe(true)
    expect(await isEnabled(anotherIsolate(env.DB), at(1_000))).toBe(false)
  })
})

describe('a refusal re-checked (changes come from the console Worker, another isolate)', () => {
  const knowsEnabled = (id: string) => (s: Awaited<ReturnType<typeof getTenantStatus>>) => Boolean(s.organizations.get(id)?.enabled)
  const bump = () => env.DB.prepare('UPDATE tenant_version SET version = version + 1 WHERE id = 1').run()
  /** Creates an organization as the console Worker's store would (row, then version), past this isolate's cache. */
  const createElsewhere = async (id: string) => {
    await env.DB.prepare("INSERT INTO organizations (id, name, slug) VALUES (?, 'New', ?)").bind(id, id).run()
    await bump()
  }
  const version = async () => (await env.DB.prepare('SELECT version FROM tenant_version WHERE id = 1').first<{ version: number }>())!.version

  it('sees an organization created elsewhere once the cached status is TENANT_STATUS_RECHECK_MS old: one version read, then the reload', async () => {
    const { db: counted, calls } = countingCalls(db)
    await getTenantStatus(counted, T0)
    const perRead = calls()
    await createElsewhere('org_new')
    // Too soon: the refusal stands, no extra read (a flood of refusals cannot flood D1).
    expect((await getTenantStatusFor(counted, at(TENANT_STATUS_RECHECK_MS - 1), knowsEnabled('org_new'))).organizations.has('org_new')).toBe(false)
    expect(calls()).toBe(perRead)
    const status = await getTenantStatusFor(counted, at(TENANT_STATUS_RECHECK_MS), knowsEnabled('org_new'))
    expect(status.organizations.get('org_new')?.enabled).toBe(true)
    expect(calls()).toBe(2 * perRead + 1)
    // The fresh read is cached: the next answers cost nothing.
    await getTenantStatusFor(counted, at(TENANT_STATUS_RECHECK_MS + 10), knowsEnabled('org_new'))
    expect(calls()).toBe(2 * perRead + 1)
  })

  it('sees an organization enabled elsewhere the same way', async () => {
    await disableElsewhere('org_acme')
    invalidateTenantStatus()
    expect(await isEnabled(db, T0)).toBe(false)
    await env.DB.prepare('UPDATE organizations SET enabled = 1 WHERE id = ?').bind('org_acme').run()
    await bump()
    expect((await getTenantStatusFor(db, at(TENANT_STATUS_RECHECK_MS), knowsEnabled('org_acme'))).organizations.get('org_acme')?.enabled).toBe(true)
  })

  it('sees a change made with SQL by hand (the version left alone) within TENANT_STATUS_CACHE_MS, as before', async () => {
    await getTenantStatus(db, T0)
    await env.DB.prepare("INSERT INTO organizations (id, name, slug) VALUES ('org_sql', 'SQL', 'sql')").run()
    expect((await getTenantStatusFor(db, at(TENANT_STATUS_RECHECK_MS), knowsEnabled('org_sql'))).organizations.has('org_sql')).toBe(false)
    expect((await getTenantStatusFor(db, at(TENANT_STATUS_CACHE_MS), knowsEnabled('org_sql'))).organizations.has('org_sql')).toBe(true)
  })

  it('does not re-read what it allows: a disable elsewhere holds within TENANT_STATUS_CACHE_MS, as before', async () => {
    const { db: counted, calls } = countingCalls(db)
    await getTenantStatus(counted, T0)
    const perRead = calls()
    await disableElsewhere('org_acme')
    const status = await getTenantStatusFor(counted, at(TENANT_STATUS_CACHE_MS - 1), knowsEnabled('org_acme'))
    expect(status.organizations.get('org_acme')?.enabled).toBe(true)
    expect(calls()).toBe(perRead)
    expect(await isEnabled(counted, at(TENANT_STATUS_CACHE_MS))).toBe(false)
  })

  it('keeps refusing what D1 refuses too: one version read per TENANT_STATUS_RECHECK_MS, no reload while nothing changed', async () => {
    const { db: counted, calls } = countingCalls(db)
    await getTenantStatus(counted, T0)
    const perRead = calls()
    for (let ms = 0; ms < 10_000; ms += 100)
      expect(knowsEnabled('org_missing')(await getTenantStatusFor(counted, at(ms), knowsEnabled('org_missing')))).toBe(false)
    expect(calls()).toBe(perRead + Math.floor(9_900 / TENANT_STATUS_RECHECK_MS))
  })

  it('shares one version read among concurrent refusals', async () => {
    const { db: counted, calls } = countingCalls(db)
    await getTenantStatus(counted, T0)
    const perRead = calls()
    await createElsewhere('org_new')
    const all = await Promise.all(Array.from({ length: 20 }, () => getTenantStatusFor(counted, at(TENANT_STATUS_RECHECK_MS), knowsEnabled('org_new'))))
    expect(all.every((s) => s.organizations.get('org_new')?.enabled)).toBe(true)
    expect(calls()).toBe(2 * perRead + 1)
  })

  it('has its version bumped by every store write to IdPs, organizations and session revocations, and by nothing else', async () => {
    const stores = { db: env.DB, kv: env.SESSIONS }
    const writes: [string, () => Promise<unknown>][] = [
      ['createOrganization', () => createOrganization(env.DB, 'org_t', { name: 'T', slug: 't' }, T0)],
      ['updateOrganization', () => updateOrganization(env.DB, 'org_t', { enabled: false }, T0)],
      [
        'createIdp',
        () => createIdp(env.DB, 'idp_t', { organizationId: 'org_t', name: 'T', slug: 't', entityId: 'https://t.test', ssoUrl: 'https://t.test/sso' }, T0),
      ],
      ['updateIdp', () => updateIdp(env.DB, 'idp_t', { enabled: false }, T0)],
      ['revokeSessions', () => revokeSessions(stores, { subject: 't:jane' }, T0)],
      ['deleteIdp', () => deleteIdp(env.DB, 'idp_t', T0)],
      ['deleteOrganization', () => deleteOrganization(env.DB, 'org_t', T0)],
    ]
    for (const [name, write] of writes) {
      const before = await version()
      await write()
      expect(await version(), name).toBeGreaterThan(before)
    }
    const before = await version()
    await consumeOnce(env.DB, 'https://t.test', '_x', at(60_000), T0)
    expect(await version()).toBe(before)
  })
})
