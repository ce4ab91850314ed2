// The admin console's helpdesk app pages (routes/admin-apps.tsx) as a signed-in admin uses them:
// add each kind (Zendesk, Freshworks, SAML by values as Atlassian Guard needs, SAML from SP
// metadata), refusals summarized at the top with links to their fields, each app's page with the
// values its helpdesk asks for (checked against what the gateway actually serves), edit, on/off,
// Zendesk's secret replaced (the old one then signs nothing), and delete only after confirming.
import { env, exports } from 'cloudflare:workers'
import { importSPKI, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../src/saml/index'
import { decodeBase64 } from '../../src/saml/encoding'
import { parseCertificate } from '../../src/saml/x509'
import { readAutoPost } from '../helpers/auto-post'
import { hiddenValue, TestBrowser } from '../helpers/browser-fetch'
import { sessionCookie } from '../helpers/session'

const ORIGIN = 'https://support.example.com'
const SECRET = 'zendesk-generated-secret-0123456789abcdef'
const NEW_SECRET = 'zendesk-generated-again-fedcba9876543210'
const AUTH = { authorization: `Bearer ${env.ADMIN_TOKEN}` }

async function signedIn(): Promise<{ browser: TestBrowser; csrf: string }> {
  const browser = new TestBrowser()
  const login = await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN, next: '/sso/admin/apps' } })
  expect(login.headers.get('location')).toBe('/sso/admin/apps')
  const page = await browser.fetch('/sso/admin/apps')
  expect(page.status).toBe(200)
  return { browser, csrf: hiddenValue(await page.text(), '_csrf') }
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" }
const decode = (s: string) => s.replace(/&(?:amp|lt|gt|quot|#39|#x27);/g, (e) => ENTITIES[e]!)

/** The value shown behind a copy button (`data-testid="value-<id>"`), as the admin would copy it. */
function valueOf(html: string, id: string): string {
  const area = new RegExp(`<textarea[^>]*data-testid="value-${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)
  if (area) return decode(area[1]!)
  const input = new RegExp(`<input[^>]*data-testid="value-${id}"[^>]*>`).exec(html)
  if (!input) throw new Error(`no value ${id} on the page`)
  return decode(/ value="([^"]*)"/.exec(input[0])![1]!)
}

/** The refusal as the admin sees it: the summary at the top links to the field, which carries the error. */
function expectRefusedAt(html: string, field: string) {
  expect(html).toContain('data-testid="error-summary"')
  expect(html).toContain(`<a href="#f-${field}">`)
  expect(html).toMatch(new RegExp(`id="f-${field}"[^>]*aria-invalid="true"`))
  expect(html).toContain(`data-error-for="${field}"`)
}

async function appCount(): Promise<number> {
  return (await env.DB.prepare('SELECT COUNT(*) AS n FROM apps').first<{ n: number }>())!.n
}

async function lastAudit(action: string, outcome: string) {
  const row = await env.DB.prepare('SELECT * FROM audit_log WHERE action = ? AND outcome = ? ORDER BY id DESC')
    .bind(action, outcome)
    .first<Record<string, unknown>>()
  return row && { ...row, detail: JSON.parse(String(row.detail)) as Record<string, unknown> }
}

/** Adds an app through the console; the new app's id from the redirect to its page. */
async function addApp(browser: TestBrowser, csrf: string, kind: string, form: Record<string, string>): Promise<string> {
  const res = await browser.fetch(`/sso/admin/apps?kind=${kind}`, { form: { _csrf: csrf, enabled: 'false', ...form } })
  expect(res.status, await res.clone().text()).toBe(303)
  const location = res.headers.get('location')!
  expect(location).toMatch(/^\/sso\/admin\/apps\/app_[0-9a-f]+\?flash=app-created$/)
  return /\/apps\/(app_[0-9a-f]+)/.exec(location)![1]!
}

async function turnOn(browser: TestBrowser, csrf: string, id: string) {
  const res = await browser.fetch(`/sso/admin/apps/${id}/toggle`, { form: { _csrf: csrf, enabled: 'true' } })
  expect(res.headers.get('location')).toBe(`/sso/admin/apps/${id}?flash=saved`)
}

const page = async (browser: TestBrowser, path: string) => (await browser.fetch(path)).text()

describe('the apps list', () => {
  it('sends anonymous visitors to the sign-in form', async () => {
    const res = await new TestBrowser().fetch('/sso/admin/apps/new?kind=zendesk')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toMatch(/^\/sso\/admin\/login\?next=/)
  })

  it('offers every kind of helpdesk, each with its own form', async () => {
    const { browser } = await signedIn()
    const list = await page(browser, '/sso/admin/apps')
    for (const kind of ['zendesk', 'freshworks', 'saml']) {
      expect(list).toContain(`href="/sso/admin/apps/new?kind=${kind}"`)
      const form = await page(browser, `/sso/admin/apps/new?kind=${kind}`)
      expect(form).toContain(`action="/sso/admin/apps?kind=${kind}"`)
      expect(form).toContain(`aria-current="page" data-testid="kind-${kind}"`)
    }
  })

  it('refuses an unknown kind and an unknown app', async () => {
    const { browser, csrf } = await signedIn()
    const kind = await browser.fetch('/sso/admin/apps?kind=jira', { form: { _csrf: csrf, name: 'X' } })
    expect(kind.status).toBe(400)
    expect(await kind.text()).toContain('ADMIN_INVALID_FIELD')
    expect((await browser.fetch('/sso/admin/apps/app_nope')).status).toBe(404)
    expect((await browser.fetch('/sso/admin/apps/app_nope/delete', { form: { _csrf: csrf, confirm: 'yes' } })).status).toBe(404)
  })
})

describe('Zendesk', () => {
  const ZENDESK = { name: 'Acme Help', subdomain: 'acme', externalIdFrom: 'nameId', tagsFromGroups: 'false', userFields: '' }

  it('refuses invalid input with the error summary linking to the field, stores nothing, and audits the refusal', async () => {
    const { browser, csrf } = await signedIn()
    const before = await appCount()
    const badSubdomain = await browser.fetch('/sso/admin/apps?kind=zendesk', {
      form: { _csrf: csrf, ...ZENDESK, subdomain: 'acme.zendesk.com', sharedSecret: SECRET },
    })
    expect(badSubdomain.status).toBe(400)
    const html = await badSubdomain.text()
    expectRefusedAt(html, 'subdomain')
    // What was typed is kept, except the secret, which is never written into a page.
    expect(html).toContain('value="acme.zendesk.com"')
    expect(html).toContain('value="Acme Help"')
    expect(html).not.toContain(SECRET)
    expect(await lastAudit('app.create', 'failure')).toMatchObject({ code: 'ADMIN_INVALID_FIELD', detail: { field: 'subdomain' } })

    const shortSecret = await browser.fetch('/sso/admin/apps?kind=zendesk', { form: { _csrf: csrf, ...ZENDESK, sharedSecret: 'short' } })
    expect(shortSecret.status).toBe(400)
    expectRefusedAt(await shortSecret.text(), 'sharedSecret')
    expect(await appCount()).toBe(before)
  })

  it('adds the app off, shows the values Zendesk asks for but never the secret, and hands off only once on', async () => {
    const { browser, csrf } = await signedIn()
    const id = await addApp(browser, csrf, 'zendesk', { ...ZENDESK, sharedSecret: SECRET })
    const html = await page(browser, `/sso/admin/apps/${id}?flash=app-created`)
    expect(html).toContain('Helpdesk app added.')
    expect(html).toMatch(/data-testid="app-status"[\s\S]*?Off: /)
    expect(valueOf(html, 'remote-login-url')).toBe(`${ORIGIN}/sso/handoff/zendesk?app=acme-help`)
    expect(valueOf(html, 'remote-logout-url')).toBe(`${ORIGIN}/sso/logout`)
    expect(html).toContain('data-testid="jwt-endpoint">https://acme.zendesk.com/access/jwt<')
    expect(html).not.toContain(SECRET)

    const cookie = await sessionCookie()
    const remoteLogin = valueOf(html, 'remote-login-url')
    const refused = await exports.default.fetch(remoteLogin, { headers: { cookie, accept: 'application/json' } })
    expect(refused.status).toBe(404)
    expect((await refused.json<{ error: { code: string } }>()).error.code).toBe('HANDOFF_APP_NOT_FOUND')

    await turnOn(browser, csrf, id)
    expect(await page(browser, `/sso/admin/apps/${id}`)).toMatch(/data-testid="app-status"[\s\S]*?On: /)
    const { action, fields } = readAutoPost(await (await exports.default.fetch(remoteLogin, { headers: { cookie } })).text())
    expect(action).toBe('https://acme.zendesk.com/access/jwt')
    const { payload } = await jwtVerify(fields.jwt!, new TextEncoder().encode(SECRET), { algorithms: ['HS256'] })
    expect(payload.email).toBe('jane@acme.example')
  })

  it('replaces the shared secret: the secret is never shown, and the old one signs nothing from then on', async () => {
    const { browser, csrf } = await signedIn()
    const id = await addApp(browser, csrf, 'zendesk', { ...ZENDESK, name: 'Rotating Help', sharedSecret: SECRET, enabled: 'true' })
    const remoteLogin = valueOf(await page(browser, `/sso/admin/apps/${id}`), 'remote-login-url')
    const cookie = await sessionCookie()
    const handOff = async () => readAutoPost(await (await exports.default.fetch(remoteLogin, { headers: { cookie } })).text()).fields.jwt!

    // The secret already stored rotates nothing: refused at its field.
    const same = await browser.fetch(`/sso/admin/apps/${id}/rotate-secret`, { form: { _csrf: csrf, sharedSecret: SECRET } })
    expect(same.status).toBe(400)
    const sameHtml = await same.text()
    expectRefusedAt(sameHtml, 'sharedSecret')
    expect(sameHtml).not.toContain(SECRET)
    await jwtVerify(await handOff(), new TextEncoder().encode(SECRET), { algorithms: ['HS256'] })

    const rotated = await browser.fetch(`/sso/admin/apps/${id}/rotate-secret`, { form: { _csrf: csrf, sharedSecret: NEW_SECRET } })
    expect(rotated.headers.get('location')).toBe(`/sso/admin/apps/${id}?flash=app-secret-replaced`)
    const after = await page(browser, `/sso/admin/apps/${id}?flash=app-secret-replaced`)
    expect(after).toContain('Shared secret replaced')
    expect(after).not.toContain(NEW_SECRET)
    expect(after).not.toContain(SECRET)

    const jwt = await handOff()
    await jwtVerify(jwt, new TextEncoder().encode(NEW_SECRET), { algorithms: ['HS256'] })
    await expect(jwtVerify(jwt, new TextEncoder().encode(SECRET), { algorithms: ['HS256'] })).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    })
    const audit = await lastAudit('app.secret-rotate', 'success')
    expect(audit).toMatchObject({ actor: 'admin-token', detail: { appId: id, via: 'console' } })
    expect(JSON.stringify(audit)).not.toContain(NEW_SECRET)
  })

  it('edits the settings, a refusal shown at its field, and keeps the secret and the on/off state', async () => {
    const { browser, csrf } = await signedIn()
    const id = await addApp(browser, csrf, 'zendesk', { ...ZENDESK, name: 'Editable Help', sharedSecret: SECRET, enabled: 'true' })
    const bad = await browser.fetch(`/sso/admin/apps/${id}`, { form: { _csrf: csrf, ...ZENDESK, name: 'Editable Help', userFields: 'no equals sign' } })
    expect(bad.status).toBe(400)
    const badHtml = await bad.text()
    expectRefusedAt(badHtml, 'userFields')
    expect(badHtml).toContain('no equals sign')

    const saved = await browser.fetch(`/sso/admin/apps/${id}`, {
      form: { _csrf: csrf, ...ZENDESK, name: 'Edited Help', tagsFromGroups: 'true', userFields: 'sso_idp = idp' },
    })
    expect(saved.headers.get('location')).toBe(`/sso/admin/apps/${id}?flash=saved`)
    const view = await (await exports.default.fetch(`${ORIGIN}/sso/admin/api/apps/${id}`, { headers: AUTH })).json<Record<string, unknown>>()
    expect(view).toMatchObject({ name: 'Edited Help', enabled: true, hasSecret: true, config: { tagsFromGroups: true, userFields: { sso_idp: 'idp' } } })
    expect(await lastAudit('app.update', 'success')).toMatchObject({ detail: { appId: id, secretChanged: false, via: 'console' } })
  })
})

describe('Freshworks', () => {
  const CALLBACK = 'https://acme.freshdesk.com/sp/OAUTH/42/callback'

  it('refuses missing or non-https redirect URLs at their field', async () => {
    const { browser, csrf } = await signedIn()
    for (const redirectUris of ['', 'http://acme.freshdesk.com/cb', `${CALLBACK}\nnot a url`]) {
      const res = await browser.fetch('/sso/admin/apps?kind=freshworks', { form: { _csrf: csrf, name: 'Desk', redirectUris } })
      expect(res.status, redirectUris).toBe(400)
      expectRefusedAt(await res.text(), 'redirectUris')
    }
  })

  it('shows the values Freshworks asks for, whose public key verifies the tokens; there is no secret to replace', async () => {
    const { browser, csrf } = await signedIn()
    const id = await addApp(browser, csrf, 'freshworks', { name: 'Acme Freshdesk', redirectUris: CALLBACK, enabled: 'true' })
    const html = await page(browser, `/sso/admin/apps/${id}`)
    expect(valueOf(html, 'login-url')).toBe(`${ORIGIN}/sso/handoff/freshworks?app=acme-freshdesk`)
    expect(valueOf(html, 'logout-url')).toBe(`${ORIGIN}/sso/logout`)
    expect(html).not.toContain('data-testid="rotate-secret"')
    expect(html).not.toContain('/rotate-secret"')
    const publicKey = valueOf(html, 'public-key')
    expect(publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)

    const query = new URLSearchParams({ redirect_uri: CALLBACK, state: 's-1', nonce: 'n-1' })
    const res = await exports.default.fetch(`${valueOf(html, 'login-url')}&${query}`, { headers: { cookie: await sessionCookie() }, redirect: 'manual' })
    const location = new URL(res.headers.get('location')!)
    const { payload } = await jwtVerify(location.searchParams.get('id_token')!, await importSPKI(publicKey, 'RS256'), { algorithms: ['RS256'] })
    expect(payload).toMatchObject({ sub: 'acme-okta:jane@acme.example', nonce: 'n-1' })

    const rotate = await browser.fetch(`/sso/admin/apps/${id}/rotate-secret`, { form: { _csrf: csrf, sharedSecret: NEW_SECRET } })
    expect(rotate.status).toBe(400)
  })
})

describe('SAML by values (Atlassian Guard)', () => {
  const SP = 'https://acme.atlassian.net/sp/guard-1'
  const ACS = 'https://auth.atlassian.com/saml/guard-1'
  const GUARD = { name: 'Acme JSM', entityId: SP, acsUrl: ACS, nameIdFormat: 'email', attributeProfile: 'jsm', signResponse: 'true', sloBinding: 'redirect' }

  it("shows the gateway's IdP values before the app exists, as Guard asks for them first", async () => {
    const { browser } = await signedIn()
    const html = await page(browser, '/sso/admin/apps/new?kind=saml')
    expect(valueOf(html, 'idp-entity-id')).toBe(`${ORIGIN}/sso/idp/metadata`)
    expect(valueOf(html, 'sso-url')).toBe(`${ORIGIN}/sso/idp/sso`)
    expect(valueOf(html, 'certificate')).toMatch(/^-----BEGIN CERTIFICATE-----/)
    expect(html).toContain('action="/sso/admin/apps/import"')
    expect(html).not.toContain('data-testid="value-launch-url"')
  })

  it('refuses an http ACS URL, a missing entity ID and an over-long attribute name at their fields', async () => {
    const { browser, csrf } = await signedIn()
    const before = await appCount()
    for (const [form, field] of [
      [{ ...GUARD, acsUrl: 'http://auth.atlassian.com/saml/x' }, 'acsUrl'],
      [{ ...GUARD, entityId: '' }, 'entityId'],
      [{ ...GUARD, 'attr-email': 'x'.repeat(600) }, 'attr-email'],
      [{ ...GUARD, certificates: 'not a certificate' }, 'certificates'],
    ] as const) {
      const res = await browser.fetch('/sso/admin/apps?kind=saml', { form: { _csrf: csrf, ...form } })
      expect(res.status, field).toBe(400)
      expectRefusedAt(await res.text(), field)
    }
    expect(await appCount()).toBe(before)
  })

  it('adds the app from its values; its page shows what the gateway serves, and its launch URL signs in once it is on', async () => {
    const { browser, csrf } = await signedIn()
    const id = await addApp(browser, csrf, 'saml', { ...GUARD, 'attr-groups': '-' })
    const view = await (await exports.default.fetch(`${ORIGIN}/sso/admin/api/apps/${id}`, { headers: AUTH })).json<Record<string, unknown>>()
    expect(view).toMatchObject({ kind: 'saml', enabled: false, config: { entityId: SP, acsUrl: ACS, attributeProfile: 'jsm', attributeNames: { groups: '' } } })

    const html = await page(browser, `/sso/admin/apps/${id}`)
    expect(html).not.toContain('/rotate-secret"')
    const metadata = await (await exports.default.fetch(`${ORIGIN}/sso/idp/metadata`)).text()
    const servedDer = decodeBase64(/<ds:X509Certificate>([^<]+)</.exec(metadata)![1]!)
    expect(metadata).toContain(`entityID="${valueOf(html, 'idp-entity-id')}"`)
    expect(metadata).toContain(`Location="${valueOf(html, 'sso-url')}"`)
    expect(metadata).toContain(`Location="${valueOf(html, 'slo-url')}"`)
    // The certificate shown is the one served, and the fingerprint is its SHA-256.
    const pem = valueOf(html, 'certificate')
    expect(parseCertificate(pem).der).toEqual(servedDer)
    const sha256 = [...new Uint8Array(await crypto.subtle.digest('SHA-256', servedDer))].map((b) => b.toString(16).padStart(2, '0')).join('')
    expect(valueOf(html, 'fingerprint').replace(/:/g, '').toLowerCase()).toBe(sha256)
    expect(valueOf(html, 'nameid-format')).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress')

    // The downloads are that certificate too.
    const pemFile = await browser.fetch('/sso/admin/apps/broker-certificate.pem')
    expect(pemFile.headers.get('content-disposition')).toBe('attachment; filename="support.example.com-idp.pem"')
    expect(parseCertificate(await pemFile.text()).der).toEqual(servedDer)
    const cerFile = await browser.fetch('/sso/admin/apps/broker-certificate.cer')
    expect(cerFile.headers.get('content-type')).toBe('application/pkix-cert')
    expect(new Uint8Array(await cerFile.arrayBuffer())).toEqual(servedDer)
    expect((await new TestBrowser().fetch('/sso/admin/apps/broker-certificate.pem')).status).toBe(303)

    // The launch URL and the app's metadata: refused while off; then an IdP-initiated sign-on that verifies with the page's values.
    const launchUrl = valueOf(html, 'launch-url')
    expect(launchUrl).toBe(`${ORIGIN}/sso/idp/launch/acme-jsm`)
    const cookie = await sessionCookie()
    expect((await exports.default.fetch(launchUrl, { headers: { cookie, accept: 'application/json' } })).status).toBe(404)
    const appMetadataUrl = valueOf(html, 'metadata-url')
    expect(appMetadataUrl).toBe(`${ORIGIN}/sso/idp/metadata?app=acme-jsm`)
    expect((await exports.default.fetch(appMetadataUrl)).status).toBe(404)
    await turnOn(browser, csrf, id)
    // The app's own metadata URL then serves the same IdP.
    const appMetadata = await exports.default.fetch(appMetadataUrl)
    expect(appMetadata.status).toBe(200)
    expect(await appMetadata.text()).toContain(`entityID="${valueOf(html, 'idp-entity-id')}"`)
    const { action, fields } = readAutoPost(await (await exports.default.fetch(launchUrl, { headers: { cookie } })).text())
    expect(action).toBe(ACS)
    const result = await validateSamlResponse({
      samlResponse: fields.SAMLResponse!,
      idp: { entityId: valueOf(html, 'idp-entity-id'), certificates: [pem] },
      sp: { entityId: SP, acsUrl: ACS },
      now: new Date(),
      allowIdpInitiated: true,
    })
    expect(result.nameId).toBe('jane@acme.example')
    expect(result.attributes).not.toHaveProperty('groups')
  })

  it('edits the app: a persistent NameID is what its page then says', async () => {
    const { browser, csrf } = await signedIn()
    const id = await addApp(browser, csrf, 'saml', { ...GUARD, name: 'Edited JSM', entityId: `${SP}-2` })
    const saved = await browser.fetch(`/sso/admin/apps/${id}`, {
      form: { _csrf: csrf, ...GUARD, name: 'Edited JSM', entityId: `${SP}-2`, nameIdFormat: 'persistent' },
    })
    expect(saved.headers.get('location')).toBe(`/sso/admin/apps/${id}?flash=saved`)
    const html = await page(browser, `/sso/admin/apps/${id}`)
    expect(valueOf(html, 'nameid-format')).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent')
    expect(html).toMatch(/data-testid="app-status"[\s\S]*?Off: /)
  })
})

describe('SAML from SP metadata', () => {
  it('shows a refused import at its field, and adds the app off from good metadata', async () => {
    const { browser, csrf } = await signedIn()
    const spMetadata = await (await new TestBrowser().fetch('https://desk.example.org/sso/metadata')).text()
    const bad = await browser.fetch('/sso/admin/apps/import', { form: { _csrf: csrf, importName: 'Desk', metadataXml: '<x/>' } })
    expect(bad.status).toBe(422)
    const badHtml = await bad.text()
    expect(badHtml).toContain('data-error-for="metadataXml">SAML_METADATA_INVALID')
    expect(badHtml).toContain('<a href="#f-metadataXml">')

    const ok = await browser.fetch('/sso/admin/apps/import', { form: { _csrf: csrf, importName: 'Desk', metadataXml: spMetadata } })
    const location = ok.headers.get('location')!
    expect(location).toMatch(/^\/sso\/admin\/apps\/app_[0-9a-f]+\?flash=app-created$/)
    expect(await page(browser, location)).toMatch(/data-testid="app-status"[\s\S]*?Off: /)
    const list = await page(browser, '/sso/admin/apps')
    expect(list).toMatch(/<tr data-app="desk">[\s\S]*?https:\/\/desk\.example\.org\/sso\/acs[\s\S]*?<\/tr>/)

    const taken = await browser.fetch('/sso/admin/apps/import', { form: { _csrf: csrf, importName: 'Desk', metadataXml: spMetadata } })
    expect(taken.status).toBe(422)
    expect(await taken.text()).toContain('data-error-for="importName">ADMIN_CONFLICT')
  })
})

describe('deleting an app', () => {
  it('asks first: the confirmation page, and without its box ticked nothing is deleted', async () => {
    const { browser, csrf } = await signedIn()
    const id = await addApp(browser, csrf, 'freshworks', { name: 'Doomed Desk', redirectUris: 'https://doomed.freshdesk.com/cb' })
    const confirm = await page(browser, `/sso/admin/apps/${id}/delete`)
    expect(confirm).toContain('Delete Doomed Desk?')
    expect(confirm).toMatch(/<input id="f-confirm" type="checkbox" name="confirm" value="yes" required/)

    const unticked = await browser.fetch(`/sso/admin/apps/${id}/delete`, { form: { _csrf: csrf } })
    expect(unticked.status).toBe(400)
    expectRefusedAt(await unticked.text(), 'confirm')
    expect((await browser.fetch(`/sso/admin/apps/${id}`)).status).toBe(200)
    expect(await lastAudit('app.delete', 'failure')).toMatchObject({ code: 'ADMIN_INVALID_FIELD', detail: { field: 'confirm' } })

    // Another site cannot delete it, box ticked or not.
    const crossSite = await browser.fetch(`/sso/admin/apps/${id}/delete`, {
      form: { confirm: 'yes' },
      crossSite: true,
      headers: { origin: 'https://evil.example', accept: 'application/json' },
    })
    expect(crossSite.status).toBe(403)
    expect((await crossSite.json<{ error: { code: string } }>()).error.code).toBe('ADMIN_CSRF_REJECTED')

    const ticked = await browser.fetch(`/sso/admin/apps/${id}/delete`, { form: { _csrf: csrf, confirm: 'yes' } })
    expect(ticked.headers.get('location')).toBe('/sso/admin/apps?flash=app-deleted')
    expect((await browser.fetch(`/sso/admin/apps/${id}`)).status).toBe(404)
    expect(await lastAudit('app.delete', 'success')).toMatchObject({ actor: 'admin-token', detail: { appId: id, via: 'console' } })
  })
})
