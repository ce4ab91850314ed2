// The SSO-JWT the portal receives (handoff/identity-jwt.ts), checked as a portal would with the
// JWKS of /sso/certs: its claims, its short lifetime, and its reuse for 30 seconds.
import { env } from 'cloudflare:workers'
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { IDENTITY_JWT_TTL_SECONDS, identityJwks, identityJwtFor, signIdentityJwt } from '../../src/handoff/identity-jwt'
import { activeSigningKey, rotateSigningKey } from '../../src/store/jwt-keys'
import { TEST_ORIGIN, testContext } from '../helpers/context'
import { sampleSession } from '../helpers/session'

const PORTAL = 'http://portal.test'
const jwtContext = (now = new Date()) => ({ issuer: TEST_ORIGIN, audience: PORTAL, now })
const key = () => activeSigningKey(env.DB, env.SSO_SECRET, new Date())
const verify = async (jwt: string, currentDate?: Date) =>
  jwtVerify(jwt, createLocalJWKSet(await identityJwks(testContext())), {
    issuer: TEST_ORIGIN,
    audience: PORTAL,
    algorithms: ['ES256'],
    ...(currentDate ? { currentDate } : {}),
  })

describe('signIdentityJwt', () => {
  it('carries the identity claims for the portal, signed ES256 with a published kid', async () => {
    const signing = await key()
    const { payload, protectedHeader } = await verify(await signIdentityJwt(sampleSession(), signing, jwtContext()))
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: signing.kid, typ: 'JWT' })
    expect(payload).toMatchObject({
      iss: TEST_ORIGIN,
      aud: PORTAL,
      sub: 'acme-okta:jane@acme.example',
      email: 'jane@acme.example',
      name: 'Jane Doe',
      groups: ['support', 'admins'],
      idp: 'acme-okta',
      org: 'acme-corp',
    })
  })

  it(`lives IDENTITY_JWT_TTL_SECONDS (${IDENTITY_JWT_TTL_SECONDS} s), usable from 30 s before issue to allow clock skew`, async () => {
    const now = new Date('2031-03-01T12:00:00Z')
    const jwt = await signIdentityJwt(sampleSession(), await key(), jwtContext(now))
    const { iat, nbf, exp } = decodeJwt(jwt)
    expect(iat).toBe(now.getTime() / 1000)
    expect(exp! - iat!).toBe(IDENTITY_JWT_TTL_SECONDS)
    expect(iat! - nbf!).toBe(30)
    await expect(verify(jwt, new Date(now.getTime() + (IDENTITY_JWT_TTL_SECONDS - 1) * 1000))).resolves.toBeTruthy()
    await expect(verify(jwt, new Date(now.getTime() + IDENTITY_JWT_TTL_SECONDS * 1000))).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' })
  })

  it('leaves out email and name the IdP did not send', async () => {
    const payload = decodeJwt(await signIdentityJwt(sampleSession({ email: null, displayName: null }), await key(), jwtContext()))
    expect(payload).not.toHaveProperty('email')
    expect(payload).not.toHaveProperty('name')
  })

  // DESIGN.md "Subjects are namespaced": two IdPs can never yield the same user key.
  it('uses the namespaced subject <idp slug>:<NameID> as sub: the same NameID from two IdPs is two users', async () => {
    const acme = decodeJwt(await signIdentityJwt(sampleSession({ nameId: 'jdoe' }), await key(), jwtContext()))
    const globex = decodeJwt(
      await signIdentityJwt(sampleSession({ idpSlug: 'globex-entra', nameId: 'jdoe', organizationSlug: 'globex' }), await key(), jwtContext()),
    )
    expect([acme.sub, acme.org]).toEqual(['acme-okta:jdoe', 'acme-corp'])
    expect([globex.sub, globex.org]).toEqual(['globex-entra:jdoe', 'globex'])
  })
})

describe('identityJwtFor', () => {
  it('reuses the signed JWT for 30 seconds, then signs a fresh one', async () => {
    const signing = await key()
    const session = sampleSession({ createdAt: Date.now() - 5000 })
    const t0 = new Date('2031-03-01T12:00:00Z')
    const first = await identityJwtFor(session, signing, jwtContext(t0))
    expect(await identityJwtFor(session, signing, jwtContext(new Date(t0.getTime() + 29_999)))).toBe(first)
    const later = await identityJwtFor(session, signing, jwtContext(new Date(t0.getTime() + 30_000)))
    expect(later).not.toBe(first)
    expect(decodeJwt(later).iat).toBe(t0.getTime() / 1000 + 30)
  })

  it('never hands one session’s JWT to another session or audience', async () => {
    const signing = await key()
    const now = new Date('2031-03-02T12:00:00Z')
    const createdAt = Date.now() - 7000
    const jane = await identityJwtFor(sampleSession({ createdAt }), signing, jwtContext(now))
    const bob = await identityJwtFor(sampleSession({ createdAt, nameId: 'bob@acme.example', email: 'bob@acme.example' }), signing, jwtContext(now))
    const otherIdp = await identityJwtFor(sampleSession({ createdAt, idpId: 'idp_2', idpSlug: 'other-idp' }), signing, jwtContext(now))
    const nextLogin = await identityJwtFor(sampleSession({ createdAt: createdAt + 1 }), signing, jwtContext(now))
    const otherAudience = await identityJwtFor(sampleSession({ createdAt }), signing, { ...jwtContext(now), audience: 'https://other.test' })
    const otherGroups = await identityJwtFor(sampleSession({ createdAt, groups: ['support'] }), signing, jwtContext(now))
    expect(new Set([jane, bob, otherIdp, nextLogin, otherAudience, otherGroups]).size).toBe(6)
    expect(decodeJwt(bob).email).toBe('bob@acme.example')
    expect(decodeJwt(otherAudience).aud).toBe('https://other.test')
  })
})

describe('identityJwks (/sso/certs)', () => {
  it('publishes a key before the first login, and the same one on every call', async () => {
    const first = await identityJwks(testContext())
    expect(first.keys.length).toBeGreaterThanOrEqual(1)
    expect(first.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
    expect(first.keys[0]).not.toHaveProperty('d')
    expect(await identityJwks(testContext())).toEqual(first)
  })

  it('keeps a rotated-out key published, so a JWT signed just before a rotation still verifies', async () => {
    const old = await key()
    const jwt = await signIdentityJwt(sampleSession(), old, jwtContext())
    await rotateSigningKey(env.DB, env.SSO_SECRET, new Date())
    const kids = (await identityJwks(testContext())).keys.map((k) => k.kid)
    expect(kids).toContain(old.kid)
    expect(kids.length).toBeGreaterThanOrEqual(2)
    await expect(verify(jwt)).resolves.toBeTruthy()
  })
})
