// The admin API's organizations over HTTP (Bearer ADMIN_TOKEN): CRUD, domain claims and their
// 409s, confirm by hand, "check now" (the worker's DoH resolver, answered here through the global
// fetch: no network), releasing domains, revoking sessions by organization, IdP or subject (the
// session cookie stops working), and the organization an IdP created through /idps speaks for.
import { env, exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { sampleSession, sessionCookie } from '../helpers/session'

const API = 'https://support.example.com/sso/admin/api'
const AUTH = { authorization: `Bearer ${env.ADMIN_TOKEN}` }

function api(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  return exports.default.fetch(`${API}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...AUTH, 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
}

type ErrorBody = { error: { code: string; message: string; field?: string; requestId: string } }
type DomainBody = {
  domain: string
  status: 'pending' | 'verified'
  verificationMethod: string | null
  lastCheckedAt: string | null
  lastCheckError: string | null
  txtRecord: { name: string; type: string; value: string }
}
type OrgBody = {
  id: string
  name: string
  slug: string
  enabled: boolean
  trustAnyEmail: boolean
  helpdeskOrganization: string | null
  domains: DomainBody[]
  idps: { id: string; slug: string }[]
  liveSessions: number
  warnings: string[]
}

let n = 0
/** A fresh organization (unique name and domains: the file shares its D1). */
async function newOrg(extra: Record<string, unknown> = {}): Promise<OrgBody> {
  n++
  const res = await api('/organizations', { method: 'POST', body: { name: `Org ${n}`, domains: [`org${n}.example`], ...extra } })
  expect(res.status).toBe(201)
  return res.json<OrgBody>()
}

/** An IdP of `organizationId` through the API. */
async function newIdp(organizationId: string | undefined, slug: string, extra: Record<string, unknown> = {}) {
  return api('/idps', {
    method: 'POST',
    body: {
      name: `IdP ${slug}`,
      slug,
      entityId: `https://${slug}.idp.test/saml`,
      ssoUrl: `https://${slug}.idp.test/sso`,
      certificates: [TEST_IDP_CERT],
      ...(organizationId ? { organizationId } : {}),
      // Live at once: these tests sign in with it (drafts have their own tests).
      enabled: true,
      skipTest: true,
      ...extra,
    },
  })
}

const me = (cookie: string) => exports.default.fetch('https://support.example.com/sso/me', { headers: { cookie, accept: 'application/json' } })

