// The ACS service (sso/acs.ts) on real D1/KV: the per-IdP policy the resolver hands the core
// (signed assertions, clock skew from the IdP or the gateway default), the audit trail it fills,
// and test-connection runs that keep their failure for the admin.
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { newTrail } from '../../src/audit/record'
import { acceptSamlResponse, MIN_REPLAY_WINDOW_MS } from '../../src/sso/acs'
import { LOGIN_STATE_TTL_SECONDS } from '../../src/sso/login-state'
import { pruneConsumed } from '../../src/store/replay'
import { seedIdp, type IdpSeed } from '../helpers/tenants'
import { putSettings } from '../../src/store/settings'
import { getTestResult } from '../../src/store/test-results'
import { startSignIn } from '../../src/sso/sign-in'
import { findIdp } from '../../src/store/idps'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { testContext } from '../helpers/context'
import { issueResponse } from '../helpers/idp'

const base: IdpSeed = {
  name: 'Policy IdP',
  slug: 'policy',
  entityId: 'https://idp.policy.test',
  ssoUrl: 'https://idp.policy.test/sso',
  certificates: [TEST_IDP_CERT],
  allowIdpInitiated: true,
}

beforeAll(async () => {
  const now = new Date()
  await seedIdp(env.DB, 'idp_signed', { ...base, slug: 'signed', entityId: 'https://idp.signed.test', wantAssertionsSigned: true }, now)
  await seedIdp(env.DB, 'idp_lenient', { ...base, slug: 'lenient', entityId: 'https://idp.lenient.test' }, now)
  await seedIdp(env.DB, 'idp_strict_clock', { ...base, slug: 'strict-clock', entityId: 'https://idp.strict-clock.test', clockSkewSeconds: 0 }, now)
  await seedIdp(env.DB, 'idp_disabled', { ...base, slug: 'disabled', entityId: 'https://idp.disabled.test', enabled: false }, now)
})

/** An unsolicited response from `issuer`, signed as asked, consumed by the ACS service. */
async function post(issuer: string, options: Parameters<typeof issueResponse>[0] = {}) {
  const trail = newTrail('login')
  const samlResponse = await issueResponse({ issuer, ...options })
  const outcome = await acceptSamlResponse(testContext(), trail, { samlResponse, relayState: null, cookies: {} }).then(
    (step) => ({ ok: true as const, step }),
    (error: { code?: string }) => ({ ok: false as const, code: error.code }),
  )
  return { outcome, trail }
}

describe('wantAssertionsSigned', () => {
  it('refuses a signed Response around an unsigned Assertion when the IdP requires signed assertions', async () => {
    const { outcome, trail } = await post('https://idp.signed.test', { sign: 'response' })
    expect(outcome).toEqual({ ok: false, code: 'SAML_SIGNATURE_MISSING' })
    expect(trail).toMatchObject({ action: 'login', idpId: 'idp_signed' })
  })

  it('accepts a signed Assertion from that IdP, and a Response-only signature from one that does not require it', async () => {
    expect((await post('https://idp.signed.test', { sign: 'assertion' })).outcome.ok).toBe(true)
    expect((await post('https://idp.lenient.test', { sign: 'response' })).outcome.ok).toBe(true)
  })
})

describe('clock skew: the IdP own, else the gateway default (settings.clockSkewSeconds)', () => {
  // Issued 5 minutes ago with a 1-minute window: late by 4 minutes.
  const late = () => ({ now: new Date(Date.now() - 5 * 60_000), lifetimeSeconds: 60 })

  it('uses the gateway default for an IdP without its own skew', async () => {
    await putSettings(env.DB, { clockSkewSeconds: 180 }, new Date())
    expect((await post('https://idp.lenient.test', late())).outcome).toEqual({ ok: false, code: 'SAML_EXPIRED' })
    await putSettings(env.DB, { clockSkewSeconds: 600 }, new Date())
    expect((await post('https://idp.lenient.test', late())).outcome.ok).toBe(true)
  })

  it("lets an IdP's own skew override the default", async () => {
    await putSettings(env.DB, { clockSkewSeconds: 600 }, new Date())
    expect((await post('https://idp.strict-clock.test', late())).outcome).toEqual({ ok: false, code: 'SAML_EXPIRED' })
  })
})

