// IdP admin operations (admin/idps.ts), as the API and the console call them: each one validates,
// stores in D1 and writes exactly one audit row; what is refused stores nothing and audits no success.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { idpInputFromForm } from '../../src/admin/idp-fields'
import {
  conflictingIdpOf,
  createIdp,
  deleteIdp,
  importIdp,
  listIdpViews,
  makeDefaultIdp,
  moveIdp,
  refreshIdpMetadata,
  startTestConnection,
  testConnectionResult,
  toggleIdp,
  updateIdp,
} from '../../src/admin/idps'
import { readLoginStates } from '../../src/sso/login-state'
import { getIdp, listIdps, markIdpTested } from '../../src/store/idps'
import { ATTRIBUTE_PRESETS } from '../../src/admin/attribute-presets'
import { putTestResult } from '../../src/store/test-results'
import { OTHER_IDP_CERT, TEST_IDP_CERT, TEST_IDP_KEY } from '../fixtures/idp-keys'
import { lastAuditRow, testContext } from '../helpers/context'
import { signMetadata } from '../helpers/signed-metadata'

const OKTA_ENTITY_ID = 'http://www.okta.com/exkppsa1qwuFV4D7z0h7'
const OKTA_SSO_URL = 'https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml'
const METADATA_URL = 'https://acme.okta.example/app/metadata'
const OTHER_DER = OTHER_IDP_CERT.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')

const invalidField = (field: string) => expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', detail: expect.objectContaining({ field }) })
const notFound = expect.objectContaining({ code: 'ADMIN_IDP_NOT_FOUND' })

const ctx = () => testContext({ actor: 'admin-token' })

function idpBody(name: string, extra: Record<string, unknown> = {}) {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-')
  return { name, entityId: `https://${slug}.example/saml`, ssoUrl: `https://${slug}.example/sso`, certificates: [TEST_IDP_CERT], ...extra }
}

async function auditCount(action?: string): Promise<number> {
  const row = action
    ? await env.DB.prepare('SELECT COUNT(*) AS n FROM audit_log WHERE action = ?').bind(action).first<{ n: number }>()
    : await env.DB.prepare('SELECT COUNT(*) AS n FROM audit_log').first<{ n: number }>()
  return row!.n
}

async function idpCount(): Promise<number> {
  return (await env.DB.prepare('SELECT COUNT(*) AS n FROM idps').first<{ n: number }>())!.n
}

/** Serves `body()` for METADATA_URL through the mocked global fetch. */
function serveMetadata(body: () => string) {
  return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
    const url = input instanceof Request ? input.url : String(input)
    if (url !== METADATA_URL) return new Response('not here', { status: 404 })
    return new Response(body(), { headers: { 'content-type': 'application/samlmetadata+xml' } })
  })
}

