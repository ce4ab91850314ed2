// New IdPs are drafts (issue 14): hidden from customers and refused at sign-in until a test
// sign-in passes; then the admin enables them. The admin API's skipTest is the audited way round.
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { OTHER_IDP_CERT, TEST_IDP_CERT } from '../fixtures/idp-keys'
import { hiddenValue, loginRequestId, ORIGIN, TestBrowser } from '../helpers/browser-fetch'
import { lastAuditRow } from '../helpers/context'
import { issueResponse } from '../helpers/idp'

const API = `${ORIGIN}/sso/admin/api`
const JSON_ACCEPT = { accept: 'application/json' }

function api(path: string, method = 'GET', body?: unknown) {
  return exports.default.fetch(`${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

let n = 0
/** A fresh SAML IdP config of its own (own slug, entity ID and email domain). */
function config(extra: Record<string, unknown> = {}) {
  const i = ++n
  return {
    name: `Draft Co ${i}`,
    slug: `draft-${i}`,
    entityId: `https://idp.draft-${i}.test`,
    ssoUrl: `https://idp.draft-${i}.test/sso`,
    certificates: [TEST_IDP_CERT],
    emailDomains: [`draft-${i}.example`],
    ...extra,
  }
}

type Idp = { id: string; slug: string; entityId: string; enabled: boolean; draft: boolean; testedAt: string | null }

async function admin(): Promise<{ browser: TestBrowser; csrf: string }> {
  const browser = new TestBrowser()
  await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN } })
  return { browser, csrf: hiddenValue(await (await browser.fetch('/sso/admin/idps')).text(), '_csrf') }
}

/** Runs the console's test sign-in for `idp`, the IdP answering with `response` options; returns the result page. */
async function testSignIn(idp: Idp, response: Record<string, unknown> = {}): Promise<{ browser: TestBrowser; csrf: string; page: string }> {
  // Its organization's domain, verified (as an admin would), so the IdP may vouch for the email.
  await env.DB.prepare("UPDATE organization_domains SET status = 'verified', verification_method = 'manual', verified_at = ? WHERE domain = ?")
    .bind(Date.now(), `${idp.slug}.example`)
    .run()
  const { browser, csrf } = await admin()
  const start = await browser.fetch(`/sso/admin/idps/${idp.id}/test`, { form: { _csrf: csrf } })
  expect(start.status).toBe(302)
  const email = `jane@${idp.slug}.example`
  const back = await browser.fetch('/sso/acs', {
    form: {
      SAMLResponse: await issueResponse({
        issuer: idp.entityId,
        inResponseTo: loginRequestId(start),
        nameId: email,
        attributes: { email: [email] },
        ...response,
      }),
    },
    crossSite: true,
  })
  expect(back.status).toBe(303)
  return { browser, csrf, page: await (await browser.fetch(back.headers.get('location')!)).text() }
}