describe('replay rows outlive the window in which the core accepts the assertion (issue 11 item 6)', () => {
  const at = (t: number) => testContext({ clock: () => new Date(t) })
  const consume = (samlResponse: string, t: number) =>
    acceptSamlResponse(at(t), newTrail('login'), { samlResponse, relayState: null, cookies: {} }).then(
      () => 'accepted',
      (error: { code?: string }) => error.code,
    )

  it('keeps the row until NotOnOrAfter plus the skew, so a replay after the daily prune is still refused', async () => {
    await putSettings(env.DB, { clockSkewSeconds: 600 }, new Date())
    const t0 = Date.now()
    // Valid for 20 minutes; with a 10-minute skew the core accepts it until t0 + 30 min.
    const samlResponse = await issueResponse({ issuer: 'https://idp.lenient.test', now: new Date(t0), lifetimeSeconds: 20 * 60 })
    expect(await consume(samlResponse, t0)).toBe('accepted')
    const row = await env.DB.prepare('SELECT expires_at FROM consumed_assertions ORDER BY consumed_at DESC LIMIT 1').first<{ expires_at: number }>()
    expect(row!.expires_at).toBe(t0 + 30 * 60_000)
    // The cron prunes at t0 + 25 min, and the same response comes back: still a replay.
    await pruneConsumed(env.DB, new Date(t0 + 25 * 60_000))
    expect(await consume(samlResponse, t0 + 25 * 60_000)).toBe('SAML_REPLAY')
  })

  it('keeps the row at least as long as a login state lives, for a short-lived assertion', async () => {
    await putSettings(env.DB, { clockSkewSeconds: 0 }, new Date())
    const t0 = Date.now()
    expect(await consume(await issueResponse({ issuer: 'https://idp.lenient.test', now: new Date(t0), lifetimeSeconds: 60 }), t0)).toBe('accepted')
    const row = await env.DB.prepare('SELECT expires_at FROM consumed_assertions ORDER BY consumed_at DESC LIMIT 1').first<{ expires_at: number }>()
    expect(row!.expires_at).toBe(t0 + MIN_REPLAY_WINDOW_MS)
    expect(MIN_REPLAY_WINDOW_MS).toBe(LOGIN_STATE_TTL_SECONDS * 1000)
  })
})

describe('resolution and the audit trail', () => {
  it('refuses an unknown issuer before any IdP is known', async () => {
    const { outcome, trail } = await post('https://idp.nobody.test')
    expect(outcome).toEqual({ ok: false, code: 'LOGIN_UNKNOWN_ISSUER' })
    expect(trail.idpId).toBeNull()
  })

  it('refuses a disabled IdP and names it in the trail', async () => {
    const { outcome, trail } = await post('https://idp.disabled.test')
    expect(outcome).toEqual({ ok: false, code: 'LOGIN_IDP_DISABLED' })
    expect(trail.idpId).toBe('idp_disabled')
  })

  it('names the IdP and the subject after a valid response', async () => {
    const { outcome, trail } = await post('https://idp.lenient.test', { nameId: 'kim@acme.example' })
    expect(outcome.ok).toBe(true)
    expect(trail).toMatchObject({ idpId: 'idp_lenient', subject: 'lenient:kim@acme.example' })
  })
})

describe('test connection', () => {
  it("keeps a failed test's code, values and admin explanation for the console, and signs nobody in", async () => {
    const ctx = testContext()
    const idp = (await findIdp(env.DB, 'signed'))!
    const start = await startSignIn(ctx, idp, '/', {}, { test: true })
    const cookies = Object.fromEntries(start.cookies.filter((c) => c.value).map((c) => [c.name, c.value!]))
    const requestId = start.cookies.find((c) => c.value)!.name.replace('__Host-sso_login_', '')
    const trail = newTrail('login')
    const step = await acceptSamlResponse(ctx, trail, {
      samlResponse: await issueResponse({ issuer: idp.entityId, inResponseTo: requestId, sign: 'response' }),
      relayState: null,
      cookies,
    })
    expect(step.navigation).toEqual({ kind: 'redirect', location: `/sso/admin/idps/${idp.id}/test/${requestId}`, status: 303 })
    expect(step.cookies.some((c) => c.name === '__Host-sso_session')).toBe(false)
    expect(trail.action).toBe('login.test')
    const result = await getTestResult(env.SESSIONS, requestId)
    expect(result).toMatchObject({ ok: false, idpId: idp.id, code: 'SAML_SIGNATURE_MISSING' })
    const failure = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'login.test' ORDER BY id DESC").first<Record<string, unknown>>()
    expect(failure).toMatchObject({ outcome: 'failure', code: 'SAML_SIGNATURE_MISSING', idp_id: idp.id })
  })
})

