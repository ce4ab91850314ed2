import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { EC_P256_CERT, RSA_ESCAPES_CERT } from '../fixtures/x509'

const API = 'https://support.example.com/sso/admin/api'
const AUTH = { authorization: `Bearer ${env.ADMIN_TOKEN}` }

function api(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  return exports.default.fetch(`${API}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...AUTH, 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  })
}

const okta = {
  name: 'Acme (Okta)',
  entityId: 'http://www.okta.com/exk1acme',
  ssoUrl: 'https://acme.okta.com/app/acme/sso/saml',
  certificates: [RSA_ESCAPES_CERT],
}

type ErrorBody = { error: { code: string; message: string; field?: string } }

describe('admin API authentication', () => {
  it('answers 401 ADMIN_AUTH_REQUIRED without a bearer token', async () => {
    const res = await exports.default.fetch(`${API}/idps`)
    expect(res.status).toBe(401)
    expect((await res.json<ErrorBody>()).error.code).toBe('ADMIN_AUTH_REQUIRED')
  })

  it('answers 401 ADMIN_TOKEN_INVALID for a wrong token and audits the failure', async () => {
    const res = await api('/idps', { headers: { authorization: 'Bearer wrong', 'cf-connecting-ip': '203.0.113.7' } })
    expect(res.status).toBe(401)
    expect((await res.json<ErrorBody>()).error.code).toBe('ADMIN_TOKEN_INVALID')
    const row = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'admin.auth' ORDER BY id DESC").first<Record<string, unknown>>()
    expect(row).toMatchObject({ outcome: 'failure', code: 'ADMIN_TOKEN_INVALID', ip: '203.0.113.7' })
  })

  it('throttles an IP after repeated failures, even with the right token', async () => {
    const ip = { 'cf-connecting-ip': '198.51.100.9' }
    for (let i = 0; i < 10; i++) await api('/idps', { headers: { authorization: 'Bearer nope', ...ip } })
    const res = await api('/idps', { headers: ip })
    expect(res.status).toBe(429)
    // It says when to come back: the rest of the 10-minute window, in the header and in words.
    const retryAfter = Number(res.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(500)
    expect(retryAfter).toBeLessThanOrEqual(600)
    const error = (await res.json<ErrorBody>()).error
    expect(error.code).toBe('ADMIN_RATE_LIMITED')
    expect(error.message).toMatch(/Try again in 10 min\./)
    // Per client: another address is not locked out.
    expect((await api('/idps', { headers: { 'cf-connecting-ip': '198.51.100.10' } })).status).toBe(200)
  })

  // Issue 11 item 9: with the KV counter, all of a parallel burst read "no failures yet".
  it('answers at most 10 of 40 parallel wrong tokens with 401; the rest, and then the right token, get 429', async () => {
    const ip = { 'cf-connecting-ip': '198.51.100.77' }
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => api('/idps', { headers: { authorization: `Bearer guess-${i}`, ...ip } })))
    const statuses = burst.map((r) => r.status)
    expect(statuses.filter((s) => s === 401)).toHaveLength(10)
    expect(statuses.filter((s) => s === 429)).toHaveLength(30)
    expect((await api('/idps', { headers: ip })).status).toBe(429)
  })
})

describe('IdP CRUD', () => {
  it('creates an IdP with defaults, normalized domains and certificate details', async () => {
    const res = await api('/idps', { method: 'POST', body: { ...okta, emailDomains: ['Acme.example', '@acme.co.uk'] } })
    expect(res.status).toBe(201)
    const idp = await res.json<Record<string, any>>()
    expect(idp.id).toMatch(/^idp_[0-9a-f]{18}$/)
    expect(idp).toMatchObject({
      name: 'Acme (Okta)',
      slug: 'acme-okta',
      ssoBinding: 'redirect',
      // A draft until a test sign-in passes (admin-console.drafts.test.ts).
      enabled: false,
      draft: true,
      testedAt: null,
      showOnSelection: true,
      isDefault: false,
      emailDomains: ['acme.example', 'acme.co.uk'],
      allowedGroups: [],
      // Off by default: a signed Response around an unsigned Assertion is valid (profiles §4.1.4.2).
      wantAssertionsSigned: false,
      allowIdpInitiated: false,
      allowSha1: false,
      // null: the gateway's settings.clockSkewSeconds applies.
      clockSkewSeconds: null,
    })
    expect(idp.certificateInfo[0].fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    expect(idp.certificateInfo[0].subject).toContain('CN=')
    const audit = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'idp.create'").first<Record<string, unknown>>()
    expect(audit).toMatchObject({ idp_id: idp.id, outcome: 'success', actor: 'admin-token' })

    const list = await (await api('/idps')).json<{ idps: { id: string }[] }>()
    expect(list.idps.map((i) => i.id)).toContain(idp.id)
  })

  it('rejects each invalid field with 400 ADMIN_INVALID_FIELD naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...okta, name: '' }, 'name'],
      [{ ...okta, entityId: undefined }, 'entityId'],
      [{ ...okta, ssoUrl: 'http://idp.example.com/sso' }, 'ssoUrl'],
      [{ ...okta, ssoUrl: 'javascript:alert(1)' }, 'ssoUrl'],
      [{ ...okta, certificates: [] }, 'certificates'],
      [{ ...okta, certificates: ['not a cert'] }, 'certificates[0]'],
      [{ ...okta, ssoBinding: 'soap' }, 'ssoBinding'],
      [{ ...okta, slug: 'Bad Slug' }, 'slug'],
      [{ ...okta, emailDomains: ['not a domain'] }, 'emailDomains[0]'],
      [{ ...okta, clockSkewSeconds: 5000 }, 'clockSkewSeconds'],
      [{ ...okta, attributeMap: { mail: 'x' } }, 'attributeMap.mail'],
      [{ ...okta, enabled: 'yes' }, 'enabled'],
      [{ ...okta, colour: 'red' }, 'colour'],
    ]
    for (const [body, field] of cases) {
      const res = await api('/idps', { method: 'POST', body })
      expect(res.status, field).toBe(400)
      const err = (await res.json<ErrorBody>()).error
      expect(err.code).toBe('ADMIN_INVALID_FIELD')
      expect(err.field).toBe(field)
    }
  })

  it('audits a refused change like any failure: action, code, the field, the admin actor', async () => {
    await api('/idps', { method: 'POST', body: { ...okta, slug: 'Audited Slug' } })
    const row = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'idp.create' AND outcome = 'failure' ORDER BY id DESC").first<
      Record<string, unknown>
    >()
    expect(row).toMatchObject({ code: 'ADMIN_INVALID_FIELD', actor: 'admin-token' })
    expect(JSON.parse(String(row!.detail))).toMatchObject({ field: 'slug' })
  })

  it('answers 400 ADMIN_INVALID_JSON for a broken body', async () => {
    for (const body of ['{', '[]', '"x"']) {
      const res = await api('/idps', { method: 'POST', body })
      expect(res.status).toBe(400)
      expect((await res.json<ErrorBody>()).error.code).toBe('ADMIN_INVALID_JSON')
    }
  })

  it('answers 409 ADMIN_CONFLICT for a duplicate slug or entity ID', async () => {
    const first = await api('/idps', { method: 'POST', body: { ...okta, entityId: 'urn:dup:1', slug: 'dup' } })
    expect(first.status).toBe(201)
    const sameSlug = await api('/idps', { method: 'POST', body: { ...okta, entityId: 'urn:dup:2', slug: 'dup' } })
    expect(sameSlug.status).toBe(409)
    expect((await sameSlug.json<ErrorBody>()).error.field).toBe('slug')
    const sameEntity = await api('/idps', { method: 'POST', body: { ...okta, entityId: 'urn:dup:1', slug: 'dup-2' } })
    expect(sameEntity.status).toBe(409)
    expect((await sameEntity.json<ErrorBody>()).error.field).toBe('entityId')
  })

  it('patches, keeps one default IdP, audits certificate changes, and deletes', async () => {
    const a = await (await api('/idps', { method: 'POST', body: { ...okta, entityId: 'urn:a', slug: 'a', isDefault: true } })).json<{ id: string }>()
    const b = await (await api('/idps', { method: 'POST', body: { ...okta, entityId: 'urn:b', slug: 'b' } })).json<{ id: string }>()
    const patched = await api(`/idps/${b.id}`, { method: 'PATCH', body: { isDefault: true, certificates: [RSA_ESCAPES_CERT, EC_P256_CERT] } })
    expect(patched.status).toBe(200)
    const pb = await patched.json<{ isDefault: boolean; certificateInfo: unknown[] }>()
    expect(pb.isDefault).toBe(true)
    expect(pb.certificateInfo).toHaveLength(2)
    expect((await (await api(`/idps/${a.id}`)).json<{ isDefault: boolean }>()).isDefault).toBe(false)
    const audit = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'idp.update' AND idp_id = ?").bind(b.id).first<{ detail: string }>()
    expect(JSON.parse(audit!.detail)).toMatchObject({ certificatesChanged: true })

    const put = await api(`/idps/${b.id}`, { method: 'PUT', body: { name: 'Only name' } })
    expect(put.status).toBe(400)

    expect((await api(`/idps/${a.id}`, { method: 'DELETE' })).status).toBe(204)
    const gone = await api(`/idps/${a.id}`)
    expect(gone.status).toBe(404)
    expect((await gone.json<ErrorBody>()).error.code).toBe('ADMIN_IDP_NOT_FOUND')
    expect((await api(`/idps/${a.id}`, { method: 'PATCH', body: { enabled: false } })).status).toBe(404)
  })
})

describe('settings and audit', () => {
  it('returns defaults, validates and saves changes', async () => {
    const defaults = await (await api('/settings')).json<Record<string, unknown>>()
    expect(defaults).toMatchObject({ sessionLifetimeSeconds: 28800, clockSkewSeconds: 180, allowSha1: false })
    const bad = await api('/settings', { method: 'PUT', body: { primaryColor: 'red' } })
    expect(bad.status).toBe(400)
    expect((await bad.json<ErrorBody>()).error.field).toBe('primaryColor')
    const unknown = await api('/settings', { method: 'PUT', body: { nope: 1 } })
    expect((await unknown.json<ErrorBody>()).error.field).toBe('nope')
    const saved = await api('/settings', { method: 'PUT', body: { portalName: 'Acme Support', primaryColor: '#AA0000', sessionLifetimeSeconds: 3600 } })
    expect(saved.status).toBe(200)
    expect(await saved.json()).toMatchObject({ portalName: 'Acme Support', primaryColor: '#aa0000', sessionLifetimeSeconds: 3600 })
    expect(await (await api('/settings')).json()).toMatchObject({ portalName: 'Acme Support' })
  })

  it('lists audit entries newest first with filters and keyset pages', async () => {
    for (let i = 0; i < 3; i++) await api('/settings', { method: 'PUT', body: { portalName: `P${i}` } })
    const page1 = await (await api('/audit?action=settings.update&limit=2')).json<{ entries: { id: number; action: string }[]; nextBefore: number }>()
    expect(page1.entries).toHaveLength(2)
    expect(page1.entries.every((e) => e.action === 'settings.update')).toBe(true)
    expect(page1.entries[0]!.id).toBeGreaterThan(page1.entries[1]!.id)
    const page2 = await (await api(`/audit?action=settings.update&limit=2&before=${page1.nextBefore}`)).json<{ entries: { id: number }[] }>()
    expect(page2.entries.length).toBeGreaterThanOrEqual(1)
    expect(page2.entries[0]!.id).toBeLessThan(page1.entries[1]!.id)
    const bad = await api('/audit?limit=0')
    expect(bad.status).toBe(400)
  })
})

describe('SP key rollover through the API', () => {
  it('stages a next key (published in metadata), activates it, and refuses to activate nothing', async () => {
    const before = await (await exports.default.fetch('https://support.example.com/sso/metadata')).text()
    expect(before.match(/use="signing"/g)).toHaveLength(1)
    const staged = await api('/sp/keys/signing/stage', { method: 'POST', body: {} })
    expect(staged.status).toBe(201)
    const during = await (await exports.default.fetch('https://support.example.com/sso/metadata')).text()
    expect(during.match(/use="signing"/g)).toHaveLength(2)
    expect((await api('/sp/keys/signing/activate', { method: 'POST', body: {} })).status).toBe(200)
    const keys = await (await api('/sp/keys')).json<{ keys: { use: string; status: string; certificate: { fingerprintSha256: string } }[] }>()
    expect(
      keys.keys
        .filter((k) => k.use === 'signing')
        .map((k) => k.status)
        .sort(),
    ).toEqual(['active', 'retired'])
    expect(JSON.stringify(keys)).not.toContain('PRIVATE')
    const none = await api('/sp/keys/signing/activate', { method: 'POST', body: {} })
    expect(none.status).toBe(400)
    expect((await api('/sp/keys/bogus/stage', { method: 'POST', body: {} })).status).toBe(400)
  })
})

describe('identity header settings', () => {
  it('refuses reserved or malformed header names', async () => {
    for (const [body, field] of [
      [{ headerNames: { email: 'Cookie' } }, 'headerNames.email'],
      [{ headerNames: { email: 'bad header' } }, 'headerNames.email'],
      [{ userHeader: { name: 'Authorization' } }, 'userHeader.name'],
      [{ userHeader: { name: 'X-Forwarded-User', pathPrefixes: ['auth'] } }, 'userHeader.pathPrefixes[0]'],
    ] as const) {
      const res = await api('/settings', { method: 'PUT', body })
      expect(res.status).toBe(400)
      expect((await res.json<ErrorBody>()).error.field).toBe(field)
    }
  })
})
