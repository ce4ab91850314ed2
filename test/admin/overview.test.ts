// The console's overview (admin/overview.ts) over real D1 rows: sign-ins per day by organization
// and by IdP (top five, then "Other"), failures by code, what expires within 90 days, the IdPs
// that need attention in order, the empty gateway; and a query count that does not grow with the
// number of IdPs (aggregates in SQL, never rows read into the Worker).
import { env } from 'cloudflare:workers'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FAILURE_CODES_SHOWN, MANY_FAILURES_MIN, OVERVIEW_DAYS, readOverview, SERIES_SHOWN, type Overview } from '../../src/admin/overview'
import { createSelfSignedCertificate } from '../../src/saml/x509-build'
import { saveApp } from '../../src/store/apps'
import { writeAudit, type AuditEntry } from '../../src/store/audit'
import { deleteIdp } from '../../src/store/idps'
import { stageNextSpKey, SP_CERT_VALIDITY_YEARS } from '../../src/store/sp-keys'
import { testContext } from '../helpers/context'
import { countingD1 } from '../helpers/storage'
import { seedIdp, seedOrganization, TEST_ORG } from '../helpers/tenants'

const NOW = new Date('2031-03-15T12:00:00Z')
const DAY_MS = 86_400_000
/** Noon UTC `n` days before NOW's day (0 = today). */
const daysAgo = (n: number, minutes = 0) => new Date(NOW.getTime() - n * DAY_MS + minutes * 60_000)
const ctx = (db: D1Database = env.DB) => testContext({ db, clock: () => NOW })

let keyPair: CryptoKeyPair
/** A certificate valid from a year before NOW until `days` after it (negative: already expired). */
async function certExpiringIn(days: number, name = 'idp'): Promise<string> {
  return createSelfSignedCertificate({
    keyPair,
    subjectCommonName: name,
    notBefore: new Date(NOW.getTime() - 365 * DAY_MS),
    notAfter: new Date(NOW.getTime() + days * DAY_MS),
    serialNumber: crypto.getRandomValues(new Uint8Array(16)),
  })
}

async function clearAll(): Promise<void> {
  await env.DB.batch(['audit_log', 'idps', 'organizations', 'organization_domains', 'apps', 'sp_keys'].map((t) => env.DB.prepare(`DELETE FROM ${t}`)))
}

async function write(entries: Partial<AuditEntry>[]): Promise<void> {
  for (const e of entries) await writeAudit(env.DB, { at: NOW, actor: 'anonymous', action: 'login', outcome: 'success', ...e })
}

/** `n` rows of `entry`. */
const times = (n: number, entry: Partial<AuditEntry>) => Array.from({ length: n }, () => entry)

async function idp(id: string, fields: { organizationId?: string; enabled?: boolean; testedAt?: Date | null; certificates?: string[] } = {}) {
  return seedIdp(
    env.DB,
    id,
    { name: `IdP ${id}`, slug: id.replace(/_/g, '-'), entityId: `https://${id}.test/saml`, ssoUrl: `https://${id}.test/sso`, ...fields },
    NOW,
  )
}

beforeAll(async () => {
  keyPair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair
})

beforeEach(clearAll)