describe('a new IdP is a draft', () => {
  it('starts disabled and hidden, and customers cannot sign in with it', async () => {
    const res = await api('/idps', 'POST', config())
    expect(res.status).toBe(201)
    const idp = await res.json<Idp>()
    expect(idp).toMatchObject({ enabled: false, draft: true, testedAt: null })
    const login = await exports.default.fetch(`${ORIGIN}/sso/login?idp=${idp.slug}`, { headers: JSON_ACCEPT, redirect: 'manual' })
    expect(login.status).toBe(403)
    expect((await login.json<{ error: { code: string } }>()).error.code).toBe('LOGIN_IDP_DISABLED')
    const selection = await (await exports.default.fetch(`${ORIGIN}/sso/login?select=1`, { redirect: 'manual' })).text()
    expect(selection).not.toContain(`idp=${idp.slug}`)
  })

  it('cannot be created enabled, nor enabled by the API, before a test sign-in passes', async () => {
    const enabledAtOnce = config({ enabled: true })
    const created = await api('/idps', 'POST', enabledAtOnce)
    expect(created.status).toBe(409)
    expect((await created.json<{ error: { code: string } }>()).error.code).toBe('ADMIN_IDP_UNTESTED')
    const list = await (await api('/idps')).json<{ idps: Idp[] }>()
    expect(list.idps.some((i) => i.slug === enabledAtOnce.slug)).toBe(false)

    const idp = await (await api('/idps', 'POST', config())).json<Idp>()
    const patched = await api(`/idps/${idp.id}`, 'PATCH', { enabled: true })
    expect(patched.status).toBe(409)
    expect((await patched.json<{ error: { code: string; message: string } }>()).error.message).toMatch(/test sign-in first/i)
    expect(await (await api(`/idps/${idp.id}`)).json<Idp>()).toMatchObject({ enabled: false, draft: true })
  })

  it('is listed as a draft with Test and without Enable, and the console refuses to enable it', async () => {
    const idp = await (await api('/idps', 'POST', config())).json<Idp>()
    const { browser, csrf } = await admin()
    const list = await (await browser.fetch('/sso/admin/idps')).text()
    const row = list.slice(list.indexOf(`data-idp="${idp.slug}"`), list.indexOf('</tr>', list.indexOf(`data-idp="${idp.slug}"`)))
    expect(row).toContain('draft: test first')
    expect(row).toContain(`/sso/admin/idps/${idp.id}/test`)
    expect(row).not.toContain(`/sso/admin/idps/${idp.id}/toggle`)
    const edit = await (await browser.fetch(`/sso/admin/idps/${idp.id}`)).text()
    expect(edit).toContain('data-testid="test-top"')
    expect(edit).toContain('data-testid="draft-note"')
    expect(edit).not.toContain('name="enabled"')

    const forced = await browser.fetch(`/sso/admin/idps/${idp.id}/enable`, { form: { _csrf: csrf } })
    expect(forced.status).toBe(409)
    expect(await forced.text()).toMatch(/test sign-in/i)
    expect(await (await api(`/idps/${idp.id}`)).json<Idp>()).toMatchObject({ enabled: false })
  })

  it('says at the Enabled box, in the edit form, that a changed configuration needs a new test', async () => {
    const idp = await (await api('/idps', 'POST', config())).json<Idp>()
    await testSignIn(idp)
    const { browser, csrf } = await admin()
    const page = await (await browser.fetch(`/sso/admin/idps/${idp.id}`)).text()
    expect(page).toContain('name="enabled"')
    const form = { ...Object.fromEntries([...page.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])) }
    const saved = await browser.fetch(`/sso/admin/idps/${idp.id}`, {
      form: { ...form, _csrf: csrf, name: 'Draft Co', ssoUrl: `${idp.entityId}/moved`, certificates: TEST_IDP_CERT, enabled: 'true' },
    })
    expect(saved.status).toBe(400)
    const html = await saved.text()
    expect(html).toContain('data-testid="error-summary"')
    expect(html).toMatch(/href="#f-enabled">Run a test sign-in first/)
    expect(await (await api(`/idps/${idp.id}`)).json<Idp>()).toMatchObject({ enabled: false })
  })

  it('stays a draft when its test sign-in fails', async () => {
    const idp = await (await api('/idps', 'POST', config())).json<Idp>()
    const { page } = await testSignIn(idp, { audience: 'urn:wrong' })
    expect(page).toContain('SAML_AUDIENCE_MISMATCH')
    expect(page).not.toContain('data-testid="enable-now"')
    expect(await (await api(`/idps/${idp.id}`)).json<Idp>()).toMatchObject({ draft: true, testedAt: null })
  })

  it('can be enabled once a test sign-in passes, and then customers see it', async () => {
    const idp = await (await api('/idps', 'POST', config())).json<Idp>()
    const { browser, csrf, page } = await testSignIn(idp)
    expect(page).toContain('data-testid="enable-now"')
    expect(await (await api(`/idps/${idp.id}`)).json<Idp>()).toMatchObject({ enabled: false, draft: false, testedAt: expect.any(String) })

    const enabled = await browser.fetch(`/sso/admin/idps/${idp.id}/enable`, { form: { _csrf: csrf } })
    expect(enabled.status).toBe(303)
    expect(await (await api(`/idps/${idp.id}`)).json<Idp>()).toMatchObject({ enabled: true, draft: false })
    const selection = await (await exports.default.fetch(`${ORIGIN}/sso/login?select=1`, { redirect: 'manual' })).text()
    expect(selection).toContain(`idp=${idp.slug}`)
    // Disabling and enabling again needs no new test.
    expect((await api(`/idps/${idp.id}`, 'PATCH', { enabled: false })).status).toBe(200)
    expect((await api(`/idps/${idp.id}`, 'PATCH', { enabled: true })).status).toBe(200)
  })

  it('is a draft again when its sign-in changes while it is off: the passed test was about the old configuration', async () => {
    const idp = await (await api('/idps', 'POST', config())).json<Idp>()
    await testSignIn(idp)
    // Renaming it or changing its order is not a new configuration.
    expect((await api(`/idps/${idp.id}`, 'PATCH', { name: 'Renamed Co' })).status).toBe(200)
    expect(await (await api(`/idps/${idp.id}`)).json<Idp>()).toMatchObject({ draft: false })
    // Another SSO URL (or certificate, entity ID, mapping, organization) is.
    expect((await api(`/idps/${idp.id}`, 'PATCH', { ssoUrl: `${idp.entityId}/other-sso` })).status).toBe(200)
    expect(await (await api(`/idps/${idp.id}`)).json<Idp>()).toMatchObject({ draft: true, testedAt: null })
    const enabled = await api(`/idps/${idp.id}`, 'PATCH', { enabled: true })
    expect(enabled.status).toBe(409)
    // Changing the sign-in and enabling in one request is refused too.
    await testSignIn(idp)
    const both = await api(`/idps/${idp.id}`, 'PATCH', { enabled: true, certificates: [TEST_IDP_CERT, OTHER_IDP_CERT] })
    expect(both.status).toBe(409)
    expect(await (await api(`/idps/${idp.id}`)).json<Idp>()).toMatchObject({ enabled: false })
  })

  it('is enabled at once through the API with skipTest, and the audit row says so', async () => {
    const res = await api('/idps', 'POST', config({ enabled: true, skipTest: true }))
    expect(res.status).toBe(201)
    const idp = await res.json<Idp>()
    expect(idp).toMatchObject({ enabled: true, draft: false, testedAt: null })
    expect(await lastAuditRow('idp.create')).toMatchObject({ idp_id: idp.id, detail: expect.objectContaining({ skipTest: true, via: 'api' }) })
  })
})
