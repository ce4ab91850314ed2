// The admin console's organization pages (routes/admin-organizations.tsx) as a signed-in admin
// uses them: the list with domains and their status, the add form, and one organization's page:
// edit, add a domain (its TXT record to publish), check now, confirm by hand and remove (each
// dangerous action only with its box ticked), revoke sessions, delete; errors next to their
// fields and audited with their codes; CSRF enforced on every form.
import { env, exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { confirmDomain, createOrganization } from '../../src/admin/organizations'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { hiddenValue, TestBrowser } from '../helpers/browser-fetch'
import { testContext } from '../helpers/context'
import { sampleSession, sessionCookie } from '../helpers/session'
import { seedIdp } from '../helpers/tenants'

async function signedIn(): Promise<{ browser: TestBrowser; csrf: string }> {
  const browser = new TestBrowser()
  const login = await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN, next: '/sso/admin/organizations' } })
  expect(login.status).toBe(303)
  expect(login.headers.get('location')).toBe('/sso/admin/organizations')
  const page = await browser.fetch('/sso/admin/organizations')
  expect(page.status).toBe(200)
  return { browser, csrf: hiddenValue(await page.text(), '_csrf') }
}

let n = 0
/** A fresh organization made through the service (unique names and domains: the file shares its D1). */
async function newOrg(extra: Record<string, unknown> = {}) {
  n++
  return createOrganization(testContext({ actor: 'admin-token' }), { name: `Org ${n}`, domains: [`org${n}.example`], ...extra }, 'api')
}

async function newIdp(organizationId: string, slug: string) {
  return seedIdp(env.DB, `idp_${slug.replace(/-/g, '_')}`, {
    name: `IdP ${slug}`,
    slug,
    entityId: `https://${slug}.idp.test/saml`,
    ssoUrl: `https://${slug}.idp.test/sso`,
    certificates: [TEST_IDP_CERT],
    organizationId,
  })
}

async function domainRow(domain: string) {
  return env.DB.prepare('SELECT organization_id, status, verification_method, token, last_check_error FROM organization_domains WHERE domain = ?')
    .bind(domain)
    .first<{ organization_id: string; status: string; verification_method: string | null; token: string; last_check_error: string | null }>()
}

/** The table row of one domain on an organization page. */
function domainHtml(page: string, domain: string): string {
  const m = new RegExp(`<tr data-domain="${domain.replace(/\./g, '\\.')}">([\\s\\S]*?)</tr>`).exec(page)
  if (!m) throw new Error(`no row for ${domain}`)
  return m[1]!
}

async function lastAudit(action: string, outcome: string) {
  const row = await env.DB.prepare('SELECT * FROM audit_log WHERE action = ? AND outcome = ? ORDER BY id DESC')
    .bind(action, outcome)
    .first<Record<string, unknown>>()
  return row && { ...row, detail: JSON.parse(String(row.detail)) as Record<string, unknown> }
}

const errorCodeOf = (html: string) => /data-testid="error-code">([A-Z_]+)</.exec(html)?.[1]
const me = (cookie: string) => exports.default.fetch('https://support.example.com/sso/me', { headers: { cookie, accept: 'application/json' } })