describe('an SP-initiated sign-in, end to end at the service', () => {
  const jar = (changes: { name: string; value: string | null }[]) => Object.fromEntries(changes.filter((c) => c.value !== null).map((c) => [c.name, c.value!]))

  async function started(idpId: string, returnTo = '/tickets/7') {
    const idp = (await findIdp(env.DB, idpId))!
    const start = await startSignIn(testContext(), idp, returnTo, {})
    const cookies = jar(start.cookies)
    const requestId = Object.keys(cookies)[0]!.replace('__Host-sso_login_', '')
    return { idp, cookies, requestId }
  }

  it('starts a Lax session, returns to the stored path, clears the login state and records the login', async () => {
    const { idp, cookies, requestId } = await started('idp_lenient')
    const trail = newTrail('login')
    const samlResponse = await issueResponse({ issuer: idp.entityId, inResponseTo: requestId, nameId: 'lee@acme.example' })
    const step = await acceptSamlResponse(testContext(), trail, { samlResponse, relayState: '/ignored-when-solicited', cookies })
    expect(step.navigation).toEqual({ kind: 'redirect', location: '/tickets/7', status: 303 })
    expect(step.cookies).toEqual([
      { name: `__Host-sso_login_${requestId}`, value: null, options: { sameSite: 'None', maxAge: 0 } },
      { name: '__Host-sso_session', value: expect.any(String), options: { sameSite: 'Lax', maxAge: expect.any(Number) } },
    ])
    const row = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'login' AND outcome = 'success' ORDER BY id DESC").first<Record<string, unknown>>()
    expect(row).toMatchObject({ idp_id: 'idp_lenient', subject: 'lenient:lee@acme.example' })
  })

  it('refuses the same response twice: the login state is single use (SAML_REPLAY)', async () => {
    const { idp, cookies, requestId } = await started('idp_lenient')
    const samlResponse = await issueResponse({ issuer: idp.entityId, inResponseTo: requestId })
    await acceptSamlResponse(testContext(), newTrail('login'), { samlResponse, relayState: null, cookies })
    await expect(acceptSamlResponse(testContext(), newTrail('login'), { samlResponse, relayState: null, cookies })).rejects.toMatchObject({
      code: 'SAML_REPLAY',
    })
  })

  it('refuses a response to a login this browser did not start with LOGIN_STATE_MISSING', async () => {
    const { idp, requestId } = await started('idp_lenient')
    const samlResponse = await issueResponse({ issuer: idp.entityId, inResponseTo: requestId })
    await expect(acceptSamlResponse(testContext(), newTrail('login'), { samlResponse, relayState: null, cookies: {} })).rejects.toMatchObject({
      code: 'LOGIN_STATE_MISSING',
    })
  })
})

describe('an OIDC IdP never answers at the ACS', () => {
  it('refuses a SAML response whose Issuer is an OIDC IdP’s gateway-made entity ID (LOGIN_UNKNOWN_ISSUER)', async () => {
    await seedIdp(
      env.DB,
      'idp_oidc_at_acs',
      { ...base, slug: 'oidc-at-acs', entityId: 'urn:edge-sso:oidc:oidc-at-acs', protocol: 'oidc', issuer: 'https://login.oidc-at-acs.test', clientId: 'c' },
      new Date(),
    )
    expect((await post('urn:edge-sso:oidc:oidc-at-acs')).outcome).toEqual({ ok: false, code: 'LOGIN_UNKNOWN_ISSUER' })
  })
})
