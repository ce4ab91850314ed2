import { env, exports } from 'cloudflare:workers'
import { importJWK, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { signIdentityJwt } from '../../src/handoff/identity-jwt'
import { activeSigningKey, publishedKeys, RETIRED_KEY_OVERLAP_MS, rotateSigningKey } from '../../src/store/jwt-keys'
import { sampleSession, sessionCookie } from '../helpers/session'

const ORIGIN = 'https://support.example.com'

describe('GET /sso/me', () => {
  it('returns the signed-in identity', async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/me`, { headers: { cookie: await sessionCookie() } })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.json()).toMatchObject({
      sub: 'acme-okta:jane@acme.example',
      nameId: 'jane@acme.example',
      email: 'jane@acme.example',
      groups: ['support', 'admins'],
      idp: 'acme-okta',
      org: 'acme-corp',
    })
  })

  it('answers 401 SESSION_REQUIRED without a session', async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/me`)
    expect(res.status).toBe(401)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('SESSION_REQUIRED')
  })
})

describe('identity JWT keys', () => {
  it('publishes a P-256 JWKS without private parts', async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/certs`)
    expect(res.status).toBe(200)
    const { keys } = await res.json<{ keys: Record<string, string>[] }>()
    expect(keys.length).toBeGreaterThanOrEqual(1)
    for (const k of keys) {
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
      expect(k.d).toBeUndefined()
    }
  })

  it('keeps the private key sealed in D1', async () => {
    await activeSigningKey(env.DB, env.SSO_SECRET, new Date())
    const row = await env.DB.prepare('SELECT private_key_sealed FROM jwt_keys LIMIT 1').first<{ private_key_sealed: string }>()
    expect(row?.private_key_sealed).toMatch(/^v1\./)
    expect(row?.private_key_sealed).not.toContain('"d"')
  })

  it('rotates without breaking verification of tokens signed before the rotation', async () => {
    const now = new Date()
    const oldKey = await activeSigningKey(env.DB, env.SSO_SECRET, now)
    const oldJwt = await signIdentityJwt(sampleSession(), oldKey, { issuer: ORIGIN, audience: ORIGIN, now })
    const newKid = await rotateSigningKey(env.DB, env.SSO_SECRET, now)
    expect(newKid).not.toBe(oldKey.kid)
    expect((await activeSigningKey(env.DB, env.SSO_SECRET, now)).kid).toBe(newKid)

    const keys = await publishedKeys(env.DB, now)
    expect(keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKey.kid, newKid]))
    const oldJwk = keys.find((k) => k.kid === oldKey.kid)!
    const { payload } = await jwtVerify(oldJwt, await importJWK(oldJwk, 'ES256'), { issuer: ORIGIN, audience: ORIGIN })
    expect(payload.sub).toBe('acme-okta:jane@acme.example')

    // After the overlap window the retired key is no longer published.
    const later = new Date(now.getTime() + RETIRED_KEY_OVERLAP_MS + 1000)
    expect((await publishedKeys(env.DB, later)).map((k) => k.kid)).toEqual([newKid])
  })
})
