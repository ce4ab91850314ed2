import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { seedIdp, type IdpSeed } from '../helpers/tenants'
import { LOGIN_COOKIE_PREFIX } from '../../src/sso/login-state'
import { OTHER_IDP_CERT, OTHER_IDP_KEY, TEST_IDP_CERT } from '../fixtures/idp-keys'
import { TestBrowser } from '../helpers/browser-fetch'
import { issueResponse, TEST_IDP_ENTITY_ID, type IssueOptions } from '../helpers/idp'

const base: IdpSeed = {
  name: 'Acme (test IdP)',
  slug: 'acme',
  entityId: TEST_IDP_ENTITY_ID,
  ssoUrl: 'https://idp.acme.test/sso',
  certificates: [TEST_IDP_CERT],
}

beforeAll(async () => {
  const now = new Date()
  await seedIdp(env.DB, 'idp_acme', base, now)
  await seedIdp(env.DB, 'idp_unsolicited', { ...base, slug: 'unsolicited', entityId: 'https://idp.unsolicited.test', allowIdpInitiated: true }, now)
  await seedIdp(env.DB, 'idp_groups', { ...base, slug: 'groups', entityId: 'https://idp.groups.test', allowedGroups: ['Support'] }, now)
  await seedIdp(env.DB, 'idp_off', { ...base, slug: 'off', entityId: 'https://idp.off.test', enabled: false }, now)
})

/** Starts a login in `browser` and returns the AuthnRequest ID bound to it. */
async function startLogin(browser: TestBrowser, idp = 'acme', returnTo = '/tickets/42'): Promise<string> {
  const res = await browser.fetch(`/sso/login?idp=${idp}&return_to=${encodeURIComponent(returnTo)}`)
  expect(res.status).toBe(302)
  expect(res.headers.get('location')).toMatch(/^https:\/\/idp\.acme\.test\/sso\?SAMLRequest=/)
  // The new login's cookie (older pending logins may be expired in the same answer).
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(LOGIN_COOKIE_PREFIX) && !/Max-Age=0/i.test(c))!
  expect(cookie).toMatch(/SameSite=None/i)
  expect(cookie).toMatch(/Secure/i)
  expect(cookie).toMatch(/HttpOnly/i)
  return cookie.slice(LOGIN_COOKIE_PREFIX.length, cookie.indexOf('='))
}

function postAcs(browser: TestBrowser, samlResponse: string, relayState?: string) {
  // The IdP's auto-post form: a cross-site POST.
  return browser.fetch('/sso/acs', {
    form: { SAMLResponse: samlResponse, ...(relayState ? { RelayState: relayState } : {}) },
    crossSite: true,
    headers: { origin: 'https://idp.acme.test', 'sec-fetch-site': 'cross-site', accept: 'application/json' },
  })
}

async function errorCode(res: Response): Promise<string> {
  return (await res.json<{ error: { code: string } }>()).error.code
}

async function lastAudit(action = 'login'): Promise<Record<string, unknown>> {
  return (await env.DB.prepare('SELECT * FROM audit_log WHERE action = ? ORDER BY id DESC').bind(action).first<Record<string, unknown>>())!
}

