// Self-serve setup links end to end in workerd (issue 13), through the routes: the admin creates
// a link (only its hash stored, URL shown once, 7 days by default, 30 at most), the customer's IT
// opens it, picks a product, sends metadata, verifies a domain over (stubbed) DNS, passes a test
// sign-in and turns the IdP on (or submits it for approval). Each guardrail has its own test:
// 404 for a wrong token, 410 and an audit row for an expired or revoked one, CSRF, rate limits,
// the link's own organization only, and the IdP disabled until domain and test are done.
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { hashToken } from '../../src/crypto/token'
import { SETUP_REQUESTS } from '../../src/store/rate-limits'
import { findIdp, getIdp } from '../../src/store/idps'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { hiddenValue, TestBrowser } from '../helpers/browser-fetch'
import { lastAuditRow } from '../helpers/context'
import { issueResponse } from '../helpers/idp'
import { seedOrganization } from '../helpers/tenants'

const API = '/sso/admin/api'
const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
  new TestBrowser().fetch(`${API}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json', accept: 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })

const DER = TEST_IDP_CERT.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
const metadata = (entityId: string) =>
  `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">` +
  `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>` +
  `<ds:X509Certificate>${DER}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
  `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.initech.example/sso"/>` +
  `</md:IDPSSODescriptor></md:EntityDescriptor>`

let n = 0
/** A fresh organization (no verified domain) and a setup link for it; each test has its own client IP (rate limits). */
async function newLink(body: Record<string, unknown> = {}) {
  n++
  const org = await seedOrganization({ id: `org_setup_${n}`, domains: [] })
  const res = await admin(`/organizations/${org.id}/setup-links`, { method: 'POST', body })
  expect(res.status).toBe(201)
  const link = (await res.json()) as { url: string; id: string; expiresAt: string; status: string; steps: Record<string, unknown> }
  const path = new URL(link.url).pathname
  const it = new TestBrowser()
  const ip = `198.51.100.${n}`
  const get = (p = '') => it.fetch(`${path}${p}`, { headers: { 'cf-connecting-ip': ip } })
  const csrf = async () => hiddenValue(await (await get()).text(), '_csrf')
  const post = async (p: string, form: Record<string, string>, extra: { crossSite?: boolean; noCsrf?: boolean } = {}) =>
    it.fetch(`${path}${p}`, {
      form: { ...(extra.noCsrf ? {} : { _csrf: await csrf() }), ...form },
      headers: { 'cf-connecting-ip': ip },
      crossSite: extra.crossSite ?? false,
    })
  return { org, link, path, token: path.split('/').at(-1)!, browser: it, get, post, csrf, ip, entityId: `https://idp.setup-${n}.example/saml` }
}

/** Answers the worker's DNS-over-HTTPS TXT lookups from `records` (other fetches pass through). */
function serveDns(records: Record<string, string>) {
  const real = globalThis.fetch
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    if (!url.searchParams.has('name')) return real(input, init)
    const value = records[url.searchParams.get('name')!]
    return Response.json(
      value ? { Status: 0, Answer: [{ name: url.searchParams.get('name'), type: 16, TTL: 60, data: JSON.stringify(value) }] } : { Status: 3 },
    )
  })
}

/** Configure → domain → test: a link ready to turn on. */
async function readyLink(body: Record<string, unknown> = {}) {
  const l = await newLink(body)
  expect((await l.post('/idp', { source: 'metadata', product: 'okta', metadataXml: metadata(l.entityId) })).status).toBe(303)
  const domain = `setup${n}.example`
  await l.post('/domains', { domain })
  const page = await (await l.get()).text()
  const txt = hiddenOrValue(page, `v-txt-value-${domain}`)
  serveDns({ [`_edge-sso-challenge.${domain}`]: txt })
  expect((await l.post('/domains/check', { domain })).status).toBe(303)
  vi.restoreAllMocks()
  await passTest(l)
  return { ...l, domain }
}

/** The value of a read-only input by id. */
function hiddenOrValue(html: string, id: string): string {
  const m = new RegExp(`id="${id.replace(/[.]/g, '\\.')}" type="text" readonly="" value="([^"]*)"`).exec(html)
  if (!m) throw new Error(`no input ${id}`)
  return m[1]!
}

