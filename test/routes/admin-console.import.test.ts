// The console's import form after a refusal (issue 14): the entity picker of an aggregate, the
// "Import anyway" box for expired metadata, a web page or a certificate named as such, and a link
// to the IdP that already has the entity ID (import and add-by-hand alike).
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { RSA_ESCAPES_CERT } from '../fixtures/x509'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { hiddenValue, TestBrowser } from '../helpers/browser-fetch'

const OKTA_ENTITY_ID = 'http://www.okta.com/exkppsa1qwuFV4D7z0h7'

async function signedIn(): Promise<{ browser: TestBrowser; csrf: string }> {
  const browser = new TestBrowser()
  expect((await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN, next: '/sso/admin/idps' } })).status).toBe(303)
  return { browser, csrf: hiddenValue(await (await browser.fetch('/sso/admin/idps/new')).text(), '_csrf') }
}

/** The Okta entity under each id, with an mdui:DisplayName "IdP <id>": an aggregate of usable IdPs. */
function aggregateOf(ids: string[]): string {
  const entity = env.TEST_OKTA_METADATA.replace(/^<\?xml[^>]*>/, '')
  const named = (id: string) =>
    entity
      .replace(/entityID="[^"]+"/, `entityID="${id}"`)
      .replace(
        /(<md:IDPSSODescriptor[^>]*>)/,
        `$1<md:Extensions><mdui:UIInfo xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui"><mdui:DisplayName xml:lang="en">IdP ${id}</mdui:DisplayName></mdui:UIInfo></md:Extensions>`,
      )
  return `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${ids.map(named).join('')}</md:EntitiesDescriptor>`
}

/** The Okta metadata, past its validUntil since 2020 (whatever the clock says now). */
const expiredOkta = () => env.TEST_OKTA_METADATA.replace('<md:EntityDescriptor ', '<md:EntityDescriptor validUntil="2020-01-01T00:00:00Z" ')

afterEach(() => vi.restoreAllMocks())

