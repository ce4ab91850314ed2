// Who may administer the gateway (admin/auth.ts): the admin token with attempts counted per IP in
// a Durable Object, console sessions in KV, admin access through SSO for (IdP, group) pairs in
// settings.adminAccess (re-checked against the live IdP), and the console's CSRF token check.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  ADMIN_COOKIE,
  closeConsoleSession,
  isCsrfTokenValid,
  MAX_FAILED_ATTEMPTS,
  openConsoleSession,
  isSsoAdminStillGranted,
  readConsoleSession,
  ssoAdminGrant,
  verifyAdminToken,
} from '../../src/admin/auth'
import { updateSettings } from '../../src/admin/settings'
import { newToken } from '../../src/crypto/token'
import { testContext } from '../helpers/context'
import { sampleSession, sessionCookie, type TestSession } from '../helpers/session'

const TOKEN = env.ADMIN_TOKEN
let ipCounter = 0
/** A context from a client IP no other test used (attempts are counted per IP). */
const fromNewIp = () => testContext({ ip: `198.51.100.${++ipCounter}` })

/** `name=value` as the cookie record services read. */
function cookieRecord(header: string): Record<string, string> {
  const i = header.indexOf('=')
  return { [header.slice(0, i)]: header.slice(i + 1) }
}

describe('verifyAdminToken', () => {
  it('accepts the right token', async () => {
    await expect(verifyAdminToken(fromNewIp(), TOKEN, TOKEN)).resolves.toBeUndefined()
  })

  it('refuses a wrong token with ADMIN_TOKEN_INVALID and counts the attempts per IP', async () => {
    const ctx = fromNewIp()
    await expect(verifyAdminToken(ctx, 'wrong', TOKEN)).rejects.toMatchObject({ code: 'ADMIN_TOKEN_INVALID', detail: { attempts: 1 } })
    await expect(verifyAdminToken(ctx, `${TOKEN}x`, TOKEN)).rejects.toMatchObject({ code: 'ADMIN_TOKEN_INVALID', detail: { attempts: 2 } })
    await expect(verifyAdminToken(ctx, '', TOKEN)).rejects.toMatchObject({ code: 'ADMIN_TOKEN_INVALID', detail: { attempts: 3 } })
    await expect(verifyAdminToken(ctx, TOKEN, TOKEN)).resolves.toBeUndefined()
  })

  it(`throttles an IP after ${MAX_FAILED_ATTEMPTS} failures, even for the right token, and leaves other IPs alone`, async () => {
    const ctx = fromNewIp()
    for (let i = 1; i <= MAX_FAILED_ATTEMPTS; i++)
      await expect(verifyAdminToken(ctx, `guess-${i}`, TOKEN)).rejects.toMatchObject({ code: 'ADMIN_TOKEN_INVALID', detail: { attempts: i } })
    await expect(verifyAdminToken(ctx, TOKEN, TOKEN)).rejects.toMatchObject({ code: 'ADMIN_RATE_LIMITED' })
    await expect(verifyAdminToken(ctx, 'guess', TOKEN)).rejects.toMatchObject({ code: 'ADMIN_RATE_LIMITED' })
    await expect(verifyAdminToken(fromNewIp(), TOKEN, TOKEN)).resolves.toBeUndefined()
  })

  // Issue 11 item 9: the KV counter was read, then written: parallel guesses all read a count
  // under the limit, so a burst of any size was compared against the token.
  it(`compares at most ${MAX_FAILED_ATTEMPTS} of 30 parallel guesses from one IP`, async () => {
    const ctx = fromNewIp()
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => verifyAdminToken(ctx, `guess-${i}`, TOKEN)))
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'accepted'))
    expect(codes.filter((c) => c === 'ADMIN_TOKEN_INVALID')).toHaveLength(MAX_FAILED_ATTEMPTS)
    expect(codes.filter((c) => c === 'ADMIN_RATE_LIMITED')).toHaveLength(30 - MAX_FAILED_ATTEMPTS)
    await expect(verifyAdminToken(ctx, TOKEN, TOKEN)).rejects.toMatchObject({ code: 'ADMIN_RATE_LIMITED' })
  })

  it(`gives a right token its attempt back: an admin client with up to ${MAX_FAILED_ATTEMPTS} requests at a time is never throttled`, async () => {
    const ctx = fromNewIp()
    for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: MAX_FAILED_ATTEMPTS }, () => verifyAdminToken(ctx, TOKEN, TOKEN)))
    for (let i = 0; i < MAX_FAILED_ATTEMPTS * 2; i++) await verifyAdminToken(ctx, TOKEN, TOKEN)
    await expect(verifyAdminToken(ctx, TOKEN, TOKEN)).resolves.toBeUndefined()
  })

  it('still lets the right token in one failure short of the limit', async () => {
    const ctx = fromNewIp()
    for (let i = 1; i < MAX_FAILED_ATTEMPTS; i++) await expect(verifyAdminToken(ctx, 'guess', TOKEN)).rejects.toMatchObject({ code: 'ADMIN_TOKEN_INVALID' })
    await expect(verifyAdminToken(ctx, TOKEN, TOKEN)).resolves.toBeUndefined()
  })

  it('refuses everything with CONFIG_MISSING_SECRET when no admin token is configured', async () => {
    await expect(verifyAdminToken(fromNewIp(), '', undefined)).rejects.toMatchObject({ code: 'CONFIG_MISSING_SECRET' })
    await expect(verifyAdminToken(fromNewIp(), 'anything', '')).rejects.toMatchObject({ code: 'CONFIG_MISSING_SECRET' })
  })
})