beforeEach(async () => {
  // One file shares its D1; every test starts from no IdPs and an empty audit log.
  await env.DB.batch([
    env.DB.prepare('DELETE FROM idps'),
    env.DB.prepare('DELETE FROM organizations'),
    env.DB.prepare('DELETE FROM organization_domains'),
    env.DB.prepare('DELETE FROM retired_slugs'),
    env.DB.prepare('DELETE FROM audit_log'),
  ])
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('createIdp', () => {
  it('stores the IdP and writes one idp.create row naming it', async () => {
    const row = await createIdp(ctx(), idpBody('Acme Okta', { emailDomains: ['@Acme.com'] }), 'api')
    expect(row.id).toMatch(/^idp_[0-9a-f]{18}$/)
    expect(await getIdp(env.DB, row.id)).toMatchObject({ name: 'Acme Okta', slug: 'acme-okta', emailDomains: ['acme.com'], enabled: false, testedAt: null })
    // Without an organizationId, the IdP gets an organization of its own, claiming its domains
    // (pending); the gateway's first IdP also pins the SP entity ID (settings.update).
    expect(await auditCount()).toBe(3)
    expect((await lastAuditRow('settings.update'))?.detail).toMatchObject({ changed: ['spEntityId'] })
    expect(await lastAuditRow('organization.create')).toMatchObject({
      outcome: 'success',
      detail: { organizationId: row.organizationId, name: 'Acme Okta', domains: ['acme.com'], via: 'api', source: 'idp' },
    })
    expect(
      await env.DB.prepare('SELECT domain, organization_id, status FROM organization_domains')
        .all()
        .then((r) => r.results),
    ).toEqual([{ domain: 'acme.com', organization_id: row.organizationId, status: 'pending' }])
    expect(await lastAuditRow('idp.create')).toMatchObject({
      outcome: 'success',
      actor: 'admin-token',
      idp_id: row.id,
      detail: { name: 'Acme Okta', entityId: 'https://acme-okta.example/saml', via: 'api' },
    })
  })

  it('puts a new IdP last on the selection page, from the API and the console alike', async () => {
    const first = await createIdp(ctx(), idpBody('First', { sortOrder: 70 }), 'api')
    const api = await createIdp(ctx(), idpBody('From API'), 'api')
    const form = { name: 'From console', entityId: 'urn:console', ssoUrl: 'https://console.example/sso', certificates: TEST_IDP_CERT }
    const console = await createIdp(ctx(), idpInputFromForm(form), 'console')
    expect([first.sortOrder, api.sortOrder, console.sortOrder]).toEqual([70, 80, 90])
    expect((await listIdps(env.DB)).map((r) => r.slug)).toEqual(['first', 'from-api', 'from-console'])
    expect((await lastAuditRow('idp.create'))!.detail).toMatchObject({ via: 'console' })
  })

  it('keeps at most one default IdP', async () => {
    const a = await createIdp(ctx(), idpBody('A', { isDefault: true }), 'api')
    const b = await createIdp(ctx(), idpBody('B', { isDefault: true }), 'api')
    expect((await getIdp(env.DB, a.id))!.isDefault).toBe(false)
    expect((await getIdp(env.DB, b.id))!.isDefault).toBe(true)
  })

  it('stores nothing and writes no success row when a field is invalid', async () => {
    await expect(createIdp(ctx(), idpBody('Bad', { ssoUrl: 'http://bad.example/sso' }), 'api')).rejects.toThrow(invalidField('ssoUrl'))
    await expect(createIdp(ctx(), idpBody('Bad', { certificates: ['garbage'] }), 'console')).rejects.toThrow(invalidField('certificates[0]'))
    await expect(createIdp(ctx(), { name: 'No entity' }, 'api')).rejects.toThrow(invalidField('entityId'))
    expect(await idpCount()).toBe(0)
    expect(await auditCount()).toBe(0)
  })

  it('refuses a second IdP with the same slug or entity ID with ADMIN_CONFLICT, naming the IdP that has it (id and name only)', async () => {
    const acme = await createIdp(ctx(), idpBody('Acme'), 'api')
    await expect(createIdp(ctx(), idpBody('Acme', { entityId: 'urn:other' }), 'api')).rejects.toMatchObject({
      code: 'ADMIN_CONFLICT',
      detail: { field: 'slug', existingIdp: { id: acme.id, name: 'Acme' } },
    })
    const err = await createIdp(ctx(), idpBody('Other', { entityId: 'https://acme.example/saml' }), 'api').catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ADMIN_CONFLICT', message: 'Another IdP already uses this entityId.' })
    expect((err as { detail: unknown }).detail).toEqual({ field: 'entityId', existingIdp: { id: acme.id, name: 'Acme' } })
    expect(conflictingIdpOf(err)).toEqual({ id: acme.id, name: 'Acme' })
    expect(await idpCount()).toBe(1)
    expect(await auditCount('idp.create')).toBe(1)
  })

  it('leaves the current default IdP alone when a new default is refused with ADMIN_CONFLICT', async () => {
    const current = await createIdp(ctx(), idpBody('Acme', { isDefault: true }), 'api')
    await expect(createIdp(ctx(), idpBody('Acme', { entityId: 'urn:dup', isDefault: true }), 'api')).rejects.toMatchObject({ code: 'ADMIN_CONFLICT' })
    expect((await getIdp(env.DB, current.id))!.isDefault).toBe(true)
  })
})

describe('importIdp', () => {
  it('creates an IdP from the real Okta metadata XML, with the admin overrides applied', async () => {
    const row = await importIdp(ctx(), { metadataXml: env.TEST_OKTA_METADATA, name: 'Acme (Okta)', emailDomains: ['acme.example'] }, 'console')
    expect(row).toMatchObject({
      name: 'Acme (Okta)',
      slug: 'acme-okta',
      entityId: OKTA_ENTITY_ID,
      ssoUrl: OKTA_SSO_URL,
      ssoBinding: 'redirect',
      sloUrl: null,
      emailDomains: ['acme.example'],
      signAuthnRequests: false,
      metadataUrl: null,
      sortOrder: 10,
    })
    expect(row.certificates).toHaveLength(1)
    // The Okta preset, recognized from the metadata (www.okta.com / *.okta.com), fills the mapping.
    expect(row.attributeMap).toEqual(ATTRIBUTE_PRESETS.okta!.map)
    expect(await auditCount('idp.create')).toBe(1)
    expect(await lastAuditRow('idp.create')).toMatchObject({
      idp_id: row.id,
      detail: { entityId: OKTA_ENTITY_ID, via: 'console', source: 'metadata-xml', preset: 'okta' },
    })
  })

  it("keeps the admin's own attribute mapping over the detected preset", async () => {
    const row = await importIdp(ctx(), { metadataXml: env.TEST_OKTA_METADATA, attributeMap: { email: 'mail' } }, 'api')
    expect(row.attributeMap).toEqual({ email: 'mail' })
  })

  it('names the IdP after the entity host when no name is given', async () => {
    expect((await importIdp(ctx(), { metadataXml: env.TEST_OKTA_METADATA }, 'api')).name).toBe('www.okta.com')
  })

  it('fetches a metadata URL, keeps it for later refreshes and audits the source', async () => {
    serveMetadata(() => env.TEST_OKTA_METADATA)
    const row = await importIdp(ctx(), { metadataUrl: METADATA_URL, slug: 'acme' }, 'api')
    expect(row).toMatchObject({ slug: 'acme', entityId: OKTA_ENTITY_ID, metadataUrl: METADATA_URL })
    expect((await lastAuditRow('idp.create'))!.detail).toMatchObject({ via: 'api', source: 'metadata-url' })
  })

  it('picks the named IdP out of the SWAMID aggregate, named after its Organization; its certificate expired in 2012, so only with importAnyway', async () => {
    const umu = { metadataXml: env.TEST_SWAMID_METADATA, entityId: 'https://idp.umu.se/saml2/idp/metadata.php' }
    await expect(importIdp(ctx(), umu, 'api')).rejects.toMatchObject({
      code: 'ADMIN_METADATA_EXPIRED',
      detail: { field: 'importAnyway', expired: [{ part: 'signingCertificate', at: '2012-02-05T11:55:56Z' }] },
    })
    expect(await idpCount()).toBe(0)
    const row = await importIdp(ctx(), { ...umu, importAnyway: true }, 'api')
    expect(row).toMatchObject({
      name: 'Umeå university (New SAML2)',
      slug: 'umea-university-new-saml2',
      ssoUrl: 'https://idp.umu.se/saml2/idp/SSOService.php',
      sloUrl: 'https://idp.umu.se/saml2/idp/SingleLogoutService.php',
    })
  })

  it('refuses metadata past its validUntil unless importAnyway is true, and an importAnyway that is not a boolean by name', async () => {
    const stale = env.TEST_OKTA_METADATA.replace('<md:EntityDescriptor ', '<md:EntityDescriptor validUntil="2026-05-31T00:00:00Z" ')
    const june = testContext({ actor: 'admin-token', clock: () => new Date('2026-06-01T00:00:00Z') })
    await expect(importIdp(june, { metadataXml: stale }, 'api')).rejects.toMatchObject({ code: 'ADMIN_METADATA_EXPIRED' })
    await expect(importIdp(june, { metadataXml: stale, importAnyway: 'yes' }, 'api')).rejects.toThrow(invalidField('importAnyway'))
    expect(await idpCount()).toBe(0)
    expect((await importIdp(june, { metadataXml: stale, importAnyway: true }, 'api')).entityId).toBe(OKTA_ENTITY_ID)
    // Expired is the request's clock's word: the day before, the same document is current.
    const may = testContext({ actor: 'admin-token', clock: () => new Date('2026-05-30T00:00:00Z') })
    expect((await importIdp(may, { metadataXml: stale.replace(OKTA_ENTITY_ID, 'urn:acme:may'), slug: 'may' }, 'api')).entityId).toBe('urn:acme:may')
  })

  it('asks which IdP of an aggregate to import instead of taking one, and stores nothing', async () => {
    await expect(importIdp(ctx(), { metadataXml: env.TEST_SWAMID_METADATA }, 'api')).rejects.toMatchObject({ code: 'ADMIN_METADATA_CHOOSE_ENTITY' })
    expect(await idpCount()).toBe(0)
  })

  it('refuses a bad or read-only override by name and stores nothing', async () => {
    await expect(importIdp(ctx(), { metadataXml: env.TEST_OKTA_METADATA, emailDomains: ['not a domain'] }, 'api')).rejects.toThrow(
      invalidField('emailDomains[0]'),
    )
    await expect(importIdp(ctx(), { metadataXml: env.TEST_OKTA_METADATA, metadataRefreshedAt: 1 }, 'api')).rejects.toThrow(invalidField('metadataRefreshedAt'))
    await expect(importIdp(ctx(), { metadataXml: env.TEST_OKTA_METADATA, colour: 'red' }, 'api')).rejects.toThrow(invalidField('colour'))
    expect(await idpCount()).toBe(0)
    expect(await auditCount()).toBe(0)
  })

  it('with a metadataSigningCertificate, imports only metadata signed with it', async () => {
    serveMetadata(() => env.TEST_OKTA_METADATA)
    await expect(importIdp(ctx(), { metadataUrl: METADATA_URL, metadataSigningCertificate: TEST_IDP_CERT }, 'api')).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_MISSING',
    })
    expect(await idpCount()).toBe(0)
    const signed = await signMetadata(env.TEST_OKTA_METADATA, TEST_IDP_KEY, TEST_IDP_CERT)
    serveMetadata(() => signed)
    const row = await importIdp(ctx(), { metadataUrl: METADATA_URL, metadataSigningCertificate: TEST_IDP_CERT }, 'api')
    expect(row).toMatchObject({ entityId: OKTA_ENTITY_ID, metadataSigningCertificate: TEST_IDP_CERT })
  })

  it('refuses an input without metadata by naming metadataXml', async () => {
    await expect(importIdp(ctx(), { name: 'Acme' }, 'api')).rejects.toThrow(invalidField('metadataXml'))
    expect(await idpCount()).toBe(0)
  })
})