describe('importing from metadata in the console', () => {
  it('offers the IdPs of an aggregate in a <select name="entityId">, and imports the one chosen', async () => {
    const { browser, csrf } = await signedIn()
    const xml = aggregateOf(['urn:acme:one', 'urn:acme:two'])
    const refused = await browser.fetch('/sso/admin/idps/import', { form: { _csrf: csrf, metadataXml: xml } })
    expect(refused.status).toBe(422)
    const page = await refused.text()
    expect(page).toMatch(/<select id="f-importEntityId" name="entityId"/)
    expect(page).toContain('<option value="urn:acme:one">IdP urn:acme:one (urn:acme:one)</option>')
    expect(page).toContain('<option value="urn:acme:two">IdP urn:acme:two (urn:acme:two)</option>')
    expect(page).toMatch(/data-error-for="entityId">ADMIN_METADATA_CHOOSE_ENTITY/)
    expect(await env.DB.prepare("SELECT count(*) AS n FROM idps WHERE entity_id LIKE 'urn:acme:%'").first('n')).toBe(0)

    const chosen = await browser.fetch('/sso/admin/idps/import', { form: { _csrf: csrf, metadataXml: xml, entityId: 'urn:acme:two' } })
    expect(chosen.status).toBe(303)
    const row = await env.DB.prepare("SELECT name, entity_id FROM idps WHERE entity_id = 'urn:acme:two'").first()
    expect(row).toMatchObject({ name: 'IdP urn:acme:two' })
  })

  it('shows expired metadata with an "Import anyway" box, and imports it once that is ticked', async () => {
    const { browser, csrf } = await signedIn()
    const xml = expiredOkta().replace(OKTA_ENTITY_ID, 'urn:acme:expired')
    const refused = await browser.fetch('/sso/admin/idps/import', { form: { _csrf: csrf, metadataXml: xml } })
    expect(refused.status).toBe(422)
    const page = await refused.text()
    expect(page).toMatch(/data-error-for="importAnyway">ADMIN_METADATA_EXPIRED: .*validUntil passed on 2020-01-01T00:00:00Z/)
    expect(page).toMatch(/<input id="f-importAnyway" type="checkbox" name="importAnyway" value="true"\/> <label for="f-importAnyway">Import anyway<\/label>/)

    const anyway = await browser.fetch('/sso/admin/idps/import', { form: { _csrf: csrf, metadataXml: xml, importAnyway: 'true' } })
    expect(anyway.status).toBe(303)
    expect(await env.DB.prepare("SELECT count(*) AS n FROM idps WHERE entity_id = 'urn:acme:expired'").first('n')).toBe(1)
  })

  it('keeps the entity chosen from an aggregate through the "Import anyway" step', async () => {
    const { browser, csrf } = await signedIn()
    const xml = aggregateOf(['urn:acme:current', 'urn:acme:stale']).replace(
      'entityID="urn:acme:stale"',
      'entityID="urn:acme:stale" validUntil="2020-01-01T00:00:00Z"',
    )
    const expired = await browser.fetch('/sso/admin/idps/import', { form: { _csrf: csrf, metadataXml: xml, entityId: 'urn:acme:stale' } })
    expect(expired.status).toBe(422)
    const page = await expired.text()
    expect(page).toContain('ADMIN_METADATA_EXPIRED')
    expect(page).toContain('<input id="f-importEntityId" name="entityId" type="text" value="urn:acme:stale"/>')
    const anyway = await browser.fetch('/sso/admin/idps/import', { form: { _csrf: csrf, metadataXml: xml, entityId: 'urn:acme:stale', importAnyway: 'true' } })
    expect(anyway.status).toBe(303)
    expect(await env.DB.prepare("SELECT name FROM idps WHERE entity_id = 'urn:acme:stale'").first('name')).toBe('IdP urn:acme:stale')
  })

  it('offers no "Import anyway" box for other refusals', async () => {
    const { browser, csrf } = await signedIn()
    const page = await (await browser.fetch('/sso/admin/idps/import', { form: { _csrf: csrf, metadataXml: '<x/>' } })).text()
    expect(page).toContain('data-error-for="metadataXml">SAML_METADATA_INVALID')
    expect(page).not.toContain('name="importAnyway"')
    expect(page).not.toContain('id="f-importEntityId"')
  })

  it('says a metadata URL gave a web page, and a pasted certificate is a certificate', async () => {
    const { browser, csrf } = await signedIn()
    vi.spyOn(globalThis, 'fetch').mockImplementation(
      async () => new Response('<!doctype html><title>Sign in</title>', { headers: { 'content-type': 'text/html' } }),
    )
    const page = await (await browser.fetch('/sso/admin/idps/import', { form: { _csrf: csrf, metadataUrl: 'https://login.acme.example/' } })).text()
    expect(page).toMatch(/data-error-for="metadataUrl">ADMIN_METADATA_NOT_XML: https:\/\/login\.acme\.example\/ returned a web page, not SAML metadata/)
    const pem = await (await browser.fetch('/sso/admin/idps/import', { form: { _csrf: csrf, metadataXml: TEST_IDP_CERT } })).text()
    expect(pem).toMatch(/data-error-for="metadataXml">ADMIN_METADATA_NOT_XML: This is a certificate, not metadata/)
  })

  it('links to the IdP that already has the entity ID, on import and when adding by hand', async () => {
    const { browser, csrf } = await signedIn()
    const xml = env.TEST_OKTA_METADATA.replace(OKTA_ENTITY_ID, 'urn:acme:taken')
    expect((await browser.fetch('/sso/admin/idps/import', { form: { _csrf: csrf, metadataXml: xml, importName: 'Acme Okta' } })).status).toBe(303)
    const holder = (await env.DB.prepare("SELECT id FROM idps WHERE entity_id = 'urn:acme:taken'").first<{ id: string }>())!
    const link = `Already used by <a href="/sso/admin/idps/${holder.id}">Acme Okta</a>.`

    const again = await browser.fetch('/sso/admin/idps/import', { form: { _csrf: csrf, metadataXml: xml, importName: 'Acme again' } })
    expect(again.status).toBe(422)
    const importPage = await again.text()
    expect(importPage).toMatch(/ADMIN_CONFLICT: Another IdP already uses this entityId\./)
    expect(importPage).toContain(link)

    const byHand = await browser.fetch('/sso/admin/idps', {
      form: { _csrf: csrf, name: 'Acme by hand', entityId: 'urn:acme:taken', ssoUrl: 'https://acme.example/sso', certificates: RSA_ESCAPES_CERT },
    })
    expect(byHand.status).toBe(400)
    const formPage = await byHand.text()
    expect(formPage).toContain('data-error-for="entityId">Another IdP already uses this entityId.')
    expect(formPage).toContain(link)
  })
})
