// Proxy mode end to end at the service (handoff/portal.ts): the portal receives identity headers
// and an SSO-JWT it can verify with the keys /sso/certs publishes, issued by the gateway origin
// for the portal origin. The upstream is global fetch, mocked here.
import { env } from 'cloudflare:workers'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { identityJwks } from '../../src/handoff/identity-jwt'
import { forwardToPortal } from '../../src/handoff/portal'
import { DEFAULT_SETTINGS, putSettings } from '../../src/store/settings'
import { TEST_ORIGIN, testContext } from '../helpers/context'
import { currentSession, SESSION_COOKIE } from '../../src/sso/sessions'
import { sampleSession, sessionCookie } from '../helpers/session'
import { countingD1, recordingKv } from '../helpers/storage'

afterEach(() => {
  vi.restoreAllMocks()
})

function upstream(): Request[] {
  const seen: Request[] = []
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    seen.push(new Request(input, init))
    return new Response('portal page', { status: 200 })
  })
  return seen
}

/** The portal's check, as the README shows it (JWKS from /sso/certs). */
async function portalVerifies(jwt: string, audience: string) {
  const jwks = createLocalJWKSet(await identityJwks(testContext()))
  return jwtVerify(jwt, jwks, { issuer: TEST_ORIGIN, audience, algorithms: ['ES256'] })
}

describe('forwardToPortal', () => {
  it('forwards to PORTAL_ORIGIN with an SSO-JWT that verifies with the published keys (iss = gateway, aud = portal)', async () => {
    const seen = upstream()
    const request = new Request(`${TEST_ORIGIN}/tickets?open=1`, { headers: { 'sso-jwt': 'forged', 'x-sso-email': 'ceo@victim.example' } })
    const res = await forwardToPortal(testContext(), request, sampleSession(), 'http://portal.test')
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('portal page')
    const sent = seen[0]!
    expect(sent.url).toBe('http://portal.test/tickets?open=1')
    expect(sent.headers.get('x-sso-email')).toBe('jane@acme.example')
    const jwt = sent.headers.get('sso-jwt')!
    expect(jwt).not.toBe('forged')
    const { payload, protectedHeader } = await portalVerifies(jwt, 'http://portal.test')
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT' })
    expect(payload).toMatchObject({
      iss: TEST_ORIGIN,
      aud: 'http://portal.test',
      email: 'jane@acme.example',
      name: 'Jane Doe',
      groups: ['support', 'admins'],
      idp: 'acme-okta',
    })
  })

  it('issues the SSO-JWT for its own origin when the portal is the route origin', async () => {
    const seen = upstream()
    await forwardToPortal(testContext(), new Request(`${TEST_ORIGIN}/home`), sampleSession({ createdAt: Date.now() - 1 }), undefined)
    expect(seen[0]!.url).toBe(`${TEST_ORIGIN}/home`)
    const jwt = seen[0]!.headers.get('sso-jwt')!
    expect((await portalVerifies(jwt, TEST_ORIGIN)).payload.aud).toBe(TEST_ORIGIN)
    await expect(portalVerifies(jwt, 'http://portal.test')).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' })
  })

  it('uses the header names and user header an admin configured', async () => {
    await putSettings(
      env.DB,
      {
        headerNames: {
          subject: 'X-Portal-Subject',
          email: 'X-Portal-Email',
          name: 'X-Portal-Name',
          groups: 'X-Portal-Groups',
          idp: 'X-Portal-IdP',
          org: 'X-Portal-Org',
        },
        userHeader: { name: 'X-Forwarded-User', value: 'email', pathPrefixes: ['/auth/sso'] },
      },
      new Date(),
    )
    try {
      const seen = upstream()
      const spoof = { 'X-Forwarded-User': 'admin@victim.example' }
      await forwardToPortal(testContext(), new Request(`${TEST_ORIGIN}/auth/sso`, { headers: spoof }), sampleSession(), 'http://portal.test')
      await forwardToPortal(testContext(), new Request(`${TEST_ORIGIN}/tickets`, { headers: spoof }), sampleSession(), 'http://portal.test')
      const [sso, other] = seen
      expect(sso!.headers.get('x-forwarded-user')).toBe('jane@acme.example')
      expect(sso!.headers.get('x-portal-email')).toBe('jane@acme.example')
      expect(sso!.headers.get('x-sso-email')).toBeNull()
      expect(sso!.headers.get('sso-jwt')).toBeTruthy()
      expect(other!.headers.get('x-forwarded-user')).toBeNull()
    } finally {
      await putSettings(env.DB, { headerNames: DEFAULT_SETTINGS.headerNames, userHeader: null }, new Date())
    }
  })
})

describe('the portal path reads D1 only to refresh its per-isolate caches', () => {
  it('makes no D1 call for a signed-in portal request once its caches are warm (tenant status, settings, JWT key)', async () => {
    upstream()
    // This isolate's binding as a fresh object: the caches keyed by it start cold.
    const { db, calls } = countingD1(env.DB)
    const cookie = await sessionCookie()
    const cookies = { [SESSION_COOKIE]: cookie.slice(cookie.indexOf('=') + 1) }
    const now = new Date()
    const ctx = testContext({ db, clock: () => now })
    const request = async () => {
      const session = await currentSession(ctx, cookies)
      expect(session).not.toBeNull()
      return forwardToPortal(ctx, new Request(`${TEST_ORIGIN}/tickets`), session!, 'http://portal.test')
    }
    await request()
    expect(calls.length).toBeGreaterThan(0)
    calls.length = 0
    for (let i = 0; i < 5; i++) expect((await request()).status).toBe(200)
    expect(calls).toEqual([])
  })
})

describe('the portal path reads KV once per request (issue 15)', () => {
  it('makes exactly one KV read, the session, for a signed-in portal request: revocations and tenant status come from the cached status', async () => {
    upstream()
    const { kv, reads } = recordingKv(env.SESSIONS)
    const cookie = await sessionCookie()
    const token = cookie.slice(cookie.indexOf('=') + 1)
    const ctx = testContext({ kv })
    for (let i = 0; i < 3; i++) {
      reads.length = 0
      const session = await currentSession(ctx, { [SESSION_COOKIE]: token })
      expect(session).not.toBeNull()
      expect((await forwardToPortal(ctx, new Request(`${TEST_ORIGIN}/tickets`), session!, 'http://portal.test')).status).toBe(200)
      expect(reads).toEqual([expect.stringMatching(/^session:[0-9a-f]{64}$/)])
    }
  })
})