/** Answers the worker's DNS-over-HTTPS lookups (through the global fetch) from `records`. */
function serveDns(records: Record<string, string>) {
  return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
    const name = new URL(input instanceof Request ? input.url : String(input)).searchParams.get('name') ?? ''
    const value = records[name]
    return Response.json(value ? { Status: 0, Answer: [{ name, type: 16, TTL: 60, data: JSON.stringify(value) }] } : { Status: 3 })
  })
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('organization list', () => {
  it('sends anonymous visitors to the sign-in form', async () => {
    const res = await new TestBrowser().fetch('/sso/admin/organizations')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/sso/admin/login?next=%2Fsso%2Fadmin%2Forganizations')
  })

  it('shows each organization with its domains and their status, its IdPs, live sessions and a trustAnyEmail warning', async () => {
    const org = await newOrg({ domains: [`verified${n + 1}.example`, `pending${n + 1}.example`], trustAnyEmail: true })
    await confirmDomain(testContext(), org.id, `verified${n}.example`)
    await newIdp(org.id, `list-idp-${n}`)
    await sessionCookie(sampleSession({ idpId: `idp_list_idp_${n}`, idpSlug: `list-idp-${n}`, organizationId: org.id, organizationSlug: org.slug }))
    const { browser } = await signedIn()
    const html = await (await browser.fetch('/sso/admin/organizations')).text()
    const row = new RegExp(`<tr data-org="${org.slug}">([\\s\\S]*?)</tr>`).exec(html)![1]!
    expect(row).toContain(`href="/sso/admin/organizations/${org.id}">${org.name}</a>`)
    expect(row).toContain(`data-domain="verified${n}.example" data-status="verified"`)
    expect(row).toContain(`verified${n}.example · verified (manual)`)
    expect(row).toContain(`data-domain="pending${n}.example" data-status="pending"`)
    expect(row).toContain(`pending${n}.example · pending`)
    expect(row).toContain(`IdP list-idp-${n}`)
    expect(row).toContain('data-testid="live-sessions">1<')
    expect(row).toContain('trusts any email')
    expect(html).toContain('href="/sso/admin/organizations/new"')
  })

  it('answers an unknown organization with 404 ADMIN_ORGANIZATION_NOT_FOUND', async () => {
    const { browser } = await signedIn()
    const res = await browser.fetch('/sso/admin/organizations/org_nope')
    expect(res.status).toBe(404)
    expect(errorCodeOf(await res.text())).toBe('ADMIN_ORGANIZATION_NOT_FOUND')
  })
})

describe('adding an organization', () => {
  it('adds one with the form and shows the TXT record to publish for each domain', async () => {
    const { browser, csrf } = await signedIn()
    const form = await (await browser.fetch('/sso/admin/organizations/new')).text()
    expect(form).toContain('action="/sso/admin/organizations"')
    for (const field of ['name', 'slug', 'domains', 'helpdeskOrganization']) expect(form).toContain(`name="${field}"`)

    const created = await browser.fetch('/sso/admin/organizations', {
      form: {
        _csrf: csrf,
        name: 'Initech',
        domains: 'Initech.example, initech.co.uk',
        helpdeskOrganization: 'Initech',
        enabled: 'true',
        trustAnyEmail: 'false',
      },
    })
    expect(created.status).toBe(303)
    const location = created.headers.get('location')!
    expect(location).toMatch(/^\/sso\/admin\/organizations\/org_[0-9a-f]+\?flash=org-created$/)
    const page = await (await browser.fetch(location)).text()
    expect(page).toContain('Organization added.')
    for (const domain of ['initech.example', 'initech.co.uk']) {
      const row = domainHtml(page, domain)
      const { token, status } = (await domainRow(domain))!
      expect(status).toBe('pending')
      expect(row).toContain(`<code>_edge-sso-challenge.${domain}</code>`)
      expect(row).toContain(`<code data-testid="txt-value">edge-sso-verify=${token}</code>`)
      expect(row).toContain('Check now')
      expect(row).toContain('Confirm by hand')
    }
    expect(await lastAudit('organization.create', 'success')).toMatchObject({ actor: 'admin-token', detail: { name: 'Initech', via: 'console' } })
  })

  it("shows a refused form's error next to its field, keeps what was typed, and audits the code", async () => {
    const holder = await newOrg()
    const { browser, csrf } = await signedIn()
    const count = async () => (await env.DB.prepare('SELECT COUNT(*) AS n FROM organizations').first<{ n: number }>())!.n
    const before = await count()

    const noName = await browser.fetch('/sso/admin/organizations', { form: { _csrf: csrf, name: '', domains: 'keep.example', enabled: 'true' } })
    expect(noName.status).toBe(400)
    const html = await noName.text()
    expect(html).toContain('data-error-for="name">name: must be a non-empty string')
    expect(html).toContain('keep.example')
    expect(await lastAudit('organization.create', 'failure')).toMatchObject({ code: 'ADMIN_INVALID_FIELD', actor: 'admin-token', detail: { field: 'name' } })

    const badDomain = await browser.fetch('/sso/admin/organizations', { form: { _csrf: csrf, name: 'Keep me', domains: 'ok.example, not a domain' } })
    expect(badDomain.status).toBe(400)
    const bad = await badDomain.text()
    expect(bad).toMatch(/data-error-for="domains">domains\[1\]: must be a domain/)
    expect(bad).toContain('value="Keep me"')

    const conflict = await browser.fetch('/sso/admin/organizations', { form: { _csrf: csrf, name: 'Copycat', domains: `ORG${n}.example` } })
    expect(conflict.status).toBe(400)
    expect(await conflict.text()).toContain(`data-error-for="domains">org${n}.example already belongs to organization ${holder.id}`)
    expect(await lastAudit('organization.create', 'failure')).toMatchObject({ code: 'ADMIN_CONFLICT', detail: { domain: `org${n}.example` } })
    expect(await count()).toBe(before)
  })
})