describe('sign-ins per day', () => {
  let overview: Overview
  beforeEach(async () => {
    await seedOrganization({ id: 'org_globex', name: 'Globex', domains: ['globex.example'] })
    await idp('idp_okta')
    await idp('idp_entra')
    await idp('idp_globex', { organizationId: 'org_globex' })
    await write([
      ...times(3, { idpId: 'idp_okta', at: daysAgo(0) }),
      ...times(2, { idpId: 'idp_okta', at: daysAgo(1) }),
      // The window's first day counts; the day before it does not.
      { idpId: 'idp_okta', at: daysAgo(OVERVIEW_DAYS - 1, -12 * 60) },
      ...times(5, { idpId: 'idp_okta', at: daysAgo(OVERVIEW_DAYS, 11 * 60) }),
      { idpId: 'idp_entra', at: daysAgo(0) },
      ...times(4, { idpId: 'idp_globex', at: daysAgo(3) }),
      ...times(2, { idpId: 'idp_okta', outcome: 'failure', code: 'SAML_SIGNATURE_INVALID', at: daysAgo(0) }),
      { idpId: 'idp_okta', outcome: 'failure', code: 'SAML_EXPIRED', at: daysAgo(2) },
      // A response from no known IdP.
      { idpId: null, outcome: 'failure', code: 'SAML_ISSUER_UNKNOWN', at: daysAgo(5) },
      { idpId: 'idp_okta', outcome: 'failure', code: 'SAML_EXPIRED', at: daysAgo(OVERVIEW_DAYS + 1) },
      // Not sign-ins: tests, logouts, admin changes.
      { idpId: 'idp_okta', action: 'login.test', at: daysAgo(0) },
      { idpId: 'idp_okta', action: 'logout', at: daysAgo(0) },
      { idpId: 'idp_okta', action: 'idp.update', actor: 'admin-token', at: daysAgo(0) },
    ])
    overview = await readOverview(ctx())
  })

  it('covers the last 30 UTC days, today last', () => {
    expect(overview.window.days).toHaveLength(OVERVIEW_DAYS)
    expect(overview.window.days[0]).toBe('2031-02-14')
    expect(overview.window.days.at(-1)).toBe('2031-03-15')
    expect(overview.window).toMatchObject({ since: '2031-02-14T00:00:00.000Z', until: '2031-03-16T00:00:00.000Z' })
  })

  it('counts successful sign-ins per day, by organization, largest first, each with the audit filter that finds its rows', () => {
    expect(overview.signIns.total).toBe(11)
    const [acme, globex, ...rest] = overview.signIns.byOrganization
    expect(rest).toEqual([])
    expect(acme).toMatchObject({ key: TEST_ORG.id, label: 'Acme Corp', total: 7, filter: { action: 'login', outcome: 'success', organizationId: TEST_ORG.id } })
    expect(acme!.counts.at(-1)).toBe(4)
    expect(acme!.counts.at(-2)).toBe(2)
    expect(acme!.counts[0]).toBe(1)
    expect(globex).toMatchObject({ key: 'org_globex', label: 'Globex', total: 4 })
    expect(globex!.counts.at(-4)).toBe(4)
  })

  it('counts them by IdP too', () => {
    expect(overview.signIns.byIdp.map((s) => [s.key, s.total])).toEqual([
      ['idp_okta', 6],
      ['idp_globex', 4],
      ['idp_entra', 1],
    ])
    expect(overview.signIns.byIdp[0]!.filter).toEqual({ action: 'login', outcome: 'success', idpId: 'idp_okta' })
  })

  it('counts failures per day and by code, most frequent first, within the window only', () => {
    expect(overview.signIns.failed).toBe(4)
    expect(overview.signIns.failedPerDay.at(-1)).toBe(2)
    expect(overview.failuresByCode.map((f) => [f.code, f.count])).toEqual([
      ['SAML_SIGNATURE_INVALID', 2],
      ['SAML_EXPIRED', 1],
      ['SAML_ISSUER_UNKNOWN', 1],
    ])
    expect(overview.failuresByCode[0]!.filter).toEqual({
      action: 'login',
      outcome: 'failure',
      code: 'SAML_SIGNATURE_INVALID',
      since: '2031-02-14',
      until: '2031-03-16',
    })
  })

  it("keeps a deleted IdP's sign-ins: under its id by IdP, under Other by organization", async () => {
    await deleteIdp(env.DB, 'idp_entra', NOW)
    const after = await readOverview(ctx())
    expect(after.signIns.total).toBe(11)
    expect(after.signIns.byIdp.find((s) => s.key === 'idp_entra')).toMatchObject({ label: 'Deleted IdP idp_entra', total: 1 })
    expect(after.signIns.byOrganization.map((s) => [s.key, s.total])).toEqual([
      [TEST_ORG.id, 6],
      ['org_globex', 4],
      ['other', 1],
    ])
  })
})