async function passTest(l: Awaited<ReturnType<typeof newLink>>, attributes?: Record<string, string[]>) {
  const start = await l.post('/test', {})
  expect(start.status).toBe(302)
  const requestId = new URL(start.headers.get('location')!).searchParams.get('SAMLRequest')
    ? [...l.browser.cookies.keys()].find((k) => k.startsWith('__Host-sso_login_'))!.slice('__Host-sso_login_'.length)
    : ''
  const domain = `setup${n}.example`
  const samlResponse = await issueResponse({
    issuer: l.entityId,
    inResponseTo: requestId,
    nameId: `it@${domain}`,
    attributes: attributes ?? { email: [`it@${domain}`], firstName: ['Ida'] },
  })
  const back = await l.browser.fetch('/sso/acs', { form: { SAMLResponse: samlResponse }, crossSite: true, headers: { 'cf-connecting-ip': l.ip } })
  expect(back.status).toBe(303)
  expect(back.headers.get('location')).toBe(`${l.path}/test/${requestId}`)
  return l.browser.fetch(back.headers.get('location')!, { headers: { 'cf-connecting-ip': l.ip } })
}

beforeAll(async () => {
  await seedOrganization({ id: 'org_other', domains: ['other-company.example'] })
})
afterEach(() => vi.restoreAllMocks())

describe("the admin's side", () => {
  it('creates a link valid 7 days, stores only the SHA-256 of its token, and shows the URL once', async () => {
    const { link, token, org } = await newLink()
    expect(link.url).toMatch(/^https:\/\/support\.example\.com\/sso\/setup\/[A-Za-z0-9_-]{43}$/)
    expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(7 * 86_400_000 - 60_000)
    expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(7 * 86_400_000)
    const row = await env.DB.prepare('SELECT * FROM setup_links WHERE id = ?').bind(link.id).first<Record<string, unknown>>()
    expect(row!.token_hash).toBe(await hashToken(token))
    expect(JSON.stringify(row)).not.toContain(token)
    // The list never carries the URL again.
    const list = await (await admin(`/organizations/${org.id}/setup-links`)).text()
    expect(list).not.toContain(token)
    expect(JSON.parse(list).setupLinks[0]).toMatchObject({ id: link.id, status: 'open', steps: { opened: null, idpConfigured: null, domainVerified: false } })
    expect((await lastAuditRow('setup-link.create'))?.detail).toMatchObject({ organizationId: org.id, linkId: link.id })
  })

  it.each([
    [{ expiresInDays: 31 }, 'expiresInDays'],
    [{ expiresInDays: 0 }, 'expiresInDays'],
    [{ requireApproval: 'yes' }, 'requireApproval'],
    [{ organizationId: 'org_other' }, 'organizationId'],
  ])('refuses %j', async (body, field) => {
    await seedOrganization({ id: 'org_refuse', domains: [] })
    const res = await admin('/organizations/org_refuse/setup-links', { method: 'POST', body })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field)
  })

  it('takes up to 30 days', async () => {
    const { link } = await newLink({ expiresInDays: 30 })
    expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(29.9 * 86_400_000)
  })
})