describe('sign-in through the ACS', () => {
  it('signs the user in and lands on the stored return path', async () => {
    const browser = new TestBrowser()
    const requestId = await startLogin(browser)
    const res = await postAcs(browser, await issueResponse({ inResponseTo: requestId }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/tickets/42')
    const session = res.headers.getSetCookie().find((c) => c.startsWith('__Host-sso_session='))!
    expect(session).toMatch(/HttpOnly/i)
    expect(session).toMatch(/SameSite=Lax/i)
    expect(browser.cookies.has(LOGIN_COOKIE_PREFIX + requestId)).toBe(false)
    const me = await (await browser.fetch('/sso/me', { headers: { accept: 'application/json' } })).json()
    expect(me).toMatchObject({
      sub: 'acme:jane@acme.example',
      email: 'jane@acme.example',
      name: 'Jane Doe',
      groups: ['Everyone', 'Support'],
      idp: 'acme',
      org: 'acme-corp',
    })
    expect(await lastAudit()).toMatchObject({ outcome: 'success', subject: 'acme:jane@acme.example', idp_id: 'idp_acme' })
  })

  it('issues a new session ID at every login (no fixation)', async () => {
    const browser = new TestBrowser()
    const first = await startLogin(browser)
    await postAcs(browser, await issueResponse({ inResponseTo: first }))
    const before = browser.cookies.get('__Host-sso_session')
    const second = await startLogin(browser)
    await postAcs(browser, await issueResponse({ inResponseTo: second }))
    const after = browser.cookies.get('__Host-sso_session')
    expect(after).toBeDefined()
    expect(after).not.toBe(before)
    const stale = new TestBrowser()
    stale.cookies.set('__Host-sso_session', before!)
    expect((await stale.fetch('/sso/me', { headers: { accept: 'application/json' } })).status).toBe(401)
  })

  it('caps the session at the IdP SessionNotOnOrAfter', async () => {
    const browser = new TestBrowser()
    const requestId = await startLogin(browser)
    const res = await postAcs(browser, await issueResponse({ inResponseTo: requestId, sessionNotOnOrAfter: new Date(Date.now() + 90_000) }))
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-sso_session='))!
    const maxAge = Number(/Max-Age=(\d+)/i.exec(cookie)![1])
    expect(maxAge).toBeLessThanOrEqual(90)
    const me = await (await browser.fetch('/sso/me', { headers: { accept: 'application/json' } })).json<{ expiresAt: string }>()
    expect(Date.parse(me.expiresAt) - Date.now()).toBeLessThanOrEqual(90_000)
  })
})

describe('ACS rejections (each audited with its code)', () => {
  it('rejects a replayed response with SAML_REPLAY even with the login cookie copied', async () => {
    const browser = new TestBrowser()
    const requestId = await startLogin(browser)
    const stolenCookies = new Map(browser.cookies)
    const response = await issueResponse({ inResponseTo: requestId })
    expect((await postAcs(browser, response)).status).toBe(303)
    const attacker = new TestBrowser()
    for (const [k, v] of stolenCookies) if (k.startsWith(LOGIN_COOKIE_PREFIX)) attacker.cookies.set(k, v)
    const replay = await postAcs(attacker, response)
    expect(replay.status).toBe(403)
    expect(await errorCode(replay)).toBe('SAML_REPLAY')
    expect(await lastAudit()).toMatchObject({ outcome: 'failure', code: 'SAML_REPLAY' })
  })

  it('rejects an unsolicited replay of the same assertion with SAML_REPLAY', async () => {
    const response = await issueResponse({ issuer: 'https://idp.unsolicited.test' })
    expect((await postAcs(new TestBrowser(), response)).status).toBe(303)
    const again = await postAcs(new TestBrowser(), response)
    expect(await errorCode(again)).toBe('SAML_REPLAY')
  })

  it('rejects a response for a login started in another browser with LOGIN_STATE_MISSING', async () => {
    const victim = new TestBrowser()
    const requestId = await startLogin(victim)
    const res = await postAcs(new TestBrowser(), await issueResponse({ inResponseTo: requestId }))
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('LOGIN_STATE_MISSING')
    expect(await lastAudit()).toMatchObject({ code: 'LOGIN_STATE_MISSING', outcome: 'failure' })
  })

  it('rejects an InResponseTo that does not match the signed assertion', async () => {
    const browser = new TestBrowser()
    const requestId = await startLogin(browser)
    // Response claims our request ID, the signed assertion answers another one.
    const b64 = await issueResponse({ inResponseTo: '_someone-else' })
    const xml = new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)))
    const forged = xml.replace(/(<samlp:Response[^>]*InResponseTo=")_someone-else/, `$1${requestId}`)
    const res = await postAcs(browser, btoa(forged))
    expect(await errorCode(res)).toBe('SAML_IN_RESPONSE_TO_MISMATCH')
  })

  it('refuses IdP-initiated responses unless the IdP allows them', async () => {
    const res = await postAcs(new TestBrowser(), await issueResponse())
    expect(res.status).toBe(403)
    expect(await errorCode(res)).toBe('SAML_UNSOLICITED_NOT_ALLOWED')
  })

  it('treats RelayState of an IdP-initiated login as an untrusted path', async () => {
    // The dot-segment forms normalized to //evil.example before issue 11 item 1.
    for (const relay of [
      '//evil.com',
      'https://evil.com/x',
      '/\\evil.com',
      '%2F%2Fevil.com',
      '/.//evil.example',
      '/x/..//evil.example',
      '/%2e//evil.example',
      '/ok?x=1',
    ]) {
      const res = await postAcs(new TestBrowser(), await issueResponse({ issuer: 'https://idp.unsolicited.test' }), relay)
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe(relay === '/ok?x=1' ? '/ok?x=1' : '/')
    }
  })

  it('denies users outside the allowed groups, and responses without groups', async () => {
    const variants: Record<string, string[]>[] = [{ email: ['x@acme.example'], groups: ['Everyone'] }, { email: ['x@acme.example'] }]
    for (const attributes of variants) {
      const browser = new TestBrowser()
      const requestId = await startLogin(browser, 'groups')
      const res = await postAcs(browser, await issueResponse({ issuer: 'https://idp.groups.test', inResponseTo: requestId, attributes }))
      expect(res.status).toBe(403)
      expect(await errorCode(res)).toBe('LOGIN_GROUP_DENIED')
      expect(browser.cookies.has('__Host-sso_session')).toBe(false)
    }
    const ok = new TestBrowser()
    const requestId = await startLogin(ok, 'groups')
    const res = await postAcs(ok, await issueResponse({ issuer: 'https://idp.groups.test', inResponseTo: requestId, attributes: { groups: ['Support'] } }))
    expect(res.status).toBe(303)
  })

  it('refuses to start a login at a disabled IdP', async () => {
    const res = await new TestBrowser().fetch('/sso/login?idp=off', { headers: { accept: 'application/json' } })
    expect(res.status).toBe(403)
    expect(await errorCode(res)).toBe('LOGIN_IDP_DISABLED')
  })

  it('rejects a response signed by a certificate that is not configured, with fingerprints for the admin', async () => {
    const browser = new TestBrowser()
    const requestId = await startLogin(browser)
    const res = await postAcs(browser, await issueResponse({ inResponseTo: requestId, key: OTHER_IDP_KEY, cert: OTHER_IDP_CERT }))
    expect(res.status).toBe(403)
    expect(await errorCode(res)).toBe('SAML_SIGNATURE_INVALID')
    const audit = await lastAudit()
    expect(audit.code).toBe('SAML_SIGNATURE_INVALID')
    expect(String(audit.detail)).toMatch(/[0-9A-F]{2}(:[0-9A-F]{2}){31}/)
  })

  it("keeps the admin's explanation off the customer's page and puts it in the audit row", async () => {
    const browser = new TestBrowser()
    const requestId = await startLogin(browser)
    const res = await browser.fetch('/sso/acs', {
      form: { SAMLResponse: await issueResponse({ inResponseTo: requestId, key: OTHER_IDP_KEY, cert: OTHER_IDP_CERT }) },
      crossSite: true,
      headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' },
    })
    const page = await res.text()
    expect(res.status).toBe(403)
    expect(page).toContain('SAML_SIGNATURE_INVALID')
    expect(page).toContain(res.headers.get('x-request-id')!)
    expect(page).not.toMatch(/certificate|metadata|fingerprint/i)
    const detail = JSON.parse(String((await lastAudit()).detail)) as { hint?: string }
    expect(detail.hint).toMatch(/certificate that is not configured/)
  })

  it('rejects wrong audience and expired responses with their codes', async () => {
    const cases: [IssueOptions, string][] = [
      [{ audience: 'https://other-sp.example/metadata' }, 'SAML_AUDIENCE_MISMATCH'],
      [{ now: new Date(Date.now() - 3600_000) }, 'SAML_EXPIRED'],
      [{ acsUrl: 'https://evil.example/sso/acs' }, 'SAML_DESTINATION_MISMATCH'],
    ]
    for (const [opts, code] of cases) {
      const browser = new TestBrowser()
      const requestId = await startLogin(browser)
      const res = await postAcs(browser, await issueResponse({ inResponseTo: requestId, ...opts }))
      expect(await errorCode(res), code).toBe(code)
    }
  })

  it('answers garbage with 4xx codes, never 5xx', async () => {
    for (const [body, code] of [
      ['', 'BAD_REQUEST'],
      ['%%%not base64', 'SAML_INVALID_BASE64'],
      [btoa('<x/>'), 'SAML_NOT_SAML'],
      [btoa('<!DOCTYPE x [<!ENTITY a "b">]><x/>'), 'SAML_DTD_FORBIDDEN'],
    ] as const) {
      const res = await postAcs(new TestBrowser(), body)
      expect(res.status, code).toBeGreaterThanOrEqual(400)
      expect(res.status, code).toBeLessThan(500)
      expect(await errorCode(res)).toBe(code)
    }
  })

  it('shows customers a coded error page without secrets', async () => {
    const res = await new TestBrowser().fetch('/sso/acs', {
      form: { SAMLResponse: await issueResponse() },
      crossSite: true,
      headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' },
    })
    const page = await res.text()
    expect(res.status).toBe(403)
    expect(page).toContain('SAML_UNSOLICITED_NOT_ALLOWED')
    expect(page).not.toContain('BEGIN CERTIFICATE')
    expect(page).not.toContain('Assertion')
  })
})

describe('pending logins per browser', () => {
  it('keeps at most three pending logins, dropping the oldest', async () => {
    const browser = new TestBrowser()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push(await startLogin(browser))
    const pending = [...browser.cookies.keys()].filter((k) => k.startsWith(LOGIN_COOKIE_PREFIX))
    expect(pending).toHaveLength(3)
    expect(pending.map((k) => k.slice(LOGIN_COOKIE_PREFIX.length)).sort()).toEqual(ids.slice(2).sort())
    // The newest still completes.
    expect((await postAcs(browser, await issueResponse({ inResponseTo: ids[4]! }))).status).toBe(303)
  })
})
