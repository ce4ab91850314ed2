import { env, exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import worker from '../../src/console'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'

const API = 'https://support.example.com/sso/admin/api'
const AUTH = { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' }
type ErrorBody = { error: { code: string; message: string; field?: string } }

const post = (path: string, body: unknown) => exports.default.fetch(`${API}${path}`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) })

afterEach(() => vi.restoreAllMocks())

describe('IdP import from metadata', () => {
  it('imports the real Okta metadata XML with overrides', async () => {
    const res = await post('/idps/import', { metadataXml: env.TEST_OKTA_METADATA, name: 'Acme (Okta)', emailDomains: ['acme.example'] })
    expect(res.status).toBe(201)
    const idp = await res.json<Record<string, any>>()
    expect(idp).toMatchObject({ name: 'Acme (Okta)', ssoBinding: 'redirect', emailDomains: ['acme.example'] })
    expect(idp.entityId).toMatch(/^http:\/\/www\.okta\.com\//)
    expect(idp.ssoUrl).toMatch(/^https:\/\/.*okta.*\/sso\/saml$/)
    expect(idp.certificateInfo).toHaveLength(1)
  })

  it('imports from a metadata URL, then refreshes and audits a certificate change', async () => {
    let served = env.TEST_OKTA_METADATA.replace(/http:\/\/www\.okta\.com\/[^"<]+/g, 'http://www.okta.com/exkrefresh')
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      expect(String(input instanceof Request ? input.url : input)).toBe('https://acme.okta.example/app/metadata')
      return new Response(served, { headers: { 'content-type': 'application/xml' } })
    })
    const res = await post('/idps/import', { metadataUrl: 'https://acme.okta.example/app/metadata', slug: 'refresh-me' })
    expect(res.status).toBe(201)
    const idp = await res.json<{ id: string; metadataUrl: string; certificates: string[] }>()
    expect(idp.metadataUrl).toBe('https://acme.okta.example/app/metadata')

    const unchanged = await post(`/idps/${idp.id}/refresh`, {})
    expect(unchanged.status).toBe(200)
    const lastRefresh = async () =>
      JSON.parse(
        (await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'idp.metadata-refresh' ORDER BY id DESC").first<{ detail: string }>())!.detail,
      )
    expect(await lastRefresh()).toMatchObject({ certificatesChanged: false })

    // The IdP rolls its signing certificate over: the refresh picks the new one up and audits it.
    const rolled = TEST_IDP_CERT.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
    served = served.replace(/<ds:X509Certificate>[^<]+</, `<ds:X509Certificate>${rolled}<`)
    const changed = await post(`/idps/${idp.id}/refresh`, {})
    expect((await changed.json<{ certificates: string[] }>()).certificates).toEqual([rolled])
    expect(await lastRefresh()).toMatchObject({ certificatesChanged: true })

    // The URL starts failing: the refusal is audited under this IdP (the overview's attention list reads it).
    served = '<html><body>Sign in</body></html>'
    expect((await post(`/idps/${idp.id}/refresh`, {})).status).toBe(422)
    const failed = await env.DB.prepare("SELECT idp_id, outcome FROM audit_log WHERE action = 'idp.metadata-refresh' ORDER BY id DESC").first()
    expect(failed).toEqual({ idp_id: idp.id, outcome: 'failure' })
  })

  it('explains fetch failures and bad metadata with codes', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('nope', { status: 404 }))
    const notFound = await post('/idps/import', { metadataUrl: 'https://idp.example/metadata' })
    expect(notFound.status).toBe(422)
    expect((await notFound.json<ErrorBody>()).error).toMatchObject({ code: 'ADMIN_METADATA_FETCH_FAILED', field: 'metadataUrl' })
    vi.restoreAllMocks()
    const http = await post('/idps/import', { metadataUrl: 'http://idp.example/metadata' })
    expect((await http.json<ErrorBody>()).error.field).toBe('metadataUrl')
    const notMetadata = await post('/idps/import', { metadataXml: '<x/>' })
    expect(notMetadata.status).toBe(422)
    expect((await notMetadata.json<ErrorBody>()).error.code).toBe('SAML_METADATA_INVALID')
    // A web page was SAML_METADATA_INVALID (or SAML_DTD_FORBIDDEN) before issue 14.
    const webPage = await post('/idps/import', { metadataXml: '<html/>' })
    expect(webPage.status).toBe(422)
    expect((await webPage.json<ErrorBody>()).error).toMatchObject({ code: 'ADMIN_METADATA_NOT_XML', field: 'metadataXml' })
    const entity = env.TEST_OKTA_METADATA.replace(/^<\?xml[^>]*>/, '')
    const twoIdps = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${entity.replace(/entityID="[^"]+"/, 'entityID="urn:idp:one"')}${entity.replace(/entityID="[^"]+"/, 'entityID="urn:idp:two"')}</md:EntitiesDescriptor>`
    // Was 400 ADMIN_INVALID_FIELD before issue 14; the code now says what to do.
    const aggregate = await post('/idps/import', { metadataXml: twoIdps })
    expect(aggregate.status).toBe(422)
    expect((await aggregate.json<ErrorBody>()).error).toMatchObject({
      code: 'ADMIN_METADATA_CHOOSE_ENTITY',
      field: 'entityId',
      message: expect.stringContaining('urn:idp:one, urn:idp:two'),
    })
    const neither = await post('/idps/import', {})
    expect((await neither.json<ErrorBody>()).error.field).toBe('metadataXml')
  })
})

describe('IdP import warnings', () => {
  it('refuses a metadata URL that answers a sign-in page with ADMIN_METADATA_NOT_XML, saying where metadata URLs are', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(
      async () => new Response('<!DOCTYPE html><html><body>Sign in</body></html>', { headers: { 'content-type': 'text/html' } }),
    )
    const res = await post('/idps/import', { metadataUrl: 'https://login.acme.example/' })
    expect(res.status).toBe(422)
    const { error } = await res.json<ErrorBody>()
    expect(error).toMatchObject({ code: 'ADMIN_METADATA_NOT_XML', field: 'metadataUrl' })
    expect(error.message).toMatch(/web page, not SAML metadata.*Okta.*Entra ID.*ADFS/)
  })

  it('refuses expired metadata with ADMIN_METADATA_EXPIRED until importAnyway is true', async () => {
    const swamid = { metadataXml: env.TEST_SWAMID_METADATA, entityId: 'https://idp.umu.se/saml2/idp/metadata.php' }
    const refused = await post('/idps/import', swamid)
    expect(refused.status).toBe(422)
    expect((await refused.json<ErrorBody>()).error).toMatchObject({ code: 'ADMIN_METADATA_EXPIRED', field: 'importAnyway' })
    const imported = await post('/idps/import', { ...swamid, importAnyway: true })
    expect(imported.status).toBe(201)
    expect(await imported.json()).toMatchObject({ name: 'Umeå university (New SAML2)' })
  })
})

describe('SP metadata', () => {
  it('serves SP metadata with ACS, SLO and signing and encryption certificates', async () => {
    const res = await exports.default.fetch('https://support.example.com/sso/metadata')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/samlmetadata+xml')
    const xml = await res.text()
    expect(xml).toContain('entityID="https://support.example.com/sso/metadata"')
    expect(xml).toContain('Location="https://support.example.com/sso/acs"')
    expect(xml).toContain('Location="https://support.example.com/sso/slo"')
    expect(xml.match(/<md:KeyDescriptor use="signing">/g)).toHaveLength(1)
    expect(xml.match(/<md:KeyDescriptor use="encryption">/g)).toHaveLength(1)
  })
})

describe('daily metadata refresh', () => {
  it('refreshes IdPs imported from a URL and audits failures', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(
      async () => new Response(env.TEST_OKTA_METADATA.replace(/http:\/\/www\.okta\.com\/[^"<]+/g, 'http://www.okta.com/exkcron')),
    )
    expect((await post('/idps/import', { metadataUrl: 'https://cron.okta.example/metadata', slug: 'cron' })).status).toBe(201)
    vi.restoreAllMocks()
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('gone', { status: 410 }))
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '17 3 * * *' }), env, ctx)
    await waitOnExecutionContext(ctx)
    const row = await env.DB.prepare("SELECT outcome, code FROM audit_log WHERE action = 'idp.metadata-refresh' AND actor = 'cron' ORDER BY id DESC").first()
    expect(row).toMatchObject({ outcome: 'failure', code: 'ADMIN_METADATA_FETCH_FAILED' })
  })
})