describe("an organization's page", () => {
  it('saves its settings, shows the trustAnyEmail warning, and refuses a group refinement for an IdP that is not its own', async () => {
    const org = await newOrg()
    const other = await newOrg()
    await newIdp(org.id, `own-${n}`)
    await newIdp(other.id, `foreign-${n}`)
    const { browser, csrf } = await signedIn()
    const base = { _csrf: csrf, name: org.name, slug: org.slug, enabled: 'true', helpdeskOrganization: '' }

    const saved = await browser.fetch(`/sso/admin/organizations/${org.id}`, {
      form: { ...base, trustAnyEmail: 'true', groupMappings: `own-${n}: EMEA = Org EMEA` },
    })
    expect(saved.status).toBe(303)
    expect(saved.headers.get('location')).toBe(`/sso/admin/organizations/${org.id}?flash=saved`)
    const page = await (await browser.fetch(saved.headers.get('location')!)).text()
    expect(page).toContain('Changes saved.')
    expect(page).toMatch(/data-testid="org-warning">[^<]*any email/)
    expect(page).toContain(`own-${n}: EMEA = Org EMEA`)
    // The edit form leaves domains alone.
    expect((await domainRow(`org${n - 1}.example`))!.organization_id).toBe(org.id)

    const refused = await browser.fetch(`/sso/admin/organizations/${org.id}`, {
      form: { ...base, trustAnyEmail: 'false', groupMappings: `foreign-${n}: EMEA = Stolen` },
    })
    expect(refused.status).toBe(400)
    const html = await refused.text()
    expect(html).toContain(`data-error-for="groupMappings">groupMappings[0].idp: foreign-${n} is not an IdP of this organization`)
    expect(html).toContain(`foreign-${n}: EMEA = Stolen`)
    expect(await lastAudit('organization.update', 'failure')).toMatchObject({ code: 'ADMIN_INVALID_FIELD', detail: { field: 'groupMappings[0].idp' } })
    // Nothing of the refused form was saved.
    expect(await (await browser.fetch(`/sso/admin/organizations/${org.id}`)).text()).toContain(`own-${n}: EMEA = Org EMEA`)
  })

  it('adds a domain and shows the TXT record to publish; a malformed or taken one is refused in place', async () => {
    const holder = await newOrg()
    const taken = `org${n}.example`
    const org = await newOrg()
    const { browser, csrf } = await signedIn()
    const added = await browser.fetch(`/sso/admin/organizations/${org.id}/domains`, { form: { _csrf: csrf, domain: `Support${n}.Example` } })
    expect(added.status).toBe(303)
    expect(added.headers.get('location')).toBe(`/sso/admin/organizations/${org.id}?flash=domain-added`)
    const page = await (await browser.fetch(added.headers.get('location')!)).text()
    expect(page).toContain('Domain added: publish its TXT record, then check it.')
    const row = domainHtml(page, `support${n}.example`)
    expect(row).toContain(`_edge-sso-challenge.support${n}.example`)
    expect(row).toContain(`edge-sso-verify=${(await domainRow(`support${n}.example`))!.token}`)
    expect(row).toContain('data-status="pending"')

    const bad = await browser.fetch(`/sso/admin/organizations/${org.id}/domains`, { form: { _csrf: csrf, domain: 'not a domain' } })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toMatch(/data-error-for="domain">domain: must be a domain/)

    const refused = await browser.fetch(`/sso/admin/organizations/${org.id}/domains`, { form: { _csrf: csrf, domain: taken.toUpperCase() } })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain(`data-error-for="domain">${taken} already belongs to organization ${holder.id}`)
    expect((await domainRow(taken))!.organization_id).toBe(holder.id)
    expect(await lastAudit('domain.claim', 'failure')).toMatchObject({ code: 'ADMIN_CONFLICT' })
  })

  it('"Check now" keeps an unpublished domain pending and shows why; once published, verifies it', async () => {
    const org = await newOrg()
    const domain = `org${n}.example`
    const { browser, csrf } = await signedIn()
    serveDns({})
    const pending = await browser.fetch(`/sso/admin/organizations/${org.id}/domains/${domain}/check`, { form: { _csrf: csrf } })
    expect(pending.status).toBe(303)
    expect(pending.headers.get('location')).toBe(`/sso/admin/organizations/${org.id}?flash=domain-pending`)
    const page = await (await browser.fetch(pending.headers.get('location')!)).text()
    expect(page).toMatch(/class="flash error" role="alert">Not verified yet: see the last check below\./)
    expect(domainHtml(page, domain)).toContain(`Last check: no TXT record at _edge-sso-challenge.${domain} yet`)

    vi.restoreAllMocks()
    serveDns({ [`_edge-sso-challenge.${domain}`]: `edge-sso-verify=${(await domainRow(domain))!.token}` })
    const verified = await browser.fetch(`/sso/admin/organizations/${org.id}/domains/${domain}/check`, { form: { _csrf: csrf } })
    expect(verified.headers.get('location')).toBe(`/sso/admin/organizations/${org.id}?flash=domain-verified`)
    const after = domainHtml(await (await browser.fetch(`/sso/admin/organizations/${org.id}`)).text(), domain)
    expect(after).toContain('data-status="verified"')
    expect(after).not.toContain('Last check')
    expect(after).not.toContain('Check now')
  })

  it('confirms a domain by hand only with the confirmation box ticked', async () => {
    const org = await newOrg()
    const domain = `org${n}.example`
    const { browser, csrf } = await signedIn()
    const page = await (await browser.fetch(`/sso/admin/organizations/${org.id}`)).text()
    expect(domainHtml(page, domain)).toMatch(/<input type="checkbox" name="confirm" value="yes" required=""\s*\/?> I know this company owns it/)

    const unticked = await browser.fetch(`/sso/admin/organizations/${org.id}/domains/${domain}/confirm`, { form: { _csrf: csrf } })
    expect(unticked.status).toBe(400)
    const html = await unticked.text()
    expect(errorCodeOf(html)).toBe('ADMIN_INVALID_FIELD')
    expect(html).toMatch(/data-testid="action-error">[\s\S]*confirm: tick the confirmation box first/)
    expect(domainHtml(html, domain)).toContain('Confirm by hand')
    expect(await domainRow(domain)).toMatchObject({ status: 'pending', verification_method: null })
    expect(await lastAudit('domain.confirm', 'failure')).toMatchObject({ code: 'ADMIN_INVALID_FIELD', detail: { field: 'confirm' } })

    const ticked = await browser.fetch(`/sso/admin/organizations/${org.id}/domains/${domain}/confirm`, { form: { _csrf: csrf, confirm: 'yes' } })
    expect(ticked.status).toBe(303)
    expect(ticked.headers.get('location')).toBe(`/sso/admin/organizations/${org.id}?flash=domain-verified`)
    const after = await (await browser.fetch(ticked.headers.get('location')!)).text()
    expect(after).toContain('Domain verified.')
    expect(domainHtml(after, domain)).toContain(`${domain} · verified (manual)`)
    expect(domainHtml(after, domain)).not.toContain('Confirm by hand')
    expect(await domainRow(domain)).toMatchObject({ status: 'verified', verification_method: 'manual' })
    expect(await lastAudit('domain.confirm', 'success')).toMatchObject({ actor: 'admin-token', detail: { domain, method: 'manual' } })
  })

  it('removes a domain only with the confirmation box ticked', async () => {
    const org = await newOrg()
    const domain = `org${n}.example`
    const { browser, csrf } = await signedIn()
    const unticked = await browser.fetch(`/sso/admin/organizations/${org.id}/domains/${domain}/delete`, { form: { _csrf: csrf } })
    expect(unticked.status).toBe(400)
    expect(errorCodeOf(await unticked.text())).toBe('ADMIN_INVALID_FIELD')
    expect(await domainRow(domain)).not.toBeNull()

    const ticked = await browser.fetch(`/sso/admin/organizations/${org.id}/domains/${domain}/delete`, { form: { _csrf: csrf, confirm: 'yes' } })
    expect(ticked.headers.get('location')).toBe(`/sso/admin/organizations/${org.id}?flash=domain-removed`)
    const page = await (await browser.fetch(ticked.headers.get('location')!)).text()
    expect(page).toContain('Domain removed.')
    expect(page).not.toContain(`<tr data-domain="${domain}">`)
    expect(await domainRow(domain)).toBeNull()
    expect(await lastAudit('domain.release', 'success')).toMatchObject({ detail: { organizationId: org.id, domain } })
  })

  it("revokes the organization's sessions after confirmation: its users are signed out", async () => {
    const org = await newOrg()
    const slug = `revoke-${n}`
    await newIdp(org.id, slug)
    const session = (nameId: string) =>
      sessionCookie(sampleSession({ idpId: `idp_revoke_${n}`, idpSlug: slug, organizationId: org.id, organizationSlug: org.slug, nameId }))
    const cookies = [await session('jane@org.example'), await session('john@org.example')]
    const elsewhere = await sessionCookie(sampleSession())
    const { browser, csrf } = await signedIn()
    expect(await (await browser.fetch(`/sso/admin/organizations/${org.id}`)).text()).toContain('data-testid="live-sessions">2<')

    const unticked = await browser.fetch(`/sso/admin/organizations/${org.id}/sessions/revoke`, { form: { _csrf: csrf } })
    expect(unticked.status).toBe(400)
    for (const c of cookies) expect((await me(c)).status).toBe(200)

    const ticked = await browser.fetch(`/sso/admin/organizations/${org.id}/sessions/revoke`, { form: { _csrf: csrf, confirm: 'yes' } })
    expect(ticked.headers.get('location')).toBe(`/sso/admin/organizations/${org.id}?flash=revoked&n=2`)
    const page = await (await browser.fetch(ticked.headers.get('location')!)).text()
    expect(page).toContain('2 session(s) revoked.')
    expect(page).toContain('data-testid="live-sessions">0<')
    for (const c of cookies) expect((await me(c)).status).toBe(401)
    expect((await me(elsewhere)).status).toBe(200)
    expect(await lastAudit('sessions.revoke', 'success')).toMatchObject({ detail: { organizationId: org.id, revoked: 2, via: 'console' } })
  })

  it('deletes an organization after confirmation, and not while IdPs remain in it', async () => {
    const withIdp = await newOrg()
    await newIdp(withIdp.id, `keeps-${n}`)
    const org = await newOrg()
    const { browser, csrf } = await signedIn()
    // The delete button is offered only once no IdP is left; posted anyway, it is refused.
    expect(await (await browser.fetch(`/sso/admin/organizations/${withIdp.id}`)).text()).not.toContain('Delete organization')
    const refused = await browser.fetch(`/sso/admin/organizations/${withIdp.id}/delete`, { form: { _csrf: csrf, confirm: 'yes' } })
    expect(refused.status).toBe(409)
    const refusedPage = await refused.text()
    expect(errorCodeOf(refusedPage)).toBe('ADMIN_CONFLICT')
    // The organization's own page again, the reason at its top.
    expect(refusedPage).toMatch(/data-testid="action-error">[\s\S]*still has 1 IdP\(s\): move or delete them first/)

    expect(await (await browser.fetch(`/sso/admin/organizations/${org.id}`)).text()).toContain('Delete organization')
    const unticked = await browser.fetch(`/sso/admin/organizations/${org.id}/delete`, { form: { _csrf: csrf } })
    expect(unticked.status).toBe(400)
    expect((await browser.fetch(`/sso/admin/organizations/${org.id}`)).status).toBe(200)

    const ticked = await browser.fetch(`/sso/admin/organizations/${org.id}/delete`, { form: { _csrf: csrf, confirm: 'yes' } })
    expect(ticked.headers.get('location')).toBe('/sso/admin/organizations?flash=org-deleted')
    const list = await (await browser.fetch(ticked.headers.get('location')!)).text()
    expect(list).toContain('Organization deleted.')
    expect(list).not.toContain(`/sso/admin/organizations/${org.id}"`)
    expect(list).toContain(`/sso/admin/organizations/${withIdp.id}"`)
    expect(await domainRow(`org${n}.example`)).toBeNull()
  })
})

