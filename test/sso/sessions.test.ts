// The portal session as a browser holds it (sso/sessions.ts), on real KV and D1: a fresh token at
// every login, the previous one ended, a Lax cookie that lives as long as the session, /sso/me,
// and sessions that die with their tenant (a disabled IdP or organization), within the 30-second
// per-isolate cache window at most.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { currentSession, endSession, identityView, SESSION_COOKIE, startSession } from '../../src/sso/sessions'
import { createIdp, deleteIdp, updateIdp } from '../../src/store/idps'
import { updateOrganization } from '../../src/store/organizations'
import { endSessionsFor, revokeSessions } from '../../src/store/sessions'
import { invalidateTenantStatus, MAX_CACHED_REVOCATIONS, TENANT_STATUS_CACHE_MS } from '../../src/store/tenant-status'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { anotherIsolate, otherLocationKv, sha256Hex } from '../helpers/storage'
import { testContext } from '../helpers/context'
import { ensureSessionIdp, sampleSession } from '../helpers/session'
import { seedOrganization, TEST_ORG } from '../helpers/tenants'

const NOW = new Date('2031-03-01T12:00:00Z')
const ctx = (now = NOW) => testContext({ clock: () => now })
const session = (lifetimeMs = 3600_000) => sampleSession({ createdAt: NOW.getTime(), expiresAt: NOW.getTime() + lifetimeMs })
const cookiesOf = (value: string) => ({ [SESSION_COOKIE]: value })

beforeEach(async () => {
  // The session's IdP (idp_1, slug acme-okta) in the shared test organization, both enabled.
  await ensureSessionIdp(session())
  await updateIdp(env.DB, 'idp_1', { enabled: true, organizationId: TEST_ORG.id, sessionsRevokedAt: null }, NOW)
  await updateOrganization(env.DB, TEST_ORG.id, { enabled: true, sessionsRevokedAt: null }, NOW)
})

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
      sub: 'acme-okta:jane@acme.example',
      nameId: 'jane@acme.example',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      email: 'jane@acme.example',
      name: 'Jane Doe',
      groups: ['support', 'admins'],
      idp: 'acme-okta',
      org: 'acme-corp',
      expiresAt: '2031-03-01T13:00:00.000Z',
    })
  })
})