async function auditRow(action: string, outcome = 'success') {
  const row = await env.DB.prepare('SELECT * FROM audit_log WHERE action = ? AND outcome = ? ORDER BY id DESC')
    .bind(action, outcome)
    .first<Record<string, unknown>>()
  return row && { ...row, detail: JSON.parse(String(row.detail)) as Record<string, unknown> }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('organizations API', () => {
  it('answers 401 without the admin token', async () => {
    for (const [method, path] of [
      ['GET', '/organizations'],
      ['POST', '/organizations'],
      ['DELETE', '/sessions?subject=x:y'],
    ] as const) {
      const res = await exports.default.fetch(`${API}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'POST' ? '{}' : undefined,
      })
      expect(res.status, `${method} ${path}`).toBe(401)
      expect((await res.json<ErrorBody>()).error.code).toBe('ADMIN_AUTH_REQUIRED')
    }
  })

  it('creates (201) with pending domains and their TXT records, lists and reads it, audited', async () => {
    const res = await api('/organizations', {
      method: 'POST',
      body: { name: 'Umbrella Corp', domains: ['Umbrella.example'], helpdeskOrganization: 'Umbrella' },
    })
    expect(res.status).toBe(201)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const org = await res.json<OrgBody>()
    expect(org).toMatchObject({
      name: 'Umbrella Corp',
      slug: 'umbrella-corp',
      enabled: true,
      trustAnyEmail: false,
      helpdeskOrganization: 'Umbrella',
      idps: [],
      liveSessions: 0,
      warnings: [],
      domains: [
        {
          domain: 'umbrella.example',
          status: 'pending',
          verificationMethod: null,
          txtRecord: { name: '_edge-sso-challenge.umbrella.example', type: 'TXT', value: expect.stringMatching(/^edge-sso-verify=[0-9a-f]{32}$/) },
        },
      ],
    })
    expect(await auditRow('organization.create')).toMatchObject({ actor: 'admin-token', detail: { organizationId: org.id, via: 'api' } })

    const list = await (await api('/organizations')).json<{ organizations: OrgBody[] }>()
    expect(list.organizations.find((o) => o.id === org.id)).toEqual(org)
    expect(await (await api(`/organizations/${org.id}`)).json()).toEqual(org)
  })

  it('answers 400 ADMIN_INVALID_FIELD naming the field, and audits the refusal', async () => {
    for (const [body, field] of [
      [{}, 'name'],
      [{ name: 'X', domains: ['ok.example', 'not a domain'] }, 'domains[1]'],
      [{ name: 'X', slug: 'Bad Slug' }, 'slug'],
      [{ name: 'X', trustAnyEmail: 'yes' }, 'trustAnyEmail'],
      [{ name: 'X', colour: 'red' }, 'colour'],
    ] as const) {
      const res = await api('/organizations', { method: 'POST', body })
      expect(res.status, field).toBe(400)
      const err = (await res.json<ErrorBody>()).error
      expect(err).toMatchObject({ code: 'ADMIN_INVALID_FIELD', field })
      expect(err.message).toContain(field)
    }
    expect(await auditRow('organization.create', 'failure')).toMatchObject({ code: 'ADMIN_INVALID_FIELD', actor: 'admin-token', detail: { field: 'colour' } })
  })

  it('answers 404 ADMIN_ORGANIZATION_NOT_FOUND for an unknown id on every route', async () => {
    for (const [method, path, body] of [
      ['GET', '/organizations/org_nope', undefined],
      ['PATCH', '/organizations/org_nope', { name: 'X' }],
      ['DELETE', '/organizations/org_nope', undefined],
      ['POST', '/organizations/org_nope/domains', { domain: 'x.example' }],
      ['DELETE', '/organizations/org_nope/sessions', undefined],
    ] as const) {
      const res = await api(path, { method, body })
      expect(res.status, `${method} ${path}`).toBe(404)
      expect((await res.json<ErrorBody>()).error.code).toBe('ADMIN_ORGANIZATION_NOT_FOUND')
    }
  })

  it('patches and replaces: PATCH keeps the rest, PUT needs a name and replaces the domain list', async () => {
    const org = await newOrg({ helpdeskOrganization: 'HD' })
    const patched = await api(`/organizations/${org.id}`, { method: 'PATCH', body: { trustAnyEmail: true } })
    expect(patched.status).toBe(200)
    const p = await patched.json<OrgBody>()
    expect(p).toMatchObject({ name: org.name, helpdeskOrganization: 'HD', trustAnyEmail: true })
    expect(p.warnings).toHaveLength(1)
    expect(p.warnings[0]).toMatch(/any email/)

    const noName = await api(`/organizations/${org.id}`, { method: 'PUT', body: { domains: [] } })
    expect(noName.status).toBe(400)
    expect((await noName.json<ErrorBody>()).error.field).toBe('name')

    const put = await api(`/organizations/${org.id}`, { method: 'PUT', body: { name: 'Renamed', domains: [`new${n}.example`] } })
    expect(put.status).toBe(200)
    const r = await put.json<OrgBody>()
    // The slug never changes (X-SSO-Org): a PUT without one keeps it, one with another is refused.
    expect(r).toMatchObject({ name: 'Renamed', slug: org.slug })
    const reslug = await api(`/organizations/${org.id}`, { method: 'PUT', body: { name: 'Renamed', slug: `renamed-${n}` } })
    expect(reslug.status).toBe(400)
    expect((await reslug.json<ErrorBody>()).error.field).toBe('slug')
    expect(r.domains.map((d) => [d.domain, d.status])).toEqual([[`new${n}.example`, 'pending']])
    expect(await auditRow('organization.update')).toMatchObject({
      detail: { organizationId: org.id, domainsAdded: [`new${n}.example`], domainsRemoved: [org.domains[0]!.domain], via: 'api' },
    })
  })

  it('deletes an organization without IdPs (204); one with IdPs is a 409 naming them', async () => {
    const org = await newOrg()
    const withIdp = await newOrg()
    expect((await newIdp(withIdp.id, `del-${n}`)).status).toBe(201)
    const refused = await api(`/organizations/${withIdp.id}`, { method: 'DELETE' })
    expect(refused.status).toBe(409)
    expect((await refused.json<ErrorBody>()).error).toMatchObject({
      code: 'ADMIN_CONFLICT',
      field: 'idps',
      message: expect.stringMatching(/move or delete them first/),
    })
    expect((await api(`/organizations/${withIdp.id}`)).status).toBe(200)

    const res = await api(`/organizations/${org.id}`, { method: 'DELETE' })
    expect(res.status).toBe(204)
    expect((await api(`/organizations/${org.id}`)).status).toBe(404)
    // Its domain is free again.
    expect((await api('/organizations', { method: 'POST', body: { name: `Heir ${n}`, domains: [org.domains[0]!.domain] } })).status).toBe(201)
    expect(await auditRow('organization.delete')).toMatchObject({ detail: { organizationId: org.id, sessionsRevoked: 0, via: 'api' } })
  })
})

describe('domains API', () => {
  it('adds a domain (201, pending, with its TXT record) as typed, normalized', async () => {
    const org = await newOrg()
    const res = await api(`/organizations/${org.id}/domains`, { method: 'POST', body: { domain: `Sales${n}.Example` } })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({
      domain: `sales${n}.example`,
      status: 'pending',
      txtRecord: { name: `_edge-sso-challenge.sales${n}.example`, type: 'TXT', value: expect.stringMatching(/^edge-sso-verify=/) },
    })
    const bad = await api(`/organizations/${org.id}/domains`, { method: 'POST', body: { domain: 'not a domain' } })
    expect(bad.status).toBe(400)
    expect((await bad.json<ErrorBody>()).error).toMatchObject({ code: 'ADMIN_INVALID_FIELD', field: 'domain' })
  })

  it("answers 409 for another organization's domain, naming the domain and what to do", async () => {
    const holder = await newOrg()
    const org = await newOrg()
    const taken = holder.domains[0]!.domain
    const res = await api(`/organizations/${org.id}/domains`, { method: 'POST', body: { domain: taken.toUpperCase() } })
    expect(res.status).toBe(409)
    const err = (await res.json<ErrorBody>()).error
    expect(err).toMatchObject({ code: 'ADMIN_CONFLICT', field: 'domains' })
    expect(err.message).toContain(`${taken} already belongs to organization ${holder.id}`)
    expect(err.message).toMatch(/remove the domain there first/)
    expect((await (await api(`/organizations/${org.id}`)).json<OrgBody>()).domains.map((d) => d.domain)).toEqual([org.domains[0]!.domain])
    expect(await auditRow('domain.claim', 'failure')).toMatchObject({ code: 'ADMIN_CONFLICT', detail: { domain: taken, organizationId: holder.id } })

    // Same through PATCH and POST: the whole request is refused.
    const patch = await api(`/organizations/${org.id}`, { method: 'PATCH', body: { domains: [org.domains[0]!.domain, `more${n}.example`, taken] } })
    expect(patch.status).toBe(409)
    expect((await (await api(`/organizations/${org.id}`)).json<OrgBody>()).domains.map((d) => d.domain)).toEqual([org.domains[0]!.domain])
    const post = await api('/organizations', { method: 'POST', body: { name: `Copycat ${n}`, domains: [taken] } })
    expect(post.status).toBe(409)
    const list = await (await api('/organizations')).json<{ organizations: OrgBody[] }>()
    expect(list.organizations.map((o) => o.name)).not.toContain(`Copycat ${n}`)
  })

  it('confirms a domain by hand: verified "manual", audited', async () => {
    const org = await newOrg()
    const domain = org.domains[0]!.domain
    const res = await api(`/organizations/${org.id}/domains/${domain.toUpperCase()}/confirm`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ domain, status: 'verified', verificationMethod: 'manual' })
    expect((await (await api(`/organizations/${org.id}`)).json<OrgBody>()).domains[0]).toMatchObject({ status: 'verified', verificationMethod: 'manual' })
    expect(await auditRow('domain.confirm')).toMatchObject({ actor: 'admin-token', detail: { organizationId: org.id, domain, method: 'manual' } })
  })

  it('"check now" without the record keeps the domain pending with the reason (200), audited as a failed check', async () => {
    const org = await newOrg()
    const domain = org.domains[0]!
    // The worker's resolver (DOH_URL unset: Cloudflare's DoH endpoint) asked through the global
    // fetch, answered here: NXDOMAIN, as for a record not published yet.
    const dohCalls: string[] = []
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      const url = new URL(input instanceof Request ? input.url : String(input))
      dohCalls.push(`${url.origin}${url.pathname}?name=${url.searchParams.get('name')}&type=${url.searchParams.get('type')}`)
      return Response.json({ Status: 3 }, { headers: { 'content-type': 'application/dns-json' } })
    })
    const res = await api(`/organizations/${org.id}/domains/${domain.domain}/check`, { method: 'POST' })
    expect(res.status).toBe(200)
    const body = await res.json<DomainBody>()
    expect(body).toMatchObject({ domain: domain.domain, status: 'pending', lastCheckError: `no TXT record at ${domain.txtRecord.name} yet` })
    expect(body.lastCheckedAt).not.toBeNull()
    expect(dohCalls).toEqual([`https://cloudflare-dns.com/dns-query?name=${domain.txtRecord.name}&type=TXT`])
    expect(await auditRow('domain.verify', 'failure')).toMatchObject({
      code: 'ADMIN_DOMAIN_NOT_VERIFIED',
      detail: { domain: domain.domain, expected: domain.txtRecord.value, at: domain.txtRecord.name },
    })
  })

  it('"check now" with a resolver that cannot be reached keeps the domain pending and says so', async () => {
    const org = await newOrg()
    const domain = org.domains[0]!.domain
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('Network connection lost.'))
    const res = await api(`/organizations/${org.id}/domains/${domain}/check`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'pending', lastCheckError: 'the DNS resolver did not answer' })
  })

  it('"check now" with the record published verifies the domain by DNS', async () => {
    const org = await newOrg()
    const domain = org.domains[0]!
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      const name = new URL(input instanceof Request ? input.url : String(input)).searchParams.get('name')
      const Answer = name === domain.txtRecord.name ? [{ name, type: 16, TTL: 300, data: JSON.stringify(domain.txtRecord.value) }] : []
      return Response.json({ Status: 0, Answer })
    })
    const res = await api(`/organizations/${org.id}/domains/${domain.domain}/check`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'verified', verificationMethod: 'dns', lastCheckError: null })
    expect(await auditRow('domain.verify')).toMatchObject({ detail: { domain: domain.domain, method: 'dns' } })
  })

  it('removes a domain (204); an unknown one is 404 ADMIN_DOMAIN_NOT_FOUND', async () => {
    const org = await newOrg()
    const domain = org.domains[0]!.domain
    const res = await api(`/organizations/${org.id}/domains/${domain}`, { method: 'DELETE' })
    expect(res.status).toBe(204)
    expect((await (await api(`/organizations/${org.id}`)).json<OrgBody>()).domains).toEqual([])
    const again = await api(`/organizations/${org.id}/domains/${domain}`, { method: 'DELETE' })
    expect(again.status).toBe(404)
    expect((await again.json<ErrorBody>()).error.code).toBe('ADMIN_DOMAIN_NOT_FOUND')
    for (const step of ['check', 'confirm']) {
      const missing = await api(`/organizations/${org.id}/domains/nowhere.example/${step}`, { method: 'POST' })
      expect(missing.status).toBe(404)
      expect((await missing.json<ErrorBody>()).error.code).toBe('ADMIN_DOMAIN_NOT_FOUND')
    }
  })
})

