// Who may administer the gateway (admin/auth.ts): the admin token with failures counted per IP in
// KV, console sessions in KV, admin access through SSO for members of settings.adminGroups, and the
// console's CSRF token check.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  ADMIN_COOKIE,
  closeConsoleSession,
  isCsrfTokenValid,
  MAX_FAILED_ATTEMPTS,
  openConsoleSession,
  readConsoleSession,
  ssoAdminActor,
  verifyAdminToken,
} from '../../src/admin/auth'
import { updateSettings } from '../../src/admin/settings'
import { newToken } from '../../src/crypto/token'
import { testContext } from '../helpers/context'
import { sampleSession, sessionCookie } from '../helpers/session'

const TOKEN = env.ADMIN_TOKEN
let ipCounter = 0
/** A context from a client IP no other test used (failures are counted per IP in this file's KV). */
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

describe('ssoAdminActor', () => {
  it('admits a signed-in member of an admin group, named by email, and nobody else', async () => {
    await updateSettings(testContext(), { adminGroups: ['helpdesk-admins'] }, 'api')
    const member = cookieRecord(await sessionCookie(sampleSession({ groups: ['support', 'helpdesk-admins'] })))
    const nonMember = cookieRecord(await sessionCookie(sampleSession({ email: 'joe@acme.example', groups: ['support', 'admins'] })))
    const noGroups = cookieRecord(await sessionCookie(sampleSession({ groups: [] })))
    expect(await ssoAdminActor(testContext(), member)).toBe('sso:jane@acme.example')
    expect(await ssoAdminActor(testContext(), nonMember)).toBeNull()
    expect(await ssoAdminActor(testContext(), noGroups)).toBeNull()
    expect(await ssoAdminActor(testContext(), {})).toBeNull()
  })

  it('names a member without an email by NameID', async () => {
    await updateSettings(testContext(), { adminGroups: ['helpdesk-admins'] }, 'api')
    const cookies = cookieRecord(await sessionCookie(sampleSession({ email: null, nameId: 'u-1234', groups: ['helpdesk-admins'] })))
    expect(await ssoAdminActor(testContext(), cookies)).toBe('sso:u-1234')
  })

  it('admits nobody while no admin group is configured, and stops when the group is removed', async () => {
    const cookies = cookieRecord(await sessionCookie(sampleSession({ groups: ['helpdesk-admins'] })))
    await updateSettings(testContext(), { adminGroups: [] }, 'api')
    expect(await ssoAdminActor(testContext(), cookies)).toBeNull()
    await updateSettings(testContext(), { adminGroups: ['helpdesk-admins'] }, 'api')
    expect(await ssoAdminActor(testContext(), cookies)).toBe('sso:jane@acme.example')
    await updateSettings(testContext(), { adminGroups: ['other'] }, 'api')
    expect(await ssoAdminActor(testContext(), cookies)).toBeNull()
  })

  it('admits nobody once the portal session has expired', async () => {
    await updateSettings(testContext(), { adminGroups: ['helpdesk-admins'] }, 'api')
    const cookies = cookieRecord(await sessionCookie(sampleSession({ groups: ['helpdesk-admins'] })))
    expect(await ssoAdminActor(testContext({ clock: () => new Date(Date.now() + 2 * 3600_000) }), cookies)).toBeNull()
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