describe("the customer IT's side", () => {
  it('opens in the portal branding, scoped to its organization, and records that it was opened once', async () => {
    const { get, org, link } = await newLink()
    const res = await get()
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain(`Connect ${org.name}`)
    expect(html).not.toContain('other-company.example')
    expect(html).not.toContain('Acme Corp')
    expect((await lastAuditRow('setup.open'))?.detail).toMatchObject({ linkId: link.id })
    await get()
    const opens = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'setup.open' AND detail LIKE ?")
      .bind(`%${link.id}%`)
      .first<{ n: number }>()
    expect(opens!.n).toBe(1)
  })

  it('gives step-by-step values to copy for the chosen product, and the SP metadata', async () => {
    const l = await newLink()
    const { get } = l
    const html = await (await get('?product=entra')).text()
    expect(html).toContain('Microsoft Entra ID')
    expect(html).toMatch(/id="v-acsUrl" type="text" readonly="" value="https:\/\/support\.example\.com\/sso\/acs"/)
    expect(html).toMatch(/id="v-entityId" type="text" readonly="" value="https:\/\/support\.example\.com\/sso\/metadata"/)
    expect(html).toContain('href="https://support.example.com/sso/metadata?download"')
    // Copy buttons are hidden until the script shows them (JavaScript off: select and copy).
    expect(html).toMatch(/<button type="button" class="secondary" data-copy-from="v-acsUrl" hidden="">/)
    const oidc = await (await get('?product=oidc')).text()
    // The redirect URI of the IdP this link will make (its slug names it).
    expect(oidc).toContain(`id="v-redirectUri" type="text" readonly="" value="https://support.example.com/sso/oidc/callback?idp=${l.org.slug}-sso"`)
  })

  it('creates a disabled IdP in its own organization from metadata, and ignores any other field', async () => {
    const l = await newLink()
    const res = await l.post('/idp', {
      source: 'metadata',
      product: 'okta',
      metadataXml: metadata(l.entityId),
      organizationId: 'org_other',
      enabled: 'true',
      name: 'Evil',
    })
    expect(res.status).toBe(303)
    const idp = (await findIdp(env.DB, `${l.org.slug}-sso`))!
    expect(idp).toMatchObject({
      organizationId: l.org.id,
      enabled: false,
      entityId: l.entityId,
      name: l.org.name,
      attributeMap: expect.objectContaining({ email: 'email' }),
    })
    expect(await lastAuditRow('idp.create')).toMatchObject({ actor: `setup:${l.link.id}` })
    expect((await lastAuditRow('setup.idp'))?.detail).toMatchObject({ linkId: l.link.id, source: 'metadata', product: 'okta' })
    // Sent again: the same IdP changes, no second one.
    await l.post('/idp', { source: 'manual', entityId: `${l.entityId}/v2`, ssoUrl: 'https://idp.initech.example/sso2', certificates: TEST_IDP_CERT })
    const again = (await findIdp(env.DB, idp.id))!
    expect(again).toMatchObject({ entityId: `${l.entityId}/v2`, ssoUrl: 'https://idp.initech.example/sso2', enabled: false })
  })

  it('takes the metadata as an uploaded file (multipart form)', async () => {
    const l = await newLink()
    const form = new FormData()
    form.set('_csrf', await l.csrf())
    form.set('source', 'metadata')
    form.set('metadataFile', new File([metadata(l.entityId)], 'idp-metadata.xml', { type: 'application/xml' }))
    const res = await l.browser.fetch(`${l.path}/idp`, { method: 'POST', body: form, headers: { 'cf-connecting-ip': l.ip } })
    expect(res.status).toBe(303)
    expect((await findIdp(env.DB, `${l.org.slug}-sso`))!.entityId).toBe(l.entityId)
  })

  it('shows a bad metadata document as an error on the page (4xx), not an error page', async () => {
    const l = await newLink()
    const res = await l.post('/idp', { source: 'metadata', metadataXml: '<html><body>login</body></html>' })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(await res.text()).toMatch(/data-testid="setup-error"/)
  })

  it('runs the whole setup: domain by DNS, a test sign-in showing what the portal will receive, then sign-in is on', async () => {
    const l = await newLink()
    await l.post('/idp', { source: 'metadata', product: 'okta', metadataXml: metadata(l.entityId) })
    // Not ready yet: says what is missing.
    const early = await l.post('/activate', {})
    expect(early.status).toBe(409)
    expect(await early.text()).toContain('verify a domain (step 4), pass a test sign-in (step 5)')
    const domain = `setup${n}.example`
    await l.post('/domains', { domain })
    const txt = hiddenOrValue(await (await l.get()).text(), `v-txt-value-${domain}`)
    serveDns({ [`_edge-sso-challenge.${domain}`]: txt })
    await l.post('/domains/check', { domain })
    vi.restoreAllMocks()
    const result = await (await passTest(l)).text()
    expect(result).toContain('The test sign-in passed')
    expect(result).toMatch(new RegExp(`data-field="email">it@${domain}<`))
    const idp = (await findIdp(env.DB, `${l.org.slug}-sso`))!
    expect(idp.enabled).toBe(false)
    const formToken = await l.csrf()
    const on = await l.post('/activate', {})
    expect(on.status).toBe(303)
    expect((await getIdp(env.DB, idp.id))!.enabled).toBe(true)
    expect(await (await l.get()).text()).toContain('data-testid="setup-done"')
    expect((await lastAuditRow('setup.activate'))?.detail).toMatchObject({ linkId: l.link.id })
    const [view] = (
      (await (await admin(`/organizations/${l.org.id}/setup-links`)).json()) as { setupLinks: { status: string; steps: Record<string, unknown> }[] }
    ).setupLinks
    expect(view).toMatchObject({ status: 'completed', steps: { domainVerified: true, testPassed: expect.any(String), active: expect.any(String) } })
    // Finished: nothing more changes through the link.
    const late = await l.post(
      '/idp',
      { _csrf: formToken, source: 'manual', entityId: 'x', ssoUrl: 'https://x.example', certificates: TEST_IDP_CERT },
      { noCsrf: true },
    )
    expect(late.status).toBe(409)
    expect(await late.text()).toContain('SETUP_ALREADY_DONE')
    // A customer of the organization signs in through the new IdP.
    const customer = new TestBrowser()
    expect((await customer.fetch(`/sso/login?idp=${idp.slug}`)).status).toBe(302)
  })

  it('refuses a failed test: the result shows why, and the IdP cannot be turned on', async () => {
    const l = await newLink()
    await l.post('/idp', { source: 'metadata', metadataXml: metadata(l.entityId) })
    const result = await (await passTest(l, { email: ['ceo@other-company.example'] })).text()
    expect(result).toContain('The test sign-in was refused (LOGIN_EMAIL_DOMAIN_MISMATCH)')
    const res = await l.post('/activate', {})
    expect(res.status).toBe(409)
  })

  it('submits for approval when the link asks for it; the admin approves, and only then is the IdP on', async () => {
    const l = await readyLink({ requireApproval: true })
    expect((await l.post('/activate', {})).status).toBe(303)
    const idp = (await findIdp(env.DB, `${l.org.slug}-sso`))!
    expect(idp.enabled).toBe(false)
    expect(await (await l.get()).text()).toContain('Submitted: the helpdesk will review')
    const approved = await admin(`/organizations/${l.org.id}/setup-links/${l.link.id}/approve`, { method: 'POST' })
    expect(approved.status).toBe(200)
    expect(await approved.json()).toMatchObject({ status: 'completed' })
    expect((await getIdp(env.DB, idp.id))!.enabled).toBe(true)
  })

  it("only counts this link's latest test: another request ID shows no result and passes nothing", async () => {
    const l = await newLink()
    await l.post('/idp', { source: 'metadata', metadataXml: metadata(l.entityId) })
    const page = await (await l.get('/test/_0123456789abcdef0123456789abcdef01234567')).text()
    expect(page).toContain('No result for this test')
    const row = await env.DB.prepare('SELECT test_passed_at FROM setup_links WHERE id = ?').bind(l.link.id).first<{ test_passed_at: number | null }>()
    expect(row!.test_passed_at).toBeNull()
  })
})