describe('updateIdp', () => {
  it('PATCH changes only the given fields and audits what really changed', async () => {
    const before = await createIdp(ctx(), idpBody('Acme', { allowedGroups: ['support'], enabled: true, skipTest: true }), 'api')
    const after = await updateIdp(ctx(), before.id, { enabled: false, name: 'Acme', allowedGroups: ['support', 'admins'] }, 'patch', 'api')
    expect(after).toMatchObject({ enabled: false, name: 'Acme', allowedGroups: ['support', 'admins'], ssoUrl: before.ssoUrl, slug: before.slug })
    expect(await getIdp(env.DB, before.id)).toMatchObject({ enabled: false, allowedGroups: ['support', 'admins'] })
    expect(await auditCount('idp.update')).toBe(1)
    expect(await lastAuditRow('idp.update')).toMatchObject({
      idp_id: before.id,
      detail: { changed: ['enabled', 'allowedGroups'], certificatesChanged: false, via: 'api' },
    })
  })

  it('flags a certificate rollover in the audit row', async () => {
    const before = await createIdp(ctx(), idpBody('Acme'), 'api')
    const after = await updateIdp(ctx(), before.id, { certificates: [TEST_IDP_CERT, OTHER_DER] }, 'patch', 'console')
    expect(after.certificates).toEqual([TEST_IDP_CERT.trim(), OTHER_DER])
    expect((await lastAuditRow('idp.update'))!.detail).toEqual({ changed: ['certificates'], certificatesChanged: true, via: 'console' })
  })

  it('PUT needs every required field; a refused update changes nothing and audits no success', async () => {
    const before = await createIdp(ctx(), idpBody('Acme'), 'api')
    await expect(updateIdp(ctx(), before.id, { name: 'Renamed' }, 'replace', 'api')).rejects.toThrow(invalidField('entityId'))
    await expect(updateIdp(ctx(), before.id, { name: 'Renamed', clockSkewSeconds: 5000 }, 'patch', 'api')).rejects.toThrow(invalidField('clockSkewSeconds'))
    expect(await getIdp(env.DB, before.id)).toEqual(before)
    expect(await auditCount('idp.update')).toBe(0)
  })

  it('PUT replaces the required fields', async () => {
    const before = await createIdp(ctx(), idpBody('Acme'), 'api')
    const after = await updateIdp(ctx(), before.id, idpBody('Acme', { ssoUrl: 'https://acme.example/new-sso', slug: 'acme' }), 'replace', 'api')
    expect(after.ssoUrl).toBe('https://acme.example/new-sso')
    expect((await lastAuditRow('idp.update'))!.detail).toMatchObject({ changed: ['ssoUrl'] })
  })

  it("never changes an IdP's slug: it namespaces its users' subjects in the portal and the helpdesks", async () => {
    await createIdp(ctx(), idpBody('Taken'), 'api')
    const mine = await createIdp(ctx(), idpBody('Mine'), 'api')
    for (const slug of ['taken', 'mine-renamed'])
      await expect(updateIdp(ctx(), mine.id, { slug }, 'patch', 'api')).rejects.toMatchObject({
        code: 'ADMIN_INVALID_FIELD',
        message: expect.stringContaining('slug: cannot change: every user of this IdP is known to the portal and the helpdesks as mine:<NameID>'),
      })
    expect((await getIdp(env.DB, mine.id))!.slug).toBe('mine')
    expect(await auditCount('idp.update')).toBe(0)
    // The same slug again is no change; a replace without a slug keeps it.
    await updateIdp(ctx(), mine.id, { slug: 'mine' }, 'patch', 'api')
    // idpBody gives no slug: a replace without one keeps the stored slug, whatever the new name.
    expect((await updateIdp(ctx(), mine.id, { ...idpBody('Mine renamed'), entityId: mine.entityId }, 'replace', 'api')).slug).toBe('mine')
  })

  it("refuses a new IdP the slug of a deleted one, whose users' subjects the portal may still keep", async () => {
    const gone = await createIdp(ctx(), idpBody('Gone'), 'api')
    await deleteIdp(ctx(), gone.id, 'api')
    await expect(createIdp(ctx(), idpBody('Gone', { entityId: 'urn:new-gone' }), 'api')).rejects.toMatchObject({
      code: 'ADMIN_CONFLICT',
      detail: { field: 'slug' },
      message: expect.stringContaining('The slug gone belonged to a deleted IdP'),
    })
    expect((await createIdp(ctx(), idpBody('Gone', { entityId: 'urn:new-gone', slug: 'gone-2' }), 'api')).slug).toBe('gone-2')
  })

  it('keeps the current default when making another IdP default is refused with ADMIN_CONFLICT', async () => {
    const current = await createIdp(ctx(), idpBody('Current', { isDefault: true }), 'api')
    const other = await createIdp(ctx(), idpBody('Other'), 'api')
    await expect(updateIdp(ctx(), other.id, { isDefault: true, entityId: current.entityId }, 'patch', 'api')).rejects.toMatchObject({
      code: 'ADMIN_CONFLICT',
    })
    expect((await getIdp(env.DB, current.id))!.isDefault).toBe(true)
    expect((await getIdp(env.DB, other.id))!.isDefault).toBe(false)
  })
})