describe('CSRF', () => {
  it('refuses every organization form without the CSRF token, or from another site, changing nothing', async () => {
    const org = await newOrg()
    const domain = `org${n}.example`
    const { browser, csrf } = await signedIn()
    const posts: [string, Record<string, string>][] = [
      ['/sso/admin/organizations', { name: 'Forged' }],
      [`/sso/admin/organizations/${org.id}`, { name: 'Forged', enabled: 'false' }],
      [`/sso/admin/organizations/${org.id}/domains`, { domain: 'forged.example' }],
      [`/sso/admin/organizations/${org.id}/domains/${domain}/check`, {}],
      [`/sso/admin/organizations/${org.id}/domains/${domain}/confirm`, { confirm: 'yes' }],
      [`/sso/admin/organizations/${org.id}/domains/${domain}/delete`, { confirm: 'yes' }],
      [`/sso/admin/organizations/${org.id}/sessions/revoke`, { confirm: 'yes' }],
      [`/sso/admin/organizations/${org.id}/delete`, { confirm: 'yes' }],
    ]
    for (const [path, form] of posts) {
      const noToken = await browser.fetch(path, { form, headers: { accept: 'application/json' } })
      expect(noToken.status, path).toBe(403)
      expect((await noToken.json<{ error: { code: string } }>()).error.code).toBe('ADMIN_CSRF_REJECTED')
      const crossSite = await browser.fetch(path, {
        form: { ...form, _csrf: csrf },
        crossSite: true,
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', accept: 'application/json' },
      })
      expect(crossSite.status, path).toBe(403)
    }
    expect(await env.DB.prepare('SELECT name, enabled FROM organizations WHERE id = ?').bind(org.id).first()).toEqual({ name: org.name, enabled: 1 })
    expect(await domainRow(domain)).toMatchObject({ status: 'pending', organization_id: org.id })
    expect(await domainRow('forged.example')).toBeNull()
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM organizations WHERE name = 'Forged'").first('n')).toBe(0)
  })
})
