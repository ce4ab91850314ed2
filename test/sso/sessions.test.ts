// The portal session as a browser holds it (sso/sessions.ts), on real KV: a fresh token at every
// login, the previous one ended, a Lax cookie that lives as long as the session, and /sso/me.
import { describe, expect, it } from 'vitest'
import { currentSession, endSession, identityView, SESSION_COOKIE, startSession } from '../../src/sso/sessions'
import { testContext } from '../helpers/context'
import { sampleSession } from '../helpers/session'

const NOW = new Date('2031-03-01T12:00:00Z')
const ctx = (now = NOW) => testContext({ clock: () => now })
const session = (lifetimeMs = 3600_000) => sampleSession({ createdAt: NOW.getTime(), expiresAt: NOW.getTime() + lifetimeMs })
const cookiesOf = (value: string) => ({ [SESSION_COOKIE]: value })

describe('startSession', () => {
  it('stores the session under a fresh token and sets a Lax cookie whose Max-Age is the time left', async () => {
    const s = session(2 * 3600_000)
    const cookie = await startSession(ctx(), {}, s)
    expect(cookie).toEqual({ name: SESSION_COOKIE, value: expect.stringMatching(/.{32,}/), options: { sameSite: 'Lax', maxAge: 7200 } })
    expect(await currentSession(ctx(), cookiesOf(cookie.value!))).toEqual(s)
  })

  it('never sets a Max-Age under KV’s 60-second floor', async () => {
    const cookie = await startSession(ctx(), {}, session(5_000))
    expect(cookie.options.maxAge).toBe(60)
  })

  it('ends the session the browser held before (no fixation, no second live session)', async () => {
    const first = await startSession(ctx(), {}, session())
    const second = await startSession(ctx(), cookiesOf(first.value!), session())
    expect(second.value).not.toBe(first.value)
    expect(await currentSession(ctx(), cookiesOf(first.value!))).toBeNull()
    expect(await currentSession(ctx(), cookiesOf(second.value!))).not.toBeNull()
  })
})

describe('currentSession', () => {
  it('is null without a cookie, for an unknown or malformed token, and once the session expired', async () => {
    const cookie = await startSession(ctx(), {}, session(3600_000))
    expect(await currentSession(ctx(), {})).toBeNull()
    expect(await currentSession(ctx(), cookiesOf('x'.repeat(43)))).toBeNull()
    expect(await currentSession(ctx(), cookiesOf('not a token'))).toBeNull()
    expect(await currentSession(ctx(new Date(NOW.getTime() + 3599_000)), cookiesOf(cookie.value!))).not.toBeNull()
    expect(await currentSession(ctx(new Date(NOW.getTime() + 3600_000)), cookiesOf(cookie.value!))).toBeNull()
  })
})

describe('endSession', () => {
  it('ends the session, returns what it was, and clears the cookie', async () => {
    const s = session()
    const cookie = await startSession(ctx(), {}, s)
    const ended = await endSession(ctx(), cookiesOf(cookie.value!))
    expect(ended).toEqual({ session: s, cookie: { name: SESSION_COOKIE, value: null, options: { sameSite: 'Lax', maxAge: 0 } } })
    expect(await currentSession(ctx(), cookiesOf(cookie.value!))).toBeNull()
  })

  it('still clears the cookie when there is no live session', async () => {
    expect(await endSession(ctx(), {})).toEqual({ session: null, cookie: { name: SESSION_COOKIE, value: null, options: { sameSite: 'Lax', maxAge: 0 } } })
  })
})

describe('identityView (/sso/me)', () => {
  it('shows the signed-in identity with an ISO expiry', () => {
    const s = session()
    expect(identityView(s)).toEqual({
      sub: 'jane@acme.example',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      email: 'jane@acme.example',
      name: 'Jane Doe',
      groups: ['support', 'admins'],
      idp: 'acme-okta',
      expiresAt: '2031-03-01T13:00:00.000Z',
    })
  })
})
