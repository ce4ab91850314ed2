// OIDC IdPs in the admin API (admin/oidc-settings.ts through admin/idps.ts and the routes), on
// real D1: created by discovery from the issuer, the client secret write-only and sealed, the
// protocol fixed, the other protocol's fields refused by name, the token endpoint
// authentication checked against what the provider offers, and the cron's re-discovery.
import { env, exports } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { runMaintenance } from '../../src/scheduled'
import { clientSecretOf, findIdp } from '../../src/store/idps'
import { lastAuditRow } from '../helpers/context'
import { CLIENT_ID, CLIENT_SECRET, fakeProvider } from '../helpers/oidc-provider'
import { seedOrganization, TEST_ORG } from '../helpers/tenants'

const API = 'https://support.example.com/sso/admin/api'
type ErrorBody = { error: { code: string; message: string; field?: string } }

function api(path: string, init: { method?: string; body?: unknown } = {}) {
  return exports.default.fetch(`${API}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
}

let n = 0
const next = () => ++n
const oidcIdp = (issuer: string, extra: Record<string, unknown> = {}) => ({
  protocol: 'oidc',
  name: `Acme OIDC ${n}`,
  slug: `acme-oidc-${n}`,
  issuer,
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  organizationId: TEST_ORG.id,
  ...extra,
})

beforeAll(async () => {
  await seedOrganization()
})
afterEach(() => vi.restoreAllMocks())

describe('creating an OIDC IdP', () => {
  it('reads the discovery document, stores its endpoints, and never shows the client secret', async () => {
    const provider = await fakeProvider(`https://sso-${next()}.acme.example`)
    const res = await api('/idps', { method: 'POST', body: oidcIdp(provider.issuer) })
    expect(res.status).toBe(201)
    const view = await res.json<Record<string, unknown>>()
    expect(view).toMatchObject({
      protocol: 'oidc',
      issuer: provider.issuer,
      clientId: CLIENT_ID,
      scopes: 'openid email profile',
      tokenEndpointAuth: 'client_secret_basic',
      hasClientSecret: true,
      entityId: `urn:edge-sso:oidc:acme-oidc-${n}`,
      ssoUrl: `${provider.issuer}/authorize`,
      certificates: [],
      oidcEndpoints: { tokenEndpoint: `${provider.issuer}/token`, jwksUri: provider.discovery.jwks_uri, endSessionEndpoint: `${provider.issuer}/logout` },
    })
    expect(JSON.stringify(view)).not.toContain(CLIENT_SECRET)
    expect(view).not.toHaveProperty('clientSecret')
    expect(view).not.toHaveProperty('clientSecretSealed')
    // Sealed at rest: the row holds no clear text, and opens to the secret.
    const row = (await findIdp(env.DB, `acme-oidc-${n}`))!
    expect(row.clientSecretSealed).not.toContain(CLIENT_SECRET)
    expect(await clientSecretOf(env.SSO_SECRET, row)).toBe(CLIENT_SECRET)
    expect((await lastAuditRow('idp.create'))?.detail).toMatchObject({ protocol: 'oidc', issuer: provider.issuer })
  })

  it('is also what POST /idps/import does with an issuer', async () => {
    const provider = await fakeProvider(`https://sso-${next()}.acme.example`)
    const { protocol: _p, ...body } = oidcIdp(provider.issuer)
    const res = await api('/idps/import', { method: 'POST', body })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ protocol: 'oidc', ssoUrl: `${provider.issuer}/authorize` })
  })

  it.each([
    ['an http issuer off loopback', { issuer: 'http://sso.acme.example' }, 'ADMIN_INVALID_FIELD', 'issuer'],
    ['an issuer with a query', { issuer: 'https://sso.acme.example/?tenant=1' }, 'ADMIN_INVALID_FIELD', 'issuer'],
    ['no client ID', { clientId: undefined }, 'ADMIN_INVALID_FIELD', 'clientId'],
    ['no client secret with client_secret_basic', { clientSecret: undefined }, 'ADMIN_INVALID_FIELD', 'clientSecret'],
    ['scopes without openid', { scopes: 'email profile' }, 'ADMIN_INVALID_FIELD', 'scopes'],
    ['a scope with a quote', { scopes: 'openid "x"' }, 'ADMIN_INVALID_FIELD', 'scopes'],
    ['an unknown token endpoint auth', { tokenEndpointAuth: 'none' }, 'ADMIN_INVALID_FIELD', 'tokenEndpointAuth'],
    ['a SAML field', { certificates: ['MIIB'] }, 'ADMIN_INVALID_FIELD', 'certificates'],
    ['a SAML entity ID', { entityId: 'https://x' }, 'ADMIN_INVALID_FIELD', 'entityId'],
    ['an unknown claimsMap field', { claimsMap: { phone: 'phone_number' } }, 'ADMIN_INVALID_FIELD', 'claimsMap.phone'],
  ])('refuses %s with a 4xx naming the field', async (_name, change, code, field) => {
    const provider = await fakeProvider(`https://sso-${next()}.acme.example`)
    const res = await api('/idps', { method: 'POST', body: { ...oidcIdp(provider.issuer), ...change } })
    expect(res.status).toBe(400)
    const body = await res.json<ErrorBody>()
    expect(body.error).toMatchObject({ code, field })
  })

  it('refuses OIDC fields on a SAML IdP', async () => {
    const res = await api('/idps', {
      method: 'POST',
      body: { clientSecret: 'x'.repeat(20), name: 'Saml', entityId: 'https://saml.example', ssoUrl: 'https://saml.example/sso', certificates: [] },
    })
    expect((await res.json<ErrorBody>()).error).toMatchObject({ code: 'ADMIN_INVALID_FIELD', field: 'clientSecret' })
  })

  it('refuses a token endpoint authentication the provider does not offer', async () => {
    const provider = await fakeProvider(`https://sso-${next()}.acme.example`)
    provider.discovery.token_endpoint_auth_methods_supported = ['client_secret_post']
    const res = await api('/idps', { method: 'POST', body: oidcIdp(provider.issuer) })
    expect(res.status).toBe(400)
    expect((await res.json<ErrorBody>()).error.message).toMatch(/offers client_secret_post, not client_secret_basic/)
  })

  it('refuses a discovery document for another issuer (OIDC_DISCOVERY_INVALID), and creates nothing', async () => {
    const provider = await fakeProvider(`https://sso-${next()}.acme.example`)
    provider.discovery.issuer = 'https://evil.example'
    const res = await api('/idps', { method: 'POST', body: oidcIdp(provider.issuer) })
    expect(res.status).toBe(422)
    expect((await res.json<ErrorBody>()).error.code).toBe('OIDC_DISCOVERY_INVALID')
    expect(await findIdp(env.DB, `acme-oidc-${n}`)).toBeNull()
  })

  it('takes private_key_jwt without a secret, and publishes the client key in /sso/certs', async () => {
    const provider = await fakeProvider(`https://sso-${next()}.acme.example`)
    const res = await api('/idps', { method: 'POST', body: oidcIdp(provider.issuer, { clientSecret: undefined, tokenEndpointAuth: 'private_key_jwt' }) })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ hasClientSecret: false, tokenEndpointAuth: 'private_key_jwt' })
    const certs = await (await exports.default.fetch('https://support.example.com/sso/certs')).json<{ keys: Record<string, unknown>[] }>()
    expect(certs.keys.filter((k) => k.alg === 'RS256')).toEqual([
      expect.objectContaining({ kty: 'RSA', use: 'sig', x5c: [expect.any(String)], x5t: expect.any(String) }),
    ])
    // The SSO-JWT keys stay ES256.
    expect(certs.keys.some((k) => k.alg === 'ES256')).toBe(true)
  })
})

