// The console's home (GET /sso/admin) and GET /sso/admin/api/overview, through the worker: signed-in
// admins only; bars whose links open the audit log filtered to exactly their rows; the IdPs that
// need attention first; a fresh gateway's empty state with no chart; the audit API's time filters.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Overview } from '../../src/admin/overview'
import { writeAudit, type AuditEntry } from '../../src/store/audit'
import { TestBrowser } from '../helpers/browser-fetch'
import { seedIdp, seedOrganization, TEST_ORG } from '../helpers/tenants'

const DAY_MS = 86_400_000
const api = (path: string, token = env.ADMIN_TOKEN) =>
  new TestBrowser().fetch(`/sso/admin/api${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })

async function signedIn(): Promise<TestBrowser> {
  const browser = new TestBrowser()
  const login = await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN } })
  expect(login.status).toBe(303)
  // The console's home: sign-in lands on the overview.
  expect(login.headers.get('location')).toBe('/sso/admin')
  return browser
}

/** Links in `html` carrying `attributes` (in the order hono writes them), decoded. */
function linksWith(html: string, attributes: string): string[] {
  return [...html.matchAll(new RegExp(`<a href="([^"]+)"[^>]*${attributes}`, 'g'))].map((m) => m[1]!.replace(/&amp;/g, '&'))
}

const rowsOf = (html: string) => [...html.matchAll(/<tr data-action="([^"]+)"/g)].map((m) => m[1])

async function clear(): Promise<void> {
  await env.DB.batch(['audit_log', 'idps', 'organizations', 'organization_domains'].map((t) => env.DB.prepare(`DELETE FROM ${t}`)))
}

async function write(entries: Partial<AuditEntry>[]): Promise<void> {
  for (const e of entries) await writeAudit(env.DB, { at: new Date(), actor: 'anonymous', action: 'login', outcome: 'success', ...e })
}
const times = (n: number, entry: Partial<AuditEntry>) => Array.from({ length: n }, () => entry)

beforeEach(clear)