describe('deleteIdp, toggleIdp, makeDefaultIdp', () => {
  it('deleteIdp removes the IdP and audits its name and entity ID', async () => {
    const row = await createIdp(ctx(), idpBody('Acme'), 'api')
    await deleteIdp(ctx(), row.id, 'console')
    expect(await getIdp(env.DB, row.id)).toBeNull()
    expect(await auditCount('idp.delete')).toBe(1)
    expect(await lastAuditRow('idp.delete')).toMatchObject({ idp_id: row.id, detail: { name: 'Acme', entityId: row.entityId, via: 'console' } })
  })

  it('toggleIdp turns the IdP off and on again, one audit row each', async () => {
    const row = await createIdp(ctx(), idpBody('Acme'), 'api')
    await expect(toggleIdp(ctx(), row.id)).rejects.toMatchObject({ code: 'ADMIN_IDP_UNTESTED' })
    await markIdpTested(env.DB, row.id, new Date())
    expect((await toggleIdp(ctx(), row.id)).enabled).toBe(true)
    expect((await toggleIdp(ctx(), row.id)).enabled).toBe(false)
    expect((await getIdp(env.DB, row.id))!.enabled).toBe(false)
    expect((await toggleIdp(ctx(), row.id)).enabled).toBe(true)
    expect(await auditCount('idp.update')).toBe(3)
    expect((await lastAuditRow('idp.update'))!.detail).toEqual({ changed: ['enabled'], certificatesChanged: false, via: 'console' })
  })

  it('makeDefaultIdp makes this IdP the only default', async () => {
    const a = await createIdp(ctx(), idpBody('A', { isDefault: true }), 'api')
    const b = await createIdp(ctx(), idpBody('B'), 'api')
    expect((await makeDefaultIdp(ctx(), b.id)).isDefault).toBe(true)
    expect((await getIdp(env.DB, a.id))!.isDefault).toBe(false)
    expect(await lastAuditRow('idp.update')).toMatchObject({ idp_id: b.id, detail: { changed: ['isDefault'], via: 'console' } })
  })

  it('answers ADMIN_IDP_NOT_FOUND for an unknown id and audits nothing', async () => {
    const id = 'idp_000000000000000000'
    await expect(updateIdp(ctx(), id, { enabled: false }, 'patch', 'api')).rejects.toThrow(notFound)
    await expect(deleteIdp(ctx(), id, 'api')).rejects.toThrow(notFound)
    await expect(toggleIdp(ctx(), id)).rejects.toThrow(notFound)
    await expect(makeDefaultIdp(ctx(), id)).rejects.toThrow(notFound)
    await expect(moveIdp(ctx(), id, 'up')).rejects.toThrow(notFound)
    await expect(refreshIdpMetadata(ctx(), id, 'api')).rejects.toThrow(notFound)
    await expect(startTestConnection(ctx(), id, {})).rejects.toThrow(notFound)
    await expect(testConnectionResult(ctx(), id, `_${'0'.repeat(40)}`)).rejects.toThrow(notFound)
    expect(await auditCount()).toBe(0)
  })
})