describe('guardrails', () => {
  it('keeps the token out of the request log', async () => {
    const { get, token } = await newLink()
    const lines: string[] = []
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)))
    await get()
    spy.mockRestore()
    expect(lines.some((l) => l.includes('"path":"/sso/setup/<token>"'))).toBe(true)
    expect(lines.join('\n')).not.toContain(token)
  })

  it('answers 404 for a wrong token, and for garbage', async () => {
    const { token } = await newLink()
    const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')
    for (const t of [wrong, 'x', 'a'.repeat(5000)]) {
      const res = await new TestBrowser().fetch(`/sso/setup/${t}`, { headers: { accept: 'application/json' } })
      expect(res.status).toBe(404)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SETUP_LINK_NOT_FOUND')
    }
  })

  it('answers 410 with an audit row once revoked; what it configured stays', async () => {
    const l = await newLink()
    await l.post('/idp', { source: 'metadata', metadataXml: metadata(l.entityId) })
    expect((await admin(`/organizations/${l.org.id}/setup-links/${l.link.id}`, { method: 'DELETE' })).status).toBe(200)
    const res = await l.get()
    expect(res.status).toBe(410)
    expect(await res.text()).toContain('withdrawn by the helpdesk')
    expect(await lastAuditRow('setup.denied')).toMatchObject({ outcome: 'failure', code: 'SETUP_LINK_REVOKED' })
    expect(await findIdp(env.DB, `${l.org.slug}-sso`)).not.toBeNull()
  })

  it('answers 410 with an audit row once expired', async () => {
    const l = await newLink({ expiresInDays: 1 })
    await env.DB.prepare('UPDATE setup_links SET expires_at = ? WHERE id = ?')
      .bind(Date.now() - 1000, l.link.id)
      .run()
    const res = await l.get()
    expect(res.status).toBe(410)
    expect(await lastAuditRow('setup.denied')).toMatchObject({ code: 'SETUP_LINK_EXPIRED' })
  })

  it('refuses forms without its form token, with another link’s, or from another site', async () => {
    const a = await newLink()
    const b = await newLink()
    const otherCsrf = await b.csrf()
    for (const res of [
      await a.post('/domains', { domain: 'x.example' }, { noCsrf: true }),
      await a.post('/domains', { domain: 'x.example', _csrf: otherCsrf }, { noCsrf: true }),
      await a.post('/domains', { domain: 'x.example' }, { crossSite: true }),
    ]) {
      expect(res.status).toBe(403)
      expect(await res.text()).toContain('SETUP_CSRF_REJECTED')
    }
    expect(await (await a.get()).text()).not.toContain('x.example')
  })

  it("cannot touch another organization's domains", async () => {
    const l = await newLink()
    const res = await l.post('/domains/check', { domain: 'other-company.example' })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('ADMIN_DOMAIN_NOT_FOUND')
    const taken = await l.post('/domains', { domain: 'other-company.example' })
    expect(taken.status).toBe(409)
    // Said plainly, without naming the organization that holds it.
    const page = await taken.text()
    expect(page).toContain('already registered for another company on this portal')
    expect(page).not.toContain('org_other')
  })

  it('lets a link hold at most 5 domains waiting for verification', async () => {
    const l = await newLink()
    for (let i = 0; i < 5; i++) expect((await l.post('/domains', { domain: `grab${i}-${n}.example` })).status).toBe(303)
    const sixth = await l.post('/domains', { domain: `grab5-${n}.example` })
    expect(sixth.status).toBe(400)
    expect(await sixth.text()).toContain('at most 5 domains can wait for verification')
  })

  it('keeps the IdP off until a domain is verified, even after a passed test', async () => {
    const l = await newLink()
    await l.post('/idp', { source: 'metadata', metadataXml: metadata(l.entityId) })
    // Without a verified domain the email is refused, so the test passes only without one.
    await passTest(l, { firstName: ['Ida'] })
    const res = await l.post('/activate', {})
    expect(res.status).toBe(409)
    expect(await res.text()).toContain('verify a domain (step 4)')
    expect((await findIdp(env.DB, `${l.org.slug}-sso`))!.enabled).toBe(false)
  })

  it(`limits one client to ${SETUP_REQUESTS.limit} requests per window, any token`, async () => {
    const ip = '203.0.113.250'
    let last: Response | null = null
    for (let i = 0; i <= SETUP_REQUESTS.limit; i++) last = await new TestBrowser().fetch(`/sso/setup/nothing-${i}`, { headers: { 'cf-connecting-ip': ip } })
    expect(last!.status).toBe(429)
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await last!.text()).toContain('SETUP_RATE_LIMITED')
  })
})

describe('an OpenID Connect IdP through a setup link', () => {
  it('is created by discovery from the issuer, disabled, in the link’s organization', async () => {
    const { fakeProvider, CLIENT_ID, CLIENT_SECRET } = await import('../helpers/oidc-provider')
    const provider = await fakeProvider('https://login.setup-oidc.example')
    const l = await newLink()
    const res = await l.post('/idp', { source: 'oidc', product: 'oidc', issuer: provider.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET })
    expect(res.status).toBe(303)
    const idp = (await findIdp(env.DB, `${l.org.slug}-sso`))!
    expect(idp).toMatchObject({ protocol: 'oidc', issuer: provider.issuer, organizationId: l.org.id, enabled: false })
    expect(await (await l.get()).text()).not.toContain(CLIENT_SECRET)
  })
})
