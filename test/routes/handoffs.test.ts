import { env, exports } from 'cloudflare:workers'
import { jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { sampleSession, sessionCookie } from '../helpers/session'
import { TEST_ORG } from '../helpers/tenants'
import { readAutoPost } from '../helpers/auto-post'

const ORIGIN = 'https://support.example.com'
const SECRET = 'zendesk-shared-secret-0123456789abcdef'
const AUTH = { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' }
type ErrorBody = { error: { code: string; field?: string } }

const api = (path: string, method: string, body?: unknown) =>
  exports.default.fetch(`${ORIGIN}/sso/admin/api/apps${path}`, { method, headers: AUTH, body: body === undefined ? undefined : JSON.stringify(body) })

describe('Zendesk JWT hand-off', () => {
  it('is configured through the admin API with a write-only secret', async () => {
    const bad = await api('', 'POST', { kind: 'zendesk', name: 'Help', config: { subdomain: 'Not Valid' }, sharedSecret: SECRET })
    expect((await bad.json<ErrorBody>()).error.field).toBe('config.subdomain')
    const noSecret = await api('', 'POST', { kind: 'zendesk', name: 'Help', config: { subdomain: 'acme' } })
    expect((await noSecret.json<ErrorBody>()).error.field).toBe('sharedSecret')
    const res = await api('', 'POST', {
      kind: 'zendesk',
      name: 'Acme Help Center',
      config: { subdomain: 'acme', tagsFromGroups: true, userFields: { sso_idp: 'idp' } },
      sharedSecret: SECRET,
    })
    expect(res.status).toBe(201)
    const app = await res.json<Record<string, any>>()
    expect(app).toMatchObject({ kind: 'zendesk', slug: 'acme-help-center', hasSecret: true, setup: { jwtEndpoint: 'https://acme.zendesk.com/access/jwt' } })
    expect(JSON.stringify(app)).not.toContain(SECRET)
    const row = await env.DB.prepare('SELECT secret_sealed FROM apps').first<{ secret_sealed: string }>()
    expect(row!.secret_sealed).not.toContain(SECRET)
  })

  it('sends anonymous visitors through sign-in and back to the hand-off', async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/handoff/zendesk?return_to=https%3A%2F%2Facme.zendesk.com%2Fhc`, { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/sso/login?return_to=%2Fsso%2Fhandoff%2Fzendesk%3Freturn_to%3Dhttps%253A%252F%252Facme.zendesk.com%252Fhc')
  })

  it("posts a token that passes Zendesk's rules: HS256 with the shared secret, fresh iat, unique jti, email, name", async () => {
    const cookie = await sessionCookie(sampleSession())
    // The organization's name in Zendesk is set on the organization.
    const named = await exports.default.fetch(`${ORIGIN}/sso/admin/api/organizations/${TEST_ORG.id}`, {
      method: 'PATCH',
      headers: AUTH,
      body: JSON.stringify({ helpdeskOrganization: 'Acme Corp' }),
    })
    expect(named.status).toBe(200)
    const tokens: string[] = []
    for (let i = 0; i < 2; i++) {
      const res = await exports.default.fetch(`${ORIGIN}/sso/handoff/zendesk?return_to=https%3A%2F%2Facme.zendesk.com%2Fhc%2Fen-us`, { headers: { cookie } })
      expect(res.status).toBe(200)
      const { action, fields } = readAutoPost(await res.text())
      expect(action).toBe('https://acme.zendesk.com/access/jwt')
      expect(fields.return_to).toBe('https://acme.zendesk.com/hc/en-us')
      tokens.push(fields.jwt!)
    }
    const results = await Promise.all(tokens.map((t) => jwtVerify(t, new TextEncoder().encode(SECRET), { algorithms: ['HS256'], maxTokenAge: '3m' })))
    const { payload, protectedHeader } = results[0]!
    const second = results[1]!
    expect(protectedHeader.alg).toBe('HS256')
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60)
    expect(payload).toMatchObject({
      email: 'jane@acme.example',
      name: 'Jane Doe',
      external_id: 'acme-okta:jane@acme.example',
      organization: 'Acme Corp',
      tags: ['support', 'admins'],
      user_fields: { sso_idp: 'acme-okta' },
    })
    expect(payload.jti).not.toBe(second.payload.jti)
    await expect(jwtVerify(tokens[0]!, new TextEncoder().encode('another-secret-0123456789'), { algorithms: ['HS256'] })).rejects.toThrow()
  })

  it('drops a return_to that leaves the Zendesk account', async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/handoff/zendesk?return_to=https%3A%2F%2Fevil.example%2F`, {
      headers: { cookie: await sessionCookie() },
    })
    expect(readAutoPost(await res.text()).fields.return_to).toBeUndefined()
  })
})

describe('Freshworks JWT hand-off', () => {
  const CALLBACK = 'https://acme.freshdesk.com/sp/OAUTH/123/callback'

  it('returns an RS256 id_token to the registered redirect_uri, verifiable with the published key', async () => {
    const created = await api('', 'POST', { kind: 'freshworks', name: 'Acme Freshdesk', config: { redirectUris: [CALLBACK] } })
    expect(created.status).toBe(201)
    const app = await created.json<{ slug: string; setup: { publicKeyPem: string } }>()
    expect(app.setup.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/)
    const query = new URLSearchParams({ app: app.slug, redirect_uri: CALLBACK, state: 'st-1', nonce: 'n-1', client_id: 'fw-client' })
    const res = await exports.default.fetch(`${ORIGIN}/sso/handoff/freshworks?${query}`, { headers: { cookie: await sessionCookie() }, redirect: 'manual' })
    expect(res.status).toBe(302)
    const location = new URL(res.headers.get('location')!)
    expect(location.origin + location.pathname).toBe(CALLBACK)
    expect(location.searchParams.get('state')).toBe('st-1')
    const { importSPKI } = await import('jose')
    const { payload, protectedHeader } = await jwtVerify(location.searchParams.get('id_token')!, await importSPKI(app.setup.publicKeyPem, 'RS256'), {
      algorithms: ['RS256'],
      audience: 'fw-client',
      maxTokenAge: '5m',
    })
    expect(protectedHeader.alg).toBe('RS256')
    expect(payload).toMatchObject({ sub: 'acme-okta:jane@acme.example', email: 'jane@acme.example', nonce: 'n-1', given_name: 'Jane', family_name: 'Doe' })
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300)
  })

  it('never sends a token to an unregistered redirect_uri, even before sign-in', async () => {
    for (const redirect of ['https://evil.example/callback', `${CALLBACK}/../../x`, '']) {
      const query = new URLSearchParams({ redirect_uri: redirect, state: 's' })
      const res = await exports.default.fetch(`${ORIGIN}/sso/handoff/freshworks?${query}`, {
        headers: { cookie: await sessionCookie(), accept: 'application/json' },
        redirect: 'manual',
      })
      expect(res.status).toBe(400)
      expect((await res.json<ErrorBody>()).error.code).toBe('HANDOFF_REDIRECT_NOT_ALLOWED')
    }
    const row = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'handoff.freshworks' AND outcome = 'failure' ORDER BY id DESC").first<
      Record<string, unknown>
    >()
    expect(row).toMatchObject({ code: 'HANDOFF_REDIRECT_NOT_ALLOWED' })
  })
})