describe('many IdPs', () => {
  it(`draws the ${SERIES_SHOWN} largest and adds up the rest as Other; ${SERIES_SHOWN + 1} are drawn as they are`, async () => {
    for (let i = 1; i <= 8; i++) {
      await idp(`idp_${i}`)
      await write(times(i, { idpId: `idp_${i}`, at: daysAgo(i) }))
    }
    const { byIdp } = (await readOverview(ctx())).signIns
    expect(byIdp.map((s) => [s.key, s.total])).toEqual([
      ['idp_8', 8],
      ['idp_7', 7],
      ['idp_6', 6],
      ['idp_5', 5],
      ['idp_4', 4],
      ['other', 1 + 2 + 3],
    ])
    const other = byIdp.at(-1)!
    expect(other.label).toBe('Other')
    expect(other.counts.at(-2)).toBe(1)
    expect(other.counts.at(-4)).toBe(3)
    await env.DB.exec("DELETE FROM audit_log WHERE idp_id IN ('idp_1', 'idp_2')")
    expect((await readOverview(ctx())).signIns.byIdp.map((s) => s.key)).toEqual(['idp_8', 'idp_7', 'idp_6', 'idp_5', 'idp_4', 'idp_3'])
  })

  it(`lists at most ${FAILURE_CODES_SHOWN} codes, then the rest added up`, async () => {
    await write(
      Array.from({ length: FAILURE_CODES_SHOWN + 2 }, (_, i) =>
        times(i + 1, { outcome: 'failure' as const, code: `CODE_${String(i).padStart(2, '0')}` }),
      ).flat(),
    )
    const { failuresByCode } = await readOverview(ctx())
    expect(failuresByCode).toHaveLength(FAILURE_CODES_SHOWN + 1)
    expect(failuresByCode[0]).toMatchObject({ code: 'CODE_11', count: 12 })
    // The two smallest codes: one and two rows.
    expect(failuresByCode.at(-1)).toMatchObject({ code: null, count: 3, filter: { action: 'login', outcome: 'failure' } })
  })

  it('costs the same few queries with 3 IdPs as with 40', async () => {
    const queries = async () => {
      const { db, calls } = countingD1(env.DB)
      await readOverview(ctx(db))
      return calls.length
    }
    for (let i = 0; i < 3; i++) await idp(`idp_q${i}`)
    await write(times(3, { idpId: 'idp_q0', at: daysAgo(1) }))
    const few = await queries()
    for (let i = 3; i < 40; i++) await idp(`idp_q${i}`)
    for (let i = 3; i < 40; i++)
      await write([
        { idpId: `idp_q${i}`, at: daysAgo(i % OVERVIEW_DAYS) },
        { idpId: `idp_q${i}`, outcome: 'failure', code: 'X' },
      ])
    expect(await queries()).toBe(few)
    expect(few).toBeLessThanOrEqual(8)
  })
})

describe('what expires in the next 90 days', () => {
  it('lists IdP certificates, the gateway keys and broker apps’ certificates, soonest first, expired ones included', async () => {
    await idp('idp_old', { certificates: [await certExpiringIn(-3, 'old'), await certExpiringIn(400, 'new')] })
    await idp('idp_soon', { certificates: [await certExpiringIn(12, 'soon')] })
    await idp('idp_later', { certificates: [await certExpiringIn(91, 'later')] })
    await saveApp(
      env.DB,
      env.SSO_SECRET,
      'app_jsm',
      {
        kind: 'saml',
        name: 'JSM',
        slug: 'jsm',
        enabled: true,
        config: {
          entityId: 'https://jsm.test',
          acsUrl: 'https://jsm.test/acs',
          nameIdFormat: 'email',
          signResponse: true,
          certificates: [await certExpiringIn(60, 'jsm')],
        },
      },
      NOW,
      true,
    )
    // Staged ten years (less 20 days) ago: the key's certificate ends in 20 days.
    const staged = new Date(NOW)
    staged.setUTCFullYear(staged.getUTCFullYear() - SP_CERT_VALIDITY_YEARS)
    await stageNextSpKey(env.DB, env.SSO_SECRET, 'signing', new Date(staged.getTime() + 20 * DAY_MS), 'gateway')
    const { expiring } = await readOverview(ctx())
    expect(expiring.map((e) => [e.kind, e.label, e.daysLeft])).toEqual([
      ['idp-certificate', 'Signing certificate of IdP idp_old', -3],
      ['idp-certificate', 'Signing certificate of IdP idp_soon', 12],
      ['sp-key', "The gateway's signing key (next)", 20],
      ['app-certificate', 'Signing certificate of the app JSM', 60],
    ])
    expect(expiring[0]).toMatchObject({ subject: 'CN=old', href: '/sso/admin/idps/idp_old' })
    expect(expiring[2]!.href).toBe('/sso/admin/sp')
  })
})