describe('changing an OIDC IdP', () => {
  it('keeps the secret unless a new one is given, audits it by name, and never changes the protocol', async () => {
    const provider = await fakeProvider(`https://sso-${next()}.acme.example`)
    const created = await (await api('/idps', { method: 'POST', body: oidcIdp(provider.issuer) })).json<{ id: string }>()
    const patched = await api(`/idps/${created.id}`, { method: 'PATCH', body: { scopes: 'openid email groups' } })
    expect(await patched.json()).toMatchObject({ scopes: 'openid email groups', hasClientSecret: true })
    expect(await clientSecretOf(env.SSO_SECRET, (await findIdp(env.DB, created.id))!)).toBe(CLIENT_SECRET)

    await api(`/idps/${created.id}`, { method: 'PATCH', body: { clientSecret: 'a-rotated-secret-value' } })
    expect(await clientSecretOf(env.SSO_SECRET, (await findIdp(env.DB, created.id))!)).toBe('a-rotated-secret-value')
    const audit = await lastAuditRow('idp.update')
    expect(audit?.detail).toMatchObject({ changed: ['clientSecret'] })
    expect(JSON.stringify(audit)).not.toContain('a-rotated-secret-value')

    const res = await api(`/idps/${created.id}`, { method: 'PATCH', body: { protocol: 'saml' } })
    expect((await res.json<ErrorBody>()).error).toMatchObject({ code: 'ADMIN_INVALID_FIELD', field: 'protocol' })
  })

  it('reads discovery again when the issuer changes', async () => {
    const first = await fakeProvider(`https://sso-${next()}.acme.example`)
    const created = await (await api('/idps', { method: 'POST', body: oidcIdp(first.issuer) })).json<{ id: string }>()
    const second = await fakeProvider(`https://sso-${next()}.acme.example`)
    // The stored secret was the old provider's: it is never sent to the new one.
    const without = await api(`/idps/${created.id}`, { method: 'PATCH', body: { issuer: second.issuer } })
    expect(without.status).toBe(400)
    expect((await without.json<ErrorBody>()).error).toMatchObject({ code: 'ADMIN_INVALID_FIELD', field: 'clientSecret' })
    const res = await api(`/idps/${created.id}`, { method: 'PATCH', body: { issuer: second.issuer, clientSecret: 'the-new-providers-secret' } })
    expect(await res.json()).toMatchObject({ issuer: second.issuer, ssoUrl: `${second.issuer}/authorize` })
  })
})

describe('refresh', () => {
  it('re-reads discovery on POST /idps/:id/refresh and in the cron, auditing changed endpoints', async () => {
    const provider = await fakeProvider(`https://sso-${next()}.acme.example`)
    const created = await (await api('/idps', { method: 'POST', body: oidcIdp(provider.issuer) })).json<{ id: string }>()
    provider.discovery.authorization_endpoint = `${provider.issuer}/v2/authorize`
    const res = await api(`/idps/${created.id}/refresh`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ssoUrl: `${provider.issuer}/v2/authorize` })
    expect((await lastAuditRow('idp.metadata-refresh'))?.detail).toMatchObject({ endpointsChanged: true })

    provider.discovery.jwks_uri = `${provider.issuer}/keys-rotated`
    // (IdPs of earlier tests, whose providers are gone, fail their refresh: audited, not this one.)
    const report = await runMaintenance(env, new Date())
    expect(report.metadataRefreshed).toBeGreaterThanOrEqual(1)
    expect((await findIdp(env.DB, created.id))!.oidcEndpoints?.jwksUri).toBe(`${provider.issuer}/keys-rotated`)
  })
})
