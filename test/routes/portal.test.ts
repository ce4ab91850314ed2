import { env, exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose'
import { SESSION_COOKIE } from '../../src/sso/sessions'
import type { Settings } from '../../src/store/settings'
import { createSession } from '../../src/store/sessions'
import { ensureSessionIdp, sampleSession as session, type TestSession } from '../helpers/session'

const ORIGIN = 'https://support.example.com'

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

/** A stored session's cookie token (its IdP and organization created when missing). */
async function storedToken(s: TestSession, now: Date): Promise<string> {
  await ensureSessionIdp(s)
  return createSession({ kv: env.SESSIONS, db: env.DB }, s, random, now)
}

afterEach(() => vi.restoreAllMocks())

describe('anonymous portal requests', () => {
  it('redirects a browser to /sso/login with the path and query as return_to', async () => {
    const res = await exports.default.fetch(`${ORIGIN}/servicedesk/customer/portal/2?x=1`, {
      headers: { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate' },
      redirect: 'manual',
    })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/sso/login?return_to=%2Fservicedesk%2Fcustomer%2Fportal%2F2%3Fx%3D1')
  })

  it('answers 401 JSON with SESSION_REQUIRED to API and XHR clients', async () => {
    const variants: Record<string, string>[] = [{ accept: 'application/json' }, { accept: 'text/html', 'x-requested-with': 'XMLHttpRequest' }, {}]
    for (const headers of variants) {
      const res = await exports.default.fetch(`${ORIGIN}/rest/api/2/issue`, { headers, redirect: 'manual' })
      expect(res.status).toBe(401)
      const body = await res.json<{ error: { code: string; requestId: string } }>()
      expect(body.error.code).toBe('SESSION_REQUIRED')
      expect(body.error.requestId).toBe(res.headers.get('x-request-id'))
    }
  })

  it('treats an unknown or malformed session cookie as anonymous', async () => {
    for (const cookie of [`${SESSION_COOKIE}=nope`, `${SESSION_COOKIE}=${'A'.repeat(43)}`]) {
      const res = await exports.default.fetch(`${ORIGIN}/`, { headers: { accept: 'application/json', cookie } })
      expect(res.status).toBe(401)
    }
  })

  it('treats an expired session as anonymous', async () => {
    const now = new Date()
    const token = await storedToken(session({ expiresAt: now.getTime() - 1000 }), now)
    const res = await exports.default.fetch(`${ORIGIN}/`, { headers: { accept: 'application/json', cookie: `${SESSION_COOKIE}=${token}` } })
    expect(res.status).toBe(401)
  })
})

describe('signed-in portal requests', () => {
  it('forwards to PORTAL_ORIGIN with identity headers and strips spoofed ones', async () => {
    const seen: { request: Request; body: string }[] = []
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const request = new Request(input, init)
      seen.push({ request, body: await request.text() })
      return new Response('portal says hi', { status: 201, headers: { 'set-cookie': 'portal=1; Path=/', 'cache-control': 'public, max-age=60' } })
    })
    const token = await storedToken(session(), new Date())
    const res = await exports.default.fetch(`${ORIGIN}/tickets?open=1`, {
      method: 'POST',
      body: 'subject=help',
      headers: {
        cookie: `${SESSION_COOKIE}=${token}`,
        'content-type': 'application/x-www-form-urlencoded',
        'X-SSO-Email': 'ceo@victim.example',
        'x-sso-anything': 'spoof',
        'SSO-JWT': 'forged',
      },
    })
    expect(res.status).toBe(201)
    expect(await res.text()).toBe('portal says hi')
    expect(res.headers.get('set-cookie')).toBe('portal=1; Path=/')
    expect(res.headers.get('cache-control')).toBe('private, no-cache')
    expect(seen).toHaveLength(1)
    const { request: upstream, body } = seen[0]!
    expect(upstream.url).toBe('http://portal.test/tickets?open=1')
    expect(upstream.method).toBe('POST')
    expect(body).toBe('subject=help')
    expect(upstream.headers.get('x-sso-email')).toBe('jane@acme.example')
    expect(upstream.headers.get('x-sso-name')).toBe('Jane Doe')
    expect(upstream.headers.get('x-sso-groups')).toBe('support,admins')
    expect(upstream.headers.get('x-sso-idp')).toBe('acme-okta')
    expect(upstream.headers.get('x-sso-subject')).toBe('acme-okta:jane@acme.example')
    expect(upstream.headers.get('x-sso-org')).toBe('acme-corp')
    expect(upstream.headers.get('x-sso-anything')).toBeNull()
    const jwt = upstream.headers.get('sso-jwt')
    expect(jwt).not.toBe('forged')
    // The portal's view: verify with the published JWKS, as the README shows.
    vi.restoreAllMocks()
    const jwks = createRemoteJWKSet(new URL(`${ORIGIN}/sso/certs`), {
      [customFetch]: (url, init) => exports.default.fetch(url, init as RequestInit),
    })
    const { payload, protectedHeader } = await jwtVerify(jwt!, jwks, { issuer: ORIGIN, audience: 'http://portal.test', algorithms: ['ES256'] })
    expect(protectedHeader.alg).toBe('ES256')
    expect(payload).toMatchObject({
      sub: 'acme-okta:jane@acme.example',
      email: 'jane@acme.example',
      name: 'Jane Doe',
      groups: ['support', 'admins'],
      idp: 'acme-okta',
      org: 'acme-corp',
    })
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(120)
  })
})