describe('moveIdp', () => {
  it('swaps the IdP with its neighbour, renumbers and audits the new order', async () => {
    const a = await createIdp(ctx(), idpBody('A'), 'api')
    await createIdp(ctx(), idpBody('B'), 'api')
    const c = await createIdp(ctx(), idpBody('C', { sortOrder: 500 }), 'api')
    await moveIdp(ctx(), c.id, 'up')
    expect((await listIdps(env.DB)).map((r) => [r.slug, r.sortOrder])).toEqual([
      ['a', 10],
      ['c', 20],
      ['b', 30],
    ])
    expect(await lastAuditRow('idp.reorder')).toMatchObject({ idp_id: c.id, detail: { order: ['a', 'c', 'b'] } })
    await moveIdp(ctx(), a.id, 'down')
    expect((await listIdps(env.DB)).map((r) => r.slug)).toEqual(['c', 'a', 'b'])
    expect(await auditCount('idp.reorder')).toBe(2)
  })

  it('does nothing at either end of the list', async () => {
    const a = await createIdp(ctx(), idpBody('A'), 'api')
    const b = await createIdp(ctx(), idpBody('B'), 'api')
    await moveIdp(ctx(), a.id, 'up')
    await moveIdp(ctx(), b.id, 'down')
    expect((await listIdps(env.DB)).map((r) => r.slug)).toEqual(['a', 'b'])
    expect(await auditCount('idp.reorder')).toBe(0)
  })
})

