// Key management (admin/keys.ts): the SSO-JWT key rotation now has an endpoint (API and console),
// and a JWT signed before a rotation still verifies with the published key set afterwards.
import { env, exports } from 'cloudflare:workers'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { activateSpKey, listJwtKeyViews, listSpKeyViews, parseKeyUse, pruneRetiredKeys, rotateJwtKey, stageSpKey } from '../../src/admin/keys'
import { signIdentityJwt } from '../../src/handoff/identity-jwt'
import { activeSigningKey } from '../../src/store/jwt-keys'
import { RETIRED_DECRYPTION_WINDOW_MS, RETIRED_SIGNING_KEY_OVERLAP_MS } from '../../src/store/sp-keys'
import { lastAuditRow, testContext } from '../helpers/context'
import { sampleSession } from '../helpers/session'

const API = 'https://support.example.com/sso/admin/api'
const AUTH = { authorization: `Bearer ${env.ADMIN_TOKEN}` }

describe('SSO-JWT key rotation', () => {
  it('makes a new active key, keeps the old one published, and audits it', async () => {
    const ctx = testContext({ actor: 'admin-token' })
    const before = await activeSigningKey(env.DB, env.SSO_SECRET, new Date())
    const kid = await rotateJwtKey(ctx)
    expect(kid).not.toBe(before.kid)
    const keys = await listJwtKeyViews(ctx)
    expect(keys.find((k) => k.kid === kid)?.status).toBe('active')
    expect(keys.find((k) => k.kid === before.kid)?.status).toBe('retired')
    expect(await lastAuditRow('jwt-key.rotate')).toMatchObject({ outcome: 'success', actor: 'admin-token', detail: { kid } })
  })

  it('POST /sso/admin/api/jwt/keys/rotate: a token signed before the rotation still verifies with /sso/certs', async () => {
    const now = new Date()
    const oldKey = await activeSigningKey(env.DB, env.SSO_SECRET, now)
    const jwt = await signIdentityJwt(sampleSession(), oldKey, { issuer: 'https://support.example.com', audience: 'http://portal.test', now })
    const res = await exports.default.fetch(`${API}/jwt/keys/rotate`, { method: 'POST', headers: AUTH })
    expect(res.status).toBe(201)
    const { kid } = await res.json<{ kid: string }>()
    expect(kid).not.toBe(oldKey.kid)
    const jwks = await (await exports.default.fetch('https://support.example.com/sso/certs')).json<{ keys: { kid: string }[] }>()
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kid, oldKey.kid]))
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]), { algorithms: ['ES256'] })
    expect(payload.sub).toBe(sampleSession().subject)
    const list = await (await exports.default.fetch(`${API}/jwt/keys`, { headers: AUTH })).json<{ keys: { kid: string; status: string }[] }>()
    expect(list.keys[0]).toMatchObject({ kid, status: 'active' })
  })

  it('refuses the rotation without the admin token', async () => {
    const res = await exports.default.fetch(`${API}/jwt/keys/rotate`, { method: 'POST' })
    expect(res.status).toBe(401)
  })
})