describe('revoking sessions', () => {
  /** An organization with two IdPs and three signed-in users, plus one user elsewhere. */
  async function tenants() {
    const org = await newOrg()
    const other = await newOrg()
    const slugs = [`okta-${n}`, `entra-${n}`, `other-${n}`]
    const idps: string[] = []
    for (const [i, slug] of slugs.entries()) {
      const res = await newIdp(i < 2 ? org.id : other.id, slug)
      expect(res.status).toBe(201)
      idps.push((await res.json<{ id: string }>()).id)
    }
    const cookie = (i: number, nameId: string) =>
      sessionCookie(
        sampleSession({
          idpId: idps[i]!,
          idpSlug: slugs[i]!,
          organizationId: i < 2 ? org.id : other.id,
          organizationSlug: i < 2 ? org.slug : other.slug,
          nameId,
        }),
      )
    const cookies = {
      oktaJane: await cookie(0, 'jane@acme.example'),
      oktaJohn: await cookie(0, 'john@acme.example'),
      entraJane: await cookie(1, 'jane@acme.example'),
      elsewhere: await cookie(2, 'bob@other.example'),
    }
    for (const c of Object.values(cookies)) expect((await me(c)).status).toBe(200)
    return { org, other, idps, slugs, cookies }
  }

  async function signedIn(cookies: Record<string, string>): Promise<string[]> {
    const out: string[] = []
    for (const [name, c] of Object.entries(cookies)) if ((await me(c)).status === 200) out.push(name)
    return out
  }

  it("DELETE /organizations/:id/sessions ends the organization's sessions and counts them", async () => {
    const { org, other, cookies } = await tenants()
    expect((await (await api(`/organizations/${org.id}`)).json<OrgBody>()).liveSessions).toBe(3)
    const res = await api(`/organizations/${org.id}/sessions`, { method: 'DELETE' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ revoked: 3, remaining: 0 })
    expect(await signedIn(cookies)).toEqual(['elsewhere'])
    expect((await me(cookies.oktaJane)).status).toBe(401)
    expect((await (await api(`/organizations/${org.id}`)).json<OrgBody>()).liveSessions).toBe(0)
    expect((await (await api(`/organizations/${other.id}`)).json<OrgBody>()).liveSessions).toBe(1)
    expect(await auditRow('sessions.revoke')).toMatchObject({ actor: 'admin-token', detail: { organizationId: org.id, revoked: 3, via: 'api' } })
  })

  it("DELETE /idps/:id/sessions ends that IdP's sessions only", async () => {
    const { idps, cookies } = await tenants()
    const res = await api(`/idps/${idps[0]}/sessions`, { method: 'DELETE' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ revoked: 2, remaining: 0 })
    expect(await signedIn(cookies)).toEqual(['entraJane', 'elsewhere'])
    const unknown = await api('/idps/idp_nope/sessions', { method: 'DELETE' })
    expect(unknown.status).toBe(404)
    expect((await unknown.json<ErrorBody>()).error.code).toBe('ADMIN_IDP_NOT_FOUND')
  })

  it('DELETE /sessions?subject= ends one user (namespaced by IdP), and needs the subject', async () => {
    const { slugs, cookies } = await tenants()
    const res = await api(`/sessions?subject=${encodeURIComponent(`${slugs[0]}:jane@acme.example`)}`, { method: 'DELETE' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ revoked: 1, remaining: 0 })
    // The same NameID at the organization's other IdP is another user.
    expect(await signedIn(cookies)).toEqual(['oktaJohn', 'entraJane', 'elsewhere'])
    const missing = await api('/sessions', { method: 'DELETE' })
    expect(missing.status).toBe(400)
    expect((await missing.json<ErrorBody>()).error).toMatchObject({ code: 'ADMIN_INVALID_FIELD', field: 'subject' })
  })
})