describe('IdPs that need attention', () => {
  it('come most urgent first, each with a plain sentence and its page', async () => {
    const fine = await certExpiringIn(400)
    await idp('idp_fine', { certificates: [fine] })
    await idp('idp_expiring_later', { certificates: [await certExpiringIn(20)] })
    await idp('idp_expiring_soon', { certificates: [await certExpiringIn(4)] })
    await idp('idp_expired', { certificates: [await certExpiringIn(-2)] })
    await idp('idp_failing', { certificates: [fine] })
    await idp('idp_refresh', { certificates: [fine] })
    await idp('idp_draft', { enabled: false, testedAt: null, certificates: [fine] })
    await idp('idp_off', { enabled: false, certificates: [await certExpiringIn(-100)] })
    await write([
      ...times(MANY_FAILURES_MIN + 3, { idpId: 'idp_failing', outcome: 'failure', code: 'SAML_SIGNATURE_INVALID', at: daysAgo(0, -60) }),
      { idpId: 'idp_failing', outcome: 'failure', code: 'SAML_EXPIRED', at: daysAgo(0, -60) },
      ...times(2, { idpId: 'idp_failing', at: daysAgo(0, -60) }),
      // Failures older than 24 hours, and a few failures among many sign-ins, are not "many".
      ...times(20, { idpId: 'idp_fine', outcome: 'failure', code: 'SAML_EXPIRED', at: daysAgo(2) }),
      ...times(MANY_FAILURES_MIN, { idpId: 'idp_refresh', outcome: 'failure', code: 'SAML_EXPIRED', at: daysAgo(0, -30) }),
      ...times(40, { idpId: 'idp_refresh', at: daysAgo(0, -30) }),
      // The last refresh counts: idp_fine's failure was followed by a success, idp_refresh's was not.
      { idpId: 'idp_fine', action: 'idp.metadata-refresh', actor: 'cron', outcome: 'failure', code: 'ADMIN_METADATA_FETCH_FAILED', at: daysAgo(2) },
      { idpId: 'idp_fine', action: 'idp.metadata-refresh', actor: 'cron', at: daysAgo(1) },
      { idpId: 'idp_refresh', action: 'idp.metadata-refresh', actor: 'cron', at: daysAgo(2) },
      { idpId: 'idp_refresh', action: 'idp.metadata-refresh', actor: 'cron', outcome: 'failure', code: 'ADMIN_METADATA_FETCH_FAILED', at: daysAgo(1) },
      { idpId: 'idp_draft', action: 'login.test', outcome: 'failure', code: 'SAML_AUDIENCE_MISMATCH', at: daysAgo(3) },
    ])
    const { attention } = await readOverview(ctx())
    expect(attention.map((a) => [a.kind, a.idpId])).toEqual([
      ['certificate-expired', 'idp_expired'],
      ['many-failures', 'idp_failing'],
      ['metadata-refresh-failed', 'idp_refresh'],
      ['certificate-expiring', 'idp_expiring_soon'],
      ['certificate-expiring', 'idp_expiring_later'],
      ['untested', 'idp_draft'],
    ])
    const byKind = (kind: string, id: string) => attention.find((a) => a.kind === kind && a.idpId === id)!
    expect(byKind('certificate-expired', 'idp_expired')).toMatchObject({
      idpName: 'IdP idp_expired',
      href: '/sso/admin/idps/idp_expired',
      message: "Its signing certificate expired on 2031-03-13: sign-ins fail until the IdP's new certificate is added.",
    })
    expect(byKind('many-failures', 'idp_failing')).toMatchObject({
      message: '9 of its 11 sign-ins failed in the last 24 hours, most often with SAML_SIGNATURE_INVALID.',
      auditFilter: { action: 'login', outcome: 'failure', idpId: 'idp_failing', since: '2031-03-14T12:00:00.000Z' },
    })
    expect(byKind('metadata-refresh-failed', 'idp_refresh').message).toBe(
      'Its last metadata refresh failed on 2031-03-14 with ADMIN_METADATA_FETCH_FAILED: its certificates and endpoints may be out of date.',
    )
    expect(byKind('certificate-expiring', 'idp_expiring_soon').message).toBe(
      "Its signing certificate expires in 4 days (2031-03-19): add the IdP's new certificate before then.",
    )
    expect(byKind('untested', 'idp_draft')).toMatchObject({
      message: 'A draft, hidden from customers: its last test sign-in failed on 2031-03-12 with SAML_AUDIENCE_MISMATCH. Fix that and test again.',
      auditFilter: { action: 'login.test', idpId: 'idp_draft' },
    })
  })

  it('names a draft that was never tested, and nothing for an IdP switched off after its test passed', async () => {
    await idp('idp_new', { enabled: false, testedAt: null })
    await idp('idp_paused', { enabled: false })
    const { attention } = await readOverview(ctx())
    expect(attention).toEqual([
      {
        kind: 'untested',
        idpId: 'idp_new',
        idpName: 'IdP idp_new',
        message: 'A draft, hidden from customers until a test sign-in passes: run Test connection.',
        href: '/sso/admin/idps/idp_new',
        auditFilter: null,
      },
    ])
  })
})

describe('a fresh gateway', () => {
  it('has nothing to count, list or flag', async () => {
    const overview = await readOverview(ctx())
    expect(overview).toMatchObject({
      idpCount: 0,
      signIns: { total: 0, failed: 0, byOrganization: [], byIdp: [] },
      failuresByCode: [],
      expiring: [],
      attention: [],
      incomplete: false,
    })
    expect(overview.signIns.failedPerDay).toEqual(new Array(OVERVIEW_DAYS).fill(0))
  })
})