describe('refreshIdpMetadata', () => {
  it('re-reads the metadata URL, records when, and audits that nothing changed', async () => {
    serveMetadata(() => env.TEST_OKTA_METADATA)
    const row = await importIdp(ctx(), { metadataUrl: METADATA_URL }, 'api')
    const at = new Date('2031-05-01T10:00:00Z')
    const saved = await refreshIdpMetadata(testContext({ actor: 'cron', clock: () => at }), row.id, 'cron')
    expect(saved.metadataRefreshedAt).toEqual(at)
    expect(saved.certificates).toEqual(row.certificates)
    expect(await auditCount('idp.metadata-refresh')).toBe(1)
    expect(await lastAuditRow('idp.metadata-refresh')).toMatchObject({
      actor: 'cron',
      idp_id: row.id,
      detail: { certificatesChanged: false, endpointsChanged: false, via: 'cron' },
    })
  })

  it('picks up a rolled-over certificate and a moved SSO endpoint, and audits both', async () => {
    let served = env.TEST_OKTA_METADATA
    serveMetadata(() => served)
    const row = await importIdp(ctx(), { metadataUrl: METADATA_URL }, 'api')
    served = served
      .replace(/<ds:X509Certificate>[^<]+</, `<ds:X509Certificate>${OTHER_DER}<`)
      .replaceAll(OKTA_SSO_URL, 'https://acme.okta.example/app/sso/saml')
    const saved = await refreshIdpMetadata(ctx(), row.id, 'api')
    expect(saved).toMatchObject({ certificates: [OTHER_DER], ssoUrl: 'https://acme.okta.example/app/sso/saml' })
    expect((await lastAuditRow('idp.metadata-refresh'))!.detail).toEqual({ certificatesChanged: true, endpointsChanged: true, via: 'api' })
  })

  it('takes expired metadata as before, but names what expired in the audit row', async () => {
    let served = env.TEST_OKTA_METADATA
    serveMetadata(() => served)
    const row = await importIdp(ctx(), { metadataUrl: METADATA_URL }, 'api')
    served = served.replace('<md:EntityDescriptor ', '<md:EntityDescriptor validUntil="2026-05-31T00:00:00Z" ')
    const june = testContext({ actor: 'cron', clock: () => new Date('2026-06-01T00:00:00Z') })
    expect((await refreshIdpMetadata(june, row.id, 'cron')).certificates).toEqual(row.certificates)
    expect((await lastAuditRow('idp.metadata-refresh'))!.detail).toEqual({
      certificatesChanged: false,
      endpointsChanged: false,
      via: 'cron',
      expired: [{ part: 'validUntil', at: '2026-05-31T00:00:00Z' }],
    })
  })

  it('refuses an IdP that was not imported from a URL, naming metadataUrl', async () => {
    const row = await createIdp(ctx(), idpBody('Acme'), 'api')
    await expect(refreshIdpMetadata(ctx(), row.id, 'console')).rejects.toThrow(invalidField('metadataUrl'))
    expect(await auditCount('idp.metadata-refresh')).toBe(0)
  })

  it('keeps the stored IdP when its metadata turns up unsigned after a metadataSigningCertificate was set', async () => {
    let served = await signMetadata(env.TEST_OKTA_METADATA, TEST_IDP_KEY, TEST_IDP_CERT)
    serveMetadata(() => served)
    const row = await importIdp(ctx(), { metadataUrl: METADATA_URL, metadataSigningCertificate: TEST_IDP_CERT }, 'api')
    // Someone who took over the URL serves their own certificate, unsigned.
    served = env.TEST_OKTA_METADATA.replace(/<ds:X509Certificate>[^<]+</, `<ds:X509Certificate>${OTHER_DER}<`)
    await expect(refreshIdpMetadata(ctx(), row.id, 'cron')).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
    expect(await getIdp(env.DB, row.id)).toEqual(row)
    expect(await auditCount('idp.metadata-refresh')).toBe(0)
  })

  it('refuses endpoints create would refuse, and keeps the stored IdP', async () => {
    let served = env.TEST_OKTA_METADATA
    serveMetadata(() => served)
    const row = await importIdp(ctx(), { metadataUrl: METADATA_URL }, 'api')
    served = served.replaceAll(OKTA_SSO_URL, 'http://sso.evil.example/login')
    await expect(refreshIdpMetadata(ctx(), row.id, 'cron')).rejects.toThrow(invalidField('ssoUrl'))
    expect(await getIdp(env.DB, row.id)).toEqual(row)
  })

  it('keeps the stored IdP when the metadata cannot be fetched', async () => {
    const spy = serveMetadata(() => env.TEST_OKTA_METADATA)
    const row = await importIdp(ctx(), { metadataUrl: METADATA_URL }, 'api')
    spy.mockImplementation(async () => new Response('down', { status: 503 }))
    await expect(refreshIdpMetadata(ctx(), row.id, 'api')).rejects.toMatchObject({ code: 'ADMIN_METADATA_FETCH_FAILED' })
    expect(await getIdp(env.DB, row.id)).toEqual(row)
    expect(await auditCount('idp.metadata-refresh')).toBe(0)
  })
})