describe('what never leaves for the portal', () => {
  it('keeps a path that starts with // on the portal, and strips the gateway cookies and folded identity headers', async () => {
    const seen: Request[] = []
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      seen.push(new Request(input, init))
      return new Response('ok')
    })
    const token = await storedToken(session(), new Date())
    const res = await exports.default.fetch(`${ORIGIN}//evil.example/steal?x=1`, {
      headers: {
        cookie: `${SESSION_COOKIE}=${token}; __Host-sso_admin=${'a'.repeat(43)}; portal_pref=dark`,
        X_SSO_Email: 'ceo@victim.example',
        sso_jwt: 'forged',
      },
    })
    expect(res.status).toBe(200)
    const upstream = seen[0]!
    expect(new URL(upstream.url).origin).toBe('http://portal.test')
    expect(new URL(upstream.url).pathname).toBe('//evil.example/steal')
    expect(upstream.headers.get('cookie')).toBe('portal_pref=dark')
    expect(upstream.headers.get('x_sso_email')).toBeNull()
    expect(upstream.headers.get('sso_jwt')).toBeNull()
    expect(upstream.headers.get('x-sso-email')).toBe('jane@acme.example')
  })
})

describe('gateway error handling', () => {
  it('answers unknown /sso/ paths with NOT_FOUND as JSON or an HTML page, never the portal', async () => {
    const json = await exports.default.fetch(`${ORIGIN}/sso/nope`, { headers: { accept: 'application/json' } })
    expect(json.status).toBe(404)
    expect((await json.json<{ error: { code: string } }>()).error.code).toBe('NOT_FOUND')
    const html = await exports.default.fetch(`${ORIGIN}/sso/nope`, { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' } })
    expect(html.status).toBe(404)
    const page = await html.text()
    expect(page).toContain('NOT_FOUND')
    expect(page).toContain(html.headers.get('x-request-id')!)
  })

  it('shows the empty selection page when no IdP is configured', async () => {
    await env.DB.prepare('DELETE FROM idps').run()
    const res = await exports.default.fetch(`${ORIGIN}/sso/login?return_to=%2F`, { headers: { accept: 'text/html' } })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('No identity provider is configured yet')
  })
})

describe('configurable identity headers (e.g. Zammad behind a trusted proxy)', () => {
  it('uses the configured names, adds the user header only on its paths, and strips client copies', async () => {
    const { putSettings } = await import('../../src/store/settings')
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
    const seen: Request[] = []
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      seen.push(new Request(input, init))
      return new Response('ok')
    })
    const token = await storedToken(session(), new Date())
    const spoof = { cookie: `${SESSION_COOKIE}=${token}`, 'X-Forwarded-User': 'admin@victim.example', 'X-Portal-Email': 'admin@victim.example' }
    await exports.default.fetch(`${ORIGIN}/auth/sso`, { headers: spoof })
    await exports.default.fetch(`${ORIGIN}/tickets`, { headers: spoof })
    const [sso, other] = seen
    expect(sso!.headers.get('x-forwarded-user')).toBe('jane@acme.example')
    expect(sso!.headers.get('x-portal-email')).toBe('jane@acme.example')
    expect(sso!.headers.get('x-sso-email')).toBeNull()
    expect(other!.headers.get('x-forwarded-user')).toBeNull()
    expect(other!.headers.get('x-portal-email')).toBe('jane@acme.example')
    await putSettings(env.DB, { headerNames: null, userHeader: null } as unknown as Partial<Settings>, new Date())
  })
})