describe('the overview page', () => {
  it('is for signed-in admins only: anyone else is sent to the sign-in form, and back here after it', async () => {
    const res = await new TestBrowser().fetch('/sso/admin')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/sso/admin/login?next=%2Fsso%2Fadmin')
    expect(await new TestBrowser().fetch('/sso/admin?by=idp').then((r) => r.headers.get('location'))).toMatch(/^\/sso\/admin\/login/)
  })

  it('says what to do on a fresh gateway, with no chart drawn', async () => {
    const browser = await signedIn()
    const res = await browser.fetch('/sso/admin')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<a href="/sso/admin" aria-current="page">Overview</a>')
    expect(html).toMatch(/data-testid="no-sign-ins">No sign-ins yet in the last 30 days\./)
    expect(html).toContain('href="/sso/admin/idps/new"')
    expect(html).toContain('data-testid="no-failures"')
    expect(html).toContain('data-testid="attention-none"')
    expect(html).not.toContain('<svg')
  })

  describe('with sign-ins', () => {
    const today = new Date().toISOString().slice(0, 10)
    const yesterday = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10)
    const dayAfter = (day: string) => new Date(Date.parse(day) + DAY_MS).toISOString().slice(0, 10)

    beforeEach(async () => {
      await seedOrganization({ id: 'org_globex', name: 'Globex', domains: ['globex.example'] })
      const idp = (id: string, organizationId = TEST_ORG.id, extra = {}) =>
        seedIdp(env.DB, id, {
          name: `IdP ${id}`,
          slug: id.replace(/_/g, '-'),
          entityId: `https://${id}.test`,
          ssoUrl: `https://${id}.test/sso`,
          organizationId,
          ...extra,
        })
      await idp('idp_okta')
      await idp('idp_entra')
      await idp('idp_globex', 'org_globex')
      await idp('idp_draft', TEST_ORG.id, { enabled: false, testedAt: null })
      const now = Date.now()
      await write([
        ...times(2, { idpId: 'idp_okta', at: new Date(now) }),
        { idpId: 'idp_entra', at: new Date(now) },
        ...times(2, { idpId: 'idp_okta', at: new Date(now - DAY_MS) }),
        { idpId: 'idp_globex', at: new Date(now) },
        ...times(2, { idpId: 'idp_okta', outcome: 'failure', code: 'SAML_EXPIRED', at: new Date(now) }),
        // Neither counted nor found by the bars' links: a test sign-in, and a sign-in 31 days ago.
        { idpId: 'idp_okta', action: 'login.test', at: new Date(now) },
        { idpId: 'idp_okta', at: new Date(now - 31 * DAY_MS) },
      ])
    })

    it("draws each day's sign-ins by organization; each bar opens the audit log on exactly its rows", async () => {
      const browser = await signedIn()
      const html = await (await browser.fetch('/sso/admin')).text()
      expect(html).toMatch(/data-testid="sign-in-totals">6 sign-ins and <a [^>]+>2 failed<\/a>/)
      const [acmeToday, ...more] = linksWith(html, `data-series="${TEST_ORG.id}" data-category="${today}" data-count="3"`)
      expect(more).toEqual([]) // the numbers table links without the data attributes
      expect(acmeToday).toBe(`/sso/admin/audit?action=login&outcome=success&organizationId=${TEST_ORG.id}&since=${today}&until=${dayAfter(today)}`)
      expect(linksWith(html, `data-series="${TEST_ORG.id}" data-category="${yesterday}" data-count="2"`)).toHaveLength(1)
      expect(linksWith(html, `data-series="org_globex" data-category="${today}" data-count="1"`)).toHaveLength(1)
      // Following the bar: the three sign-ins of Acme's IdPs today, nothing else.
      const audit = await (await browser.fetch(acmeToday!)).text()
      expect(rowsOf(audit)).toEqual(['login', 'login', 'login'])
      const viaApi = await (await api(`/audit${acmeToday!.slice('/sso/admin/audit'.length)}`)).json<{ entries: { idpId: string; outcome: string }[] }>()
      expect(viaApi.entries.map((e) => e.idpId).sort()).toEqual(['idp_entra', 'idp_okta', 'idp_okta'])
      expect(viaApi.entries.every((e) => e.outcome === 'success')).toBe(true)
      // The same link is in the numbers table, for keyboards and screen readers.
      expect(html).toContain(`<a href="${acmeToday!.replace(/&/g, '&amp;')}">3</a>`)
    })

    it('draws them by IdP on request', async () => {
      const browser = await signedIn()
      const html = await (await browser.fetch('/sso/admin?by=idp')).text()
      expect(html).toContain('<a href="/sso/admin?by=idp" aria-current="true">By IdP</a>')
      const [okta] = linksWith(html, `data-series="idp_okta" data-category="${today}" data-count="2"`)
      expect(rowsOf(await (await browser.fetch(okta!)).text())).toEqual(['login', 'login'])
      expect(linksWith(html, `data-series="idp_okta" data-category="${yesterday}" data-count="2"`)).toHaveLength(1)
      expect(linksWith(html, `data-series="idp_entra" data-category="${today}" data-count="1"`)).toHaveLength(1)
    })

    it('lists failures by code, each linking to exactly those failures', async () => {
      const browser = await signedIn()
      const html = await (await browser.fetch('/sso/admin')).text()
      const [expired] = [...html.matchAll(/<li data-key="SAML_EXPIRED" data-count="2"><a href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'))
      expect(expired).toMatch(/^\/sso\/admin\/audit\?action=login&outcome=failure&code=SAML_EXPIRED&since=\d{4}-\d\d-\d\d&until=\d{4}-\d\d-\d\d$/)
      const audit = await (await browser.fetch(expired!)).text()
      expect(rowsOf(audit)).toEqual(['login', 'login'])
      expect(audit).toContain('value="SAML_EXPIRED"')
    })

    it('puts the IdPs that need attention first, each linking to its page', async () => {
      const browser = await signedIn()
      const html = await (await browser.fetch('/sso/admin')).text()
      expect(html.indexOf('id="h-attention"')).toBeLessThan(html.indexOf('id="h-sign-ins"'))
      expect(html).toMatch(/<li data-kind="untested" data-idp="idp_draft"[^>]*>.*<a href="\/sso\/admin\/idps\/idp_draft">IdP idp_draft<\/a>/)
    })

    it('answers the same aggregates as JSON to the API, with the admin token only', async () => {
      expect((await api('/overview', 'not-the-token')).status).toBe(401)
      const res = await api('/overview')
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-store')
      const body = await res.json<Overview>()
      expect(body.signIns).toMatchObject({ total: 6, failed: 2 })
      expect(body.signIns.byOrganization.map((s) => [s.key, s.total])).toEqual([
        [TEST_ORG.id, 5],
        ['org_globex', 1],
      ])
      expect(body.failuresByCode).toEqual([expect.objectContaining({ code: 'SAML_EXPIRED', count: 2 })])
      expect(body.attention.map((a) => a.idpId)).toEqual(['idp_draft'])
    })
  })
})

describe('the audit API time filters', () => {
  it('refuses a time it cannot read with ADMIN_INVALID_FIELD naming the field', async () => {
    for (const [query, field] of [
      ['since=yesterday', 'since'],
      ['until=2031-02-30', 'until'],
      ['since=2031-01-02&until=2031-01-01', 'until'],
    ] as const) {
      const res = await api(`/audit?${query}`)
      expect(res.status, query).toBe(400)
      expect((await res.json<{ error: { code: string; message: string } }>()).error).toMatchObject({
        code: 'ADMIN_INVALID_FIELD',
        message: expect.stringMatching(`^${field}:`),
      })
    }
  })

  it('in the console, shows what was typed and leaves out what does not parse', async () => {
    await write([{ action: 'idp.update', actor: 'admin-token', at: new Date(Date.now() - 2 * DAY_MS) }])
    const browser = await signedIn()
    const html = await (await browser.fetch('/sso/admin/audit?since=yesterday&action=idp.update')).text()
    expect(html).toContain('value="yesterday"')
    expect(rowsOf(html)).toEqual(['idp.update'])
    const recent = await (await browser.fetch(`/sso/admin/audit?since=${Date.now() - DAY_MS}&action=idp.update`)).text()
    expect(rowsOf(recent)).toEqual([])
  })
})