describe('test connection', () => {
  it('startTestConnection audits the test and sends the browser to the IdP with a test login state', async () => {
    const row = await createIdp(ctx(), idpBody('Acme'), 'api')
    const step = await startTestConnection(ctx(), row.id, {})
    expect(step.navigation).toMatchObject({ kind: 'redirect' })
    const location = step.navigation.kind === 'redirect' ? step.navigation.location : ''
    expect(location.startsWith(`${row.ssoUrl}?SAMLRequest=`)).toBe(true)
    const cookies = Object.fromEntries(step.cookies.map((c) => [c.name, c.value ?? '']))
    const states = await readLoginStates(env.SSO_SECRET, cookies, new Date())
    expect(states).toEqual([expect.objectContaining({ idpId: row.id, test: true })])
    expect(await auditCount('idp.test')).toBe(1)
    expect(await lastAuditRow('idp.test')).toMatchObject({ outcome: 'success', idp_id: row.id })
  })

  it('uses the auto-posting form for an IdP with the POST binding', async () => {
    const row = await createIdp(ctx(), idpBody('Acme', { ssoBinding: 'post' }), 'api')
    const step = await startTestConnection(ctx(), row.id, {})
    expect(step.navigation).toMatchObject({ kind: 'post', action: row.ssoUrl, fields: { SAMLRequest: expect.any(String) } })
  })

  it('testConnectionResult shows a stored result only for the IdP it tested', async () => {
    const tested = await createIdp(ctx(), idpBody('Tested'), 'api')
    const other = await createIdp(ctx(), idpBody('Other'), 'api')
    const requestId = `_${'ab'.repeat(20)}`
    const result = { ok: false as const, idpId: tested.id, code: 'SAML_SIGNATURE_INVALID', detail: {}, hint: null }
    await putTestResult(env.SESSIONS, requestId, result)
    expect(await testConnectionResult(ctx(), tested.id, requestId)).toEqual({ idp: tested, result })
    expect((await testConnectionResult(ctx(), other.id, requestId)).result).toBeNull()
    expect((await testConnectionResult(ctx(), tested.id, `_${'cd'.repeat(20)}`)).result).toBeNull()
    expect((await testConnectionResult(ctx(), tested.id, 'not-a-request-id')).result).toBeNull()
  })
})

describe('listIdpViews', () => {
  it('lists every IdP in selection order with certificate details for the current time', async () => {
    await createIdp(ctx(), idpBody('B', { sortOrder: 20 }), 'api')
    await createIdp(ctx(), idpBody('A', { sortOrder: 10 }), 'api')
    const views = await listIdpViews(testContext({ clock: () => new Date('2026-11-01T00:00:00Z') }))
    expect(views.map((v) => v.slug)).toEqual(['a', 'b'])
    expect(views[0]!.certificateInfo[0]!.warning).toBe('not-yet-valid')
    expect(typeof views[0]!.createdAt).toBe('string')
  })
})