describe('SP key rollover', () => {
  it('lists an active signing and encryption key with certificate details, creating them on first use', async () => {
    const keys = await listSpKeyViews(testContext())
    for (const use of ['signing', 'encryption'] as const) {
      const active = keys.find((k) => k.use === use && k.status === 'active')
      expect(active?.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/)
      expect(active?.certificate.warning).toBeNull()
    }
    expect(JSON.stringify(keys)).not.toMatch(/PRIVATE KEY/)
  })

  it('stages a next key, then activates it in place of the active one, auditing both steps', async () => {
    const ctx = testContext({ actor: 'admin-token' })
    const before = (await listSpKeyViews(ctx)).find((k) => k.use === 'signing' && k.status === 'active')!
    const staged = await stageSpKey(ctx, 'signing')
    expect((await listSpKeyViews(ctx)).find((k) => k.id === staged.id)?.status).toBe('next')
    expect(await lastAuditRow('sp-key.stage')).toMatchObject({ outcome: 'success', actor: 'admin-token', detail: { use: 'signing', id: staged.id } })
    expect(await activateSpKey(ctx, 'signing')).toBe(staged.id)
    const after = await listSpKeyViews(ctx)
    expect(after.find((k) => k.id === staged.id)?.status).toBe('active')
    expect(after.find((k) => k.id === before.id)?.status).toBe('retired')
    expect(await lastAuditRow('sp-key.activate')).toMatchObject({ detail: { use: 'signing', id: staged.id } })
  })

  it('refuses to activate when no key is staged, naming use', async () => {
    await expect(activateSpKey(testContext(), 'encryption')).rejects.toMatchObject({ code: 'ADMIN_INVALID_FIELD', detail: { field: 'use' } })
  })

  it('parseKeyUse takes signing or encryption and names use otherwise', () => {
    expect([parseKeyUse('signing'), parseKeyUse('encryption')]).toEqual(['signing', 'encryption'])
    expect(() => parseKeyUse('jwt')).toThrow(expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', detail: { field: 'use' } }))
  })
})

describe('pruning retired SP keys (pruneRetiredKeys, from the daily cron)', () => {
  it('deletes retired keys past their overlap, audits which as sp-key.prune, and audits nothing when there is nothing to do', async () => {
    const t0 = new Date(Date.UTC(2031, 0, 10))
    const at = (ms: number) => testContext({ actor: 'cron', clock: () => new Date(t0.getTime() + ms) })
    // Keys other tests in this file retired are past any overlap by then: out of the way first.
    await pruneRetiredKeys(at(0))
    const before = await listSpKeyViews(at(0))
    const oldMetadata = before.find((k) => k.use === 'metadata' && k.status === 'active')!
    const oldEncryption = before.find((k) => k.use === 'encryption' && k.status === 'active')!
    for (const use of ['metadata', 'encryption'] as const) {
      await stageSpKey(at(0), use)
      await activateSpKey(at(0), use)
    }
    const rows = () => env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'sp-key.prune'").first<{ n: number }>()
    const pruneRows = (await rows())!.n

    expect(await pruneRetiredKeys(at(RETIRED_SIGNING_KEY_OVERLAP_MS - 1000))).toBe(0)
    expect((await rows())!.n).toBe(pruneRows)

    expect(await pruneRetiredKeys(at(RETIRED_SIGNING_KEY_OVERLAP_MS))).toBe(1)
    expect(await lastAuditRow('sp-key.prune')).toMatchObject({
      actor: 'cron',
      outcome: 'success',
      detail: { keys: [{ id: oldMetadata.id, use: 'metadata', retiredAt: t0.toISOString() }] },
    })
    // The retired encryption key still decrypts for its window, so it stays until then.
    expect((await listSpKeyViews(at(RETIRED_SIGNING_KEY_OVERLAP_MS))).map((k) => k.id)).toContain(oldEncryption.id)
    expect(await pruneRetiredKeys(at(RETIRED_DECRYPTION_WINDOW_MS))).toBe(1)
    expect(await lastAuditRow('sp-key.prune')).toMatchObject({ detail: { keys: [{ id: oldEncryption.id, use: 'encryption' }] } })
    const after = await listSpKeyViews(at(RETIRED_DECRYPTION_WINDOW_MS))
    expect(after.map((k) => k.id)).not.toContain(oldEncryption.id)
    expect(after.filter((k) => k.status === 'active').map((k) => k.use)).toEqual(expect.arrayContaining(['metadata', 'encryption']))
  })
})

describe('who a key rollover affects (keyDependents)', () => {
  it('names, per role, the IdPs and apps that must take the new certificate', async () => {
    const { seedIdp } = await import('../helpers/tenants')
    const { createApp } = await import('../../src/admin/apps')
    const { TEST_IDP_CERT } = await import('../fixtures/idp-keys')
    const base = { ssoUrl: 'https://idp.dep.example/sso', certificates: [TEST_IDP_CERT] }
    await seedIdp(env.DB, 'idp_dep_signed', { ...base, name: 'Signs requests', slug: 'dep-signed', entityId: 'urn:dep:1', signAuthnRequests: true })
    await seedIdp(env.DB, 'idp_dep_plain', { ...base, name: 'Plain SAML', slug: 'dep-plain', entityId: 'urn:dep:2' })
    await seedIdp(env.DB, 'idp_dep_oidc', {
      ...base,
      name: 'OIDC with a key',
      slug: 'dep-oidc',
      entityId: 'urn:edge-sso:oidc:dep-oidc',
      certificates: [],
      protocol: 'oidc',
      tokenEndpointAuth: 'private_key_jwt',
    })
    await createApp(
      testContext({ actor: 'admin-token' }),
      { kind: 'freshworks', name: 'Freshdesk EU', slug: 'fd-eu', config: { redirectUris: ['https://acme.freshworks.com/sp/OIDC/1/implicit'] } },
      'api',
    )
    const { keyDependents } = await import('../../src/admin/keys')
    const d = await keyDependents(testContext())
    expect(d.signing).toContain('Signs requests')
    expect(d.signing).not.toContain('Plain SAML')
    expect(d.encryption).toEqual(expect.arrayContaining(['Signs requests', 'Plain SAML']))
    expect(d.encryption).not.toContain('OIDC with a key')
    expect(d['oidc-client']).toEqual(['OIDC with a key'])
    expect(d.freshworks).toContain('Freshdesk EU')
  })
})