describe('console sessions', () => {
  it('opens a session for the actor with a Lax, one-hour __Host- cookie, and reads it back', async () => {
    const ctx = testContext()
    const { session, cookie } = await openConsoleSession(ctx, 'admin-token')
    expect(session.actor).toBe('admin-token')
    expect(session.csrf.length).toBeGreaterThanOrEqual(32)
    expect(cookie).toMatchObject({ name: ADMIN_COOKIE, value: expect.any(String), options: { sameSite: 'Lax', maxAge: 3600 } })
    expect(await readConsoleSession(ctx, { [ADMIN_COOKIE]: cookie.value! })).toEqual(session)
  })

  it('gives each session its own cookie token and CSRF token', async () => {
    const a = await openConsoleSession(testContext(), 'admin-token')
    const b = await openConsoleSession(testContext(), 'admin-token')
    expect(a.cookie.value).not.toBe(b.cookie.value)
    expect(a.session.csrf).not.toBe(b.session.csrf)
  })

  it('reads no session without the cookie, with an unknown token, or after the hour', async () => {
    const { cookie } = await openConsoleSession(testContext(), 'admin-token')
    expect(await readConsoleSession(testContext(), {})).toBeNull()
    expect(await readConsoleSession(testContext(), { [ADMIN_COOKIE]: newToken((n) => crypto.getRandomValues(new Uint8Array(n))) })).toBeNull()
    expect(await readConsoleSession(testContext(), { [ADMIN_COOKIE]: 'not-a-token' })).toBeNull()
    const later = testContext({ clock: () => new Date(Date.now() + 3601_000) })
    expect(await readConsoleSession(later, { [ADMIN_COOKIE]: cookie.value! })).toBeNull()
  })

  it('closes the session: the cookie is cleared and the token no longer works', async () => {
    const ctx = testContext()
    const { cookie } = await openConsoleSession(ctx, 'admin-token')
    const cookies = { [ADMIN_COOKIE]: cookie.value! }
    const cleared = await closeConsoleSession(ctx, cookies)
    expect(cleared).toMatchObject({ name: ADMIN_COOKIE, value: null, options: { maxAge: 0 } })
    expect(await readConsoleSession(ctx, cookies)).toBeNull()
  })
})