describe('sessions die with their tenant', () => {
  async function live(now = NOW): Promise<Record<string, string>> {
    const cookie = await startSession(ctx(now), {}, sampleSession({ createdAt: now.getTime(), expiresAt: now.getTime() + 3600_000 }))
    return cookiesOf(cookie.value!)
  }
  const alive = async (cookies: Record<string, string>, now = NOW) => (await currentSession(ctx(now), cookies)) !== null

  it('refuses the session of a disabled IdP or organization at once when the change went through this isolate', async () => {
    const cookies = await live()
    expect(await alive(cookies)).toBe(true)
    await updateIdp(env.DB, 'idp_1', { enabled: false }, NOW)
    expect(await alive(cookies)).toBe(false)
    await updateIdp(env.DB, 'idp_1', { enabled: true }, NOW)
    expect(await alive(cookies)).toBe(true)
    await updateOrganization(env.DB, TEST_ORG.id, { enabled: false }, NOW)
    expect(await alive(cookies)).toBe(false)
  })

  it('refuses the session of an IdP disabled elsewhere (another isolate) within the 30-second cache window', async () => {
    const t0 = new Date(NOW.getTime() + 86_400_000)
    const cookies = await live(t0)
    expect(await alive(cookies, t0)).toBe(true) // fills this isolate's cache at t0
    // Another isolate's admin disables the IdP: this isolate's cache is not told.
    await env.DB.prepare("UPDATE idps SET enabled = 0 WHERE id = 'idp_1'").run()
    expect(await alive(cookies, new Date(t0.getTime() + 1_000))).toBe(true)
    expect(await alive(cookies, new Date(t0.getTime() + TENANT_STATUS_CACHE_MS + 1_000))).toBe(false)
  })

  it('refuses the session once its IdP is deleted or moved to another organization', async () => {
    const cookies = await live()
    await seedOrganization({ id: 'org_other' })
    await updateIdp(env.DB, 'idp_1', { organizationId: 'org_other' }, NOW)
    expect(await alive(cookies)).toBe(false)
    await updateIdp(env.DB, 'idp_1', { organizationId: TEST_ORG.id }, NOW)
    expect(await alive(cookies)).toBe(true)
    await deleteIdp(env.DB, 'idp_1', NOW)
    expect(await alive(cookies)).toBe(false)
    // The same id again is a new IdP in the same organization: the test recreates it for the next tests.
    await createIdp(
      env.DB,
      'idp_1',
      {
        organizationId: TEST_ORG.id,
        name: 'IdP acme-okta',
        slug: 'acme-okta',
        entityId: 'https://acme-okta.idp.test/saml',
        ssoUrl: 'https://x.test/sso',
        certificates: [TEST_IDP_CERT],
      },
      NOW,
    )
  })

  it("refuses a session started before its organization's or IdP's sessions were revoked, even with its KV entry still there", async () => {
    const cookies = await live()
    const hash = await sha256Hex(cookies[SESSION_COOKIE]!)
    const stored = await env.SESSIONS.get(`session:${hash}`)
    await revokeSessions({ kv: env.SESSIONS, db: env.DB }, { organizationId: TEST_ORG.id }, new Date(NOW.getTime() + 1000))
    // Past the KV budget of one revocation, an entry may outlive it: the stamp ends it anyway.
    await env.SESSIONS.put(`session:${hash}`, stored!)
    expect(await alive(cookies)).toBe(false)
    // A session started after the revocation lives.
    expect(await alive(await live(new Date(NOW.getTime() + 2000)), new Date(NOW.getTime() + 2000))).toBe(true)
    await revokeSessions({ kv: env.SESSIONS, db: env.DB }, { idpId: 'idp_1' }, new Date(NOW.getTime() + 3000))
    expect(await alive(await live(new Date(NOW.getTime() + 2500)), new Date(NOW.getTime() + 2500))).toBe(false)
  })

  it("refuses a session whose IdP's slug is not the one its subject was made with", async () => {
    const cookies = await live()
    await env.DB.prepare("UPDATE idps SET slug = 'acme-okta-other' WHERE id = 'idp_1'").run()
    invalidateTenantStatus()
    expect(await alive(cookies)).toBe(false)
    await env.DB.prepare("UPDATE idps SET slug = 'acme-okta' WHERE id = 'idp_1'").run()
    invalidateTenantStatus()
    expect(await alive(cookies)).toBe(true)
  })

  it('ends sessions from before organizations existed (no organization or subject): they never had their email checked', async () => {
    const {
      organizationId: _o,
      organizationSlug: _s,
      subject: _sub,
      ...legacy
    } = sampleSession({ createdAt: NOW.getTime(), expiresAt: NOW.getTime() + 3600_000 })
    const cookie = await startSession(ctx(), {}, { ...legacy, organizationId: TEST_ORG.id, subject: 'acme-okta:jane@acme.example' })
    // Rewrite the stored entry as an old gateway wrote it: no organizationId, no subject.
    await env.SESSIONS.put(`session:${await sha256Hex(cookie.value!)}`, JSON.stringify(legacy))
    expect(await alive(cookiesOf(cookie.value!))).toBe(false)
  })
})