describe('the organization of an IdP created through /idps', () => {
  it('without organizationId: an organization of its own, named after the IdP, claiming its domains pending', async () => {
    const res = await newIdp(undefined, `solo-${++n}`, { emailDomains: [`solo${n}.example`] })
    expect(res.status).toBe(201)
    const idp = await res.json<{ id: string; organizationId: string }>()
    const org = await (await api(`/organizations/${idp.organizationId}`)).json<OrgBody>()
    expect(org).toMatchObject({ name: `IdP solo-${n}`, slug: `solo-${n}`, idps: [{ id: idp.id }] })
    expect(org.domains.map((d) => [d.domain, d.status])).toEqual([[`solo${n}.example`, 'pending']])
  })

  it('with the organizationId of an unknown organization: 404, and no IdP stored', async () => {
    const slug = `orphan-${++n}`
    const res = await newIdp('org_nope', slug)
    expect(res.status).toBe(404)
    expect((await res.json<ErrorBody>()).error.code).toBe('ADMIN_ORGANIZATION_NOT_FOUND')
    const idps = await (await api('/idps')).json<{ idps: { slug: string }[] }>()
    expect(idps.idps.map((i) => i.slug)).not.toContain(slug)
  })

  it('with emailDomains another organization holds: 409 on emailDomains, and nothing made', async () => {
    const holder = await newOrg()
    const taken = holder.domains[0]!.domain
    const target = await newOrg()
    const orgsBefore = (await (await api('/organizations')).json<{ organizations: OrgBody[] }>()).organizations.length
    for (const organizationId of [undefined, target.id]) {
      const slug = `grab-${++n}`
      const res = await newIdp(organizationId, slug, { emailDomains: [`fresh${n}.example`, taken] })
      expect(res.status, String(organizationId)).toBe(409)
      const err = (await res.json<ErrorBody>()).error
      expect(err).toMatchObject({ code: 'ADMIN_CONFLICT', field: 'emailDomains' })
      expect(err.message).toContain(`${taken} already belongs to organization ${holder.id}`)
      const idps = await (await api('/idps')).json<{ idps: { slug: string }[] }>()
      expect(idps.idps.map((i) => i.slug)).not.toContain(slug)
    }
    const after = await (await api('/organizations')).json<{ organizations: OrgBody[] }>()
    expect(after.organizations).toHaveLength(orgsBefore)
    expect(after.organizations.find((o) => o.id === target.id)!.domains.map((d) => d.domain)).toEqual([target.domains[0]!.domain])
  })
})