describe('admin through SSO: (IdP, group) pairs', () => {
  // Two tenants: Acme's IdP (the shared test organization) and Globex's, each with a group "admins".
  const acme = (overrides: Partial<TestSession> = {}) => sampleSession(overrides)
  const globex = (overrides: Partial<TestSession> = {}) =>
    sampleSession({
      idpId: 'idp_globex',
      idpSlug: 'globex-entra',
      organizationId: 'org_globex',
      organizationSlug: 'globex',
      nameId: 'jane@globex.example',
      email: 'jane@globex.example',
      ...overrides,
    })
  const grant = async (session: TestSession) => ssoAdminGrant(testContext(), cookieRecord(await sessionCookie(session)))
  const setAccess = (adminAccess: { idp: string; group: string }[]) => updateSettings(testContext(), { adminAccess }, 'api')

  it('admits a signed-in member of a listed (IdP, group) pair, named by subject, and nobody else', async () => {
    await grant(acme()) // creates Acme's IdP, so the pair below names a known IdP
    await setAccess([{ idp: 'acme-okta', group: 'helpdesk-admins' }])
    expect(await grant(acme({ groups: ['support', 'helpdesk-admins'] }))).toEqual({
      actor: 'sso:acme-okta:jane@acme.example',
      sso: { idpId: 'idp_1', group: 'helpdesk-admins', subject: 'acme-okta:jane@acme.example' },
    })
    expect(await grant(acme({ groups: ['support', 'admins'] }))).toBeNull()
    expect(await grant(acme({ groups: [] }))).toBeNull()
    expect(await ssoAdminGrant(testContext(), {})).toBeNull()
  })

  it("grants nothing to Acme's group when the pair names Globex's IdP, though the group name is the same", async () => {
    await grant(acme())
    await grant(globex())
    await setAccess([{ idp: 'globex-entra', group: 'admins' }])
    expect(await grant(acme({ groups: ['admins'] }))).toBeNull()
    expect(await grant(globex({ groups: ['admins'] }))).toMatchObject({ actor: 'sso:globex-entra:jane@globex.example' })
  })

  it('refuses a pair naming an unknown IdP, and the removed adminGroups setting with an explanation', async () => {
    await expect(setAccess([{ idp: 'no-such-idp', group: 'admins' }])).rejects.toMatchObject({
      code: 'ADMIN_INVALID_FIELD',
      detail: { field: 'adminAccess[0].idp' },
    })
    await expect(updateSettings(testContext(), { adminGroups: ['admins'] }, 'api')).rejects.toMatchObject({
      code: 'ADMIN_INVALID_FIELD',
      detail: { field: 'adminGroups' },
    })
  })

  it('admits nobody while no pair is configured, and stops when the pair is removed', async () => {
    const session = acme({ groups: ['helpdesk-admins'] })
    await setAccess([])
    expect(await grant(session)).toBeNull()
    await setAccess([{ idp: 'acme-okta', group: 'helpdesk-admins' }])
    expect(await grant(session)).not.toBeNull()
    await setAccess([{ idp: 'acme-okta', group: 'other' }])
    expect(await grant(session)).toBeNull()
  })

  it('admits nobody once the portal session has expired', async () => {
    await grant(acme())
    await setAccess([{ idp: 'acme-okta', group: 'helpdesk-admins' }])
    const cookies = cookieRecord(await sessionCookie(acme({ groups: ['helpdesk-admins'] })))
    expect(await ssoAdminGrant(testContext({ clock: () => new Date(Date.now() + 2 * 3600_000) }), cookies)).toBeNull()
  })

  it('re-checks the grant on every request against the live IdP, its organization and the pair', async () => {
    await grant(acme())
    await setAccess([{ idp: 'acme-okta', group: 'helpdesk-admins' }])
    const cookies = cookieRecord(await sessionCookie(acme({ groups: ['helpdesk-admins'] })))
    const granted = (await ssoAdminGrant(testContext(), cookies))!
    const still = () => isSsoAdminStillGranted(testContext(), granted.sso, cookies)
    expect(await still()).toBe(true)
    // Disabled behind the store's back (another isolate's write): the portal's 30 s cache still
    // says enabled, but the admin check reads the IdP fresh.
    await env.DB.prepare("UPDATE idps SET enabled = 0 WHERE id = 'idp_1'").run()
    expect(await still()).toBe(false)
    await env.DB.prepare("UPDATE idps SET enabled = 1 WHERE id = 'idp_1'").run()
    expect(await still()).toBe(true)
    await env.DB.prepare("UPDATE organizations SET enabled = 0 WHERE id = 'org_test'").run()
    expect(await still()).toBe(false)
    await env.DB.prepare("UPDATE organizations SET enabled = 1 WHERE id = 'org_test'").run()
    await setAccess([])
    expect(await still()).toBe(false)
    await setAccess([{ idp: 'acme-okta', group: 'helpdesk-admins' }])
    // Another user's portal cookie, or one without the group, does not carry the grant.
    const other = cookieRecord(await sessionCookie(acme({ nameId: 'bob@acme.example', groups: ['helpdesk-admins'] })))
    expect(await isSsoAdminStillGranted(testContext(), granted.sso, other)).toBe(false)
    const withoutGroup = cookieRecord(await sessionCookie(acme({ groups: ['support'] })))
    expect(await isSsoAdminStillGranted(testContext(), granted.sso, withoutGroup)).toBe(false)
  })
})

describe('console sessions opened through SSO before (IdP, group) pairs', () => {
  it('are not honored: they carry no pair to re-check (any IdP could have granted them)', async () => {
    const { createAdminSession } = await import('../../src/store/admin-sessions')
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
    const old = await createAdminSession(env.SESSIONS, 'sso:jane@acme.example', random, new Date())
    expect(await readConsoleSession(testContext(), { [ADMIN_COOKIE]: old.token })).toBeNull()
    // A token session reads as before.
    const token = await createAdminSession(env.SESSIONS, 'admin-token', random, new Date())
    expect(await readConsoleSession(testContext(), { [ADMIN_COOKIE]: token.token })).toMatchObject({ actor: 'admin-token' })
  })
})

describe('isCsrfTokenValid', () => {
  it("accepts only the session's own CSRF token", async () => {
    const { session } = await openConsoleSession(testContext(), 'admin-token')
    const other = await openConsoleSession(testContext(), 'admin-token')
    expect(await isCsrfTokenValid(session, session.csrf)).toBe(true)
    expect(await isCsrfTokenValid(session, other.session.csrf)).toBe(false)
    expect(await isCsrfTokenValid(session, `${session.csrf}x`)).toBe(false)
    expect(await isCsrfTokenValid(session, '')).toBe(false)
  })

  it('refuses everything for a session without a CSRF token', async () => {
    expect(await isCsrfTokenValid({ actor: 'admin-token', csrf: '', expiresAt: Date.now() + 1000 }, '')).toBe(false)
  })
})