// Issue 11 item 11: a logout deleted the KV entry only, and another location's KV may serve its
// cached copy for a minute or more; the session lived on there.
describe('ended sessions stay ended at other locations, whatever their KV still serves', () => {
  const later = (ms: number) => new Date(NOW.getTime() + ms)
  /** A request served at another location: its own KV cache and its own isolate's tenant status. */
  const elsewhere = (kv: KVNamespace, now: Date) => testContext({ kv, db: anotherIsolate(env.DB), clock: () => now })

  async function signedIn(nameId = 'jane@acme.example', sessionIndex = '_s1') {
    const s = sampleSession({ nameId, subject: `acme-okta:${nameId}`, sessionIndex, createdAt: NOW.getTime(), expiresAt: NOW.getTime() + 3600_000 })
    const cookies = cookiesOf((await startSession(ctx(), {}, s)).value!)
    const there = otherLocationKv(env.SESSIONS)
    // The other location has read the session (its KV now caches it).
    expect(await currentSession(elsewhere(there, NOW), cookies)).not.toBeNull()
    return { cookies, there }
  }

  beforeEach(async () => {
    await env.DB.prepare('DELETE FROM session_revocations').run()
    invalidateTenantStatus()
  })

  it('after a logout here: refused there, though its KV still has the session', async () => {
    const { cookies, there } = await signedIn()
    await endSession(ctx(later(1000)), cookies)
    expect(await env.SESSIONS.get(`session:${await sha256Hex(cookies[SESSION_COOKIE]!)}`)).toBeNull()
    expect(await there.get(`session:${await sha256Hex(cookies[SESSION_COOKIE]!)}`, 'json')).not.toBeNull()
    expect(await currentSession(elsewhere(there, later(2000)), cookies)).toBeNull()
  })

  it(`after a logout through another isolate: refused there within the ${TENANT_STATUS_CACHE_MS / 1000}-second tenant status window`, async () => {
    const { cookies, there } = await signedIn()
    const thereCtx = (now: Date) => testContext({ kv: there, clock: () => now })
    expect(await currentSession(thereCtx(later(1000)), cookies)).not.toBeNull() // that isolate's status, cached at +1 s
    // The logout runs in an isolate this one shares nothing with: its row and its KV delete only.
    const hash = await sha256Hex(cookies[SESSION_COOKIE]!)
    await env.DB.prepare("INSERT INTO session_revocations (kind, value, not_before, until) VALUES ('session', ?, ?, ?)")
      .bind(hash, later(2000).getTime(), later(2000 + 300_000).getTime())
      .run()
    await env.SESSIONS.delete(`session:${hash}`)
    expect(await currentSession(thereCtx(later(3000)), cookies)).not.toBeNull()
    expect(await currentSession(thereCtx(later(1000 + TENANT_STATUS_CACHE_MS + 1)), cookies)).toBeNull()
  })

  it("after the admin revoked the user's sessions: refused there, and a new session of that user lives", async () => {
    const { cookies, there } = await signedIn()
    await revokeSessions({ kv: env.SESSIONS, db: env.DB }, { subject: 'acme-okta:jane@acme.example' }, later(1000))
    expect(await currentSession(elsewhere(there, later(2000)), cookies)).toBeNull()
    const fresh = sampleSession({ createdAt: later(3000).getTime(), expiresAt: later(3600_000).getTime() })
    const newCookies = cookiesOf((await startSession(ctx(later(3000)), {}, fresh)).value!)
    expect(await currentSession(elsewhere(otherLocationKv(env.SESSIONS), later(4000)), newCookies)).not.toBeNull()
  })

  it("after the IdP's logout (SLO): refused there; another user's session lives", async () => {
    const { cookies, there } = await signedIn('ann@acme.example', '_s-ann')
    const bob = await signedIn('bob@acme.example', '_s-bob')
    await endSessionsFor({ kv: env.SESSIONS, db: env.DB }, 'idp_1', 'ann@acme.example', [], later(1000))
    expect(await currentSession(elsewhere(there, later(2000)), cookies)).toBeNull()
    expect(await currentSession(elsewhere(bob.there, later(2000)), bob.cookies)).not.toBeNull()
  })

  it(`with more than ${MAX_CACHED_REVOCATIONS} revocations in force, asks D1 for each session instead`, async () => {
    const { cookies, there } = await signedIn()
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO session_revocations (kind, value, not_before, until) SELECT 'session', 'filler-' || i, ?, ? FROM n`,
    )
      .bind(MAX_CACHED_REVOCATIONS + 5, NOW.getTime(), later(600_000).getTime())
      .run()
    await endSession(ctx(later(1000)), cookies)
    expect(await currentSession(elsewhere(there, later(2000)), cookies)).toBeNull()
    const other = await signedIn('kim@acme.example', '_s-kim')
    expect(await currentSession(elsewhere(other.there, later(2000)), other.cookies)).not.toBeNull()
  })
})
