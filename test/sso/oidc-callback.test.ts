// OIDC sign-in end to end in workerd, through the routes (GET /sso/login → the provider →
// GET /sso/oidc/callback), against a fake provider (test/helpers/oidc-provider.ts) with real
// keys, real D1 and KV: the journey, then one test per failure code the issue lists (wrong iss,
// aud or azp; expired; nonce; state from another browser; alg none; HS256 keyed with the public
// key; unknown kid then rotation; email_verified false; a replayed code), the tenant rules
// (email authority, Google's hd) and the provider's refusal.
import { env } from 'cloudflare:workers'
import { base64url, exportSPKI, SignJWT } from 'jose'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createIdp } from '../../src/admin/idps'
import { findIdp } from '../../src/store/idps'
import { TestBrowser, ORIGIN } from '../helpers/browser-fetch'
import { lastAuditRow, testContext } from '../helpers/context'
import { CLIENT_ID, CLIENT_SECRET, fakeProvider, providerKey, type FakeProvider } from '../helpers/oidc-provider'
import { seedOrganization, TEST_ORG } from '../helpers/tenants'

let n = 0
/** A fresh provider and an OIDC IdP for it in the test organization (created through the admin service, so by discovery). */
async function setup(options: { issuer?: string; idp?: Record<string, unknown>; organizationId?: string } = {}) {
  const slug = `oidc-${++n}`
  const provider = await fakeProvider(options.issuer ?? `https://login-${n}.provider.example`)
  const idp = await createIdp(
    testContext({ actor: 'admin-token' }),
    {
      protocol: 'oidc',
      name: `OIDC ${n}`,
      slug,
      issuer: provider.issuer,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      organizationId: options.organizationId ?? TEST_ORG.id,
      // Enabled at once (skipTest): these tests are about the callback, not about drafts.
      enabled: true,
      skipTest: true,
      ...options.idp,
    },
    'api',
  )
  return { provider, idp, slug }
}

/** Starts a sign-in in `browser`; returns the authorization URL the gateway sent it to. */
async function start(browser: TestBrowser, slug: string, returnTo = '/tickets'): Promise<URL> {
  const res = await browser.fetch(`/sso/login?idp=${slug}&return_to=${encodeURIComponent(returnTo)}`)
  expect(res.status).toBe(302)
  return new URL(res.headers.get('location')!)
}

const json = { headers: { accept: 'application/json' } }

/** The whole sign-in: start, the provider's answer, the callback. */
async function signIn(provider: FakeProvider, slug: string, browser = new TestBrowser()) {
  const callback = provider.authorize((await start(browser, slug)).toString())
  const res = await browser.fetch(callback, json)
  return { res, browser, callback }
}

async function codeOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code
}

beforeAll(async () => {
  await seedOrganization()
  await seedOrganization({ id: 'org_globex', domains: ['globex.example'] })
})

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
})

describe('the journey', () => {
  it('sends the browser to the provider with PKCE S256, state and nonce, and signs the user in at the callback', async () => {
    const { provider, slug, idp } = await setup()
    const browser = new TestBrowser()
    const authorize = await start(browser, slug)
    expect(authorize.origin + authorize.pathname).toBe(`${provider.issuer}/authorize`)
    const q = Object.fromEntries(authorize.searchParams)
    expect(q).toMatchObject({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: `${ORIGIN}/sso/oidc/callback?idp=${slug}`,
      code_challenge_method: 'S256',
      scope: 'openid email profile',
    })
    expect(q.state).toMatch(/^_[0-9a-f]{40}$/)
    expect(q.nonce!.length).toBeGreaterThanOrEqual(43)
    expect(q.code_challenge!.length).toBe(43)

    const res = await browser.fetch(provider.authorize(authorize.toString()), json)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/tickets')
    // client_secret_basic, with the PKCE verifier whose challenge went to the provider.
    const [token] = provider.tokenRequests
    expect(token!.authorization).toBe(`Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`)
    expect(token!.form.get('grant_type')).toBe('authorization_code')
    const me = await browser.fetch('/sso/me', json)
    expect(await me.json()).toMatchObject({ sub: `${slug}:user-0001`, email: 'jane@acme.example', name: 'Jane Doe', idp: slug, org: TEST_ORG.slug })
    expect(await lastAuditRow('login')).toMatchObject({ outcome: 'success', idp_id: idp.id, subject: `${slug}:user-0001` })
  })

  it('keeps an acr only when it is a URI (it becomes the broker’s AuthnContextClassRef), and the ID token for logout', async () => {
    const { readSession } = await import('../../src/store/sessions')
    const { provider, slug } = await setup()
    provider.claims = { acr: 'urn:mace:incommon:iap:silver', sid: 'sid-1' }
    const a = await signIn(provider, slug)
    const first = await readSession(env.SESSIONS, a.browser.cookies.get('__Host-sso_session')!, new Date())
    expect(first).toMatchObject({ authnContextClassRef: 'urn:mace:incommon:iap:silver', sessionIndex: 'sid-1', nameIdFormat: null })
    expect(first!.idToken!.split('.')).toHaveLength(3)
    provider.claims = { acr: '1' }
    const b = await signIn(provider, slug)
    expect((await readSession(env.SESSIONS, b.browser.cookies.get('__Host-sso_session')!, new Date()))!.authnContextClassRef).toBeNull()
  })

  it('reads userinfo when the ID token lacks the claims it needs (groups for allowedGroups), and not otherwise', async () => {
    const { provider, slug } = await setup({ idp: { allowedGroups: ['support'] } })
    provider.userinfo = { sub: 'user-0001', groups: ['support', 'staff'] }
    const { res, browser } = await signIn(provider, slug)
    expect(res.status).toBe(303)
    expect(provider.userinfoRequests).toBe(1)
    expect(await (await browser.fetch('/sso/me', json)).json()).toMatchObject({ groups: ['support', 'staff'] })

    const plain = await setup()
    expect((await signIn(plain.provider, plain.slug)).res.status).toBe(303)
    expect(plain.provider.userinfoRequests).toBe(0)
  })

  it('refuses when allowedGroups is set and neither the token nor userinfo names one of them', async () => {
    const { provider, slug } = await setup({ idp: { allowedGroups: ['support'] } })
    provider.userinfo = { sub: 'user-0001', groups: ['sales'] }
    const { res } = await signIn(provider, slug)
    expect(await codeOf(res)).toBe('LOGIN_GROUP_DENIED')
  })

  it('ignores a userinfo answer about another sub (OIDC Core §5.3.2)', async () => {
    const { provider, slug } = await setup({ idp: { allowedGroups: ['support'] } })
    provider.userinfo = { sub: 'someone-else', groups: ['support'] }
    expect(await codeOf((await signIn(provider, slug)).res)).toBe('LOGIN_GROUP_DENIED')
  })

  it('authenticates with client_secret_post when configured', async () => {
    const { provider, slug } = await setup({ idp: { tokenEndpointAuth: 'client_secret_post' } })
    expect((await signIn(provider, slug)).res.status).toBe(303)
    const [token] = provider.tokenRequests
    expect(token!.authorization).toBeNull()
    expect(token!.form.get('client_id')).toBe(CLIENT_ID)
    expect(token!.form.get('client_secret')).toBe(CLIENT_SECRET)
  })

  it('authenticates with private_key_jwt, signed by a key /sso/certs publishes', async () => {
    const { provider, slug } = await setup({ idp: { tokenEndpointAuth: 'private_key_jwt', clientSecret: undefined } })
    expect((await signIn(provider, slug)).res.status).toBe(303)
    const form = provider.tokenRequests[0]!.form
    expect(form.get('client_secret')).toBeNull()
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    const { jwtVerify, createLocalJWKSet } = await import('jose')
    const certs = (await (await new TestBrowser().fetch('/sso/certs', json)).json()) as { keys: { kid: string; alg: string }[] }
    const { payload } = await jwtVerify(form.get('client_assertion')!, createLocalJWKSet(certs as never), {
      issuer: CLIENT_ID,
      subject: CLIENT_ID,
      audience: `${provider.issuer}/token`,
      algorithms: ['RS256'],
    })
    expect(payload.jti).toBeTruthy()
  })
})

describe('one failure code per broken token', () => {
  const cases: [string, (p: FakeProvider) => Promise<void> | void, string][] = [
    ['wrong iss', (p) => void (p.claims = { iss: 'https://evil.example' }), 'OIDC_ISSUER_MISMATCH'],
    ['wrong aud', (p) => void (p.claims = { aud: 'another-client' }), 'OIDC_AUDIENCE_MISMATCH'],
    ['several audiences, azp another client', (p) => void (p.claims = { aud: [CLIENT_ID, 'another-client'], azp: 'another-client' }), 'OIDC_AZP_MISMATCH'],
    ['several audiences, no azp', (p) => void (p.claims = { aud: [CLIENT_ID, 'another-client'] }), 'OIDC_AZP_MISMATCH'],
    [
      'expired',
      (p) => {
        const now = Math.floor(Date.now() / 1000)
        p.claims = { iat: now - 3600, exp: now - 1800 }
      },
      'OIDC_EXPIRED',
    ],
    ['nonce mismatch', (p) => void (p.claims = { nonce: 'a-nonce-from-another-sign-in' }), 'OIDC_NONCE_MISMATCH'],
    ['email_verified false', (p) => void (p.claims = { email_verified: false }), 'OIDC_EMAIL_UNVERIFIED'],
    [
      'alg none',
      (p) => {
        p.sign = async (claims) => `${base64url.encode(JSON.stringify({ alg: 'none' }))}.${base64url.encode(JSON.stringify(claims))}.`
      },
      'OIDC_ALG_FORBIDDEN',
    ],
    [
      'HS256 keyed with the public key',
      (p) => {
        p.sign = async (claims, key) => {
          const { importJWK } = await import('jose')
          const pem = await exportSPKI((await importJWK(key.jwk, 'RS256')) as CryptoKey)
          return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key.jwk.kid }).sign(new TextEncoder().encode(pem))
        }
      },
      'OIDC_ALG_FORBIDDEN',
    ],
    [
      'signed by a key the JWKS does not list',
      async (p) => {
        p.signingKey = await providerKey('not-published')
      },
      'OIDC_KEY_UNKNOWN',
    ],
    [
      'signed by another key under a published kid',
      async (p) => {
        p.signingKey = { ...(await providerKey('key-1')) }
      },
      'OIDC_SIGNATURE_INVALID',
    ],
  ]
  it.each(cases)('%s → %s', async (_name, breakIt, code) => {
    const { provider, slug, idp } = await setup()
    await breakIt(provider)
    const { res, browser } = await signIn(provider, slug)
    expect(res.status).toBe(403)
    expect(await codeOf(res)).toBe(code)
    expect(browser.cookies.has('__Host-sso_session')).toBe(false)
    const row = await lastAuditRow('login')
    expect(row).toMatchObject({ outcome: 'failure', idp_id: idp.id, code })
  })

  it('the key-1 case above really differs from a valid token only by the key (control)', async () => {
    const { provider, slug } = await setup()
    expect((await signIn(provider, slug)).res.status).toBe(303)
  })
})

describe('keys: an unknown kid makes the gateway fetch the JWKS again (rotation), at most once a minute', () => {
  it('takes a rotated key after the cooldown, and refuses an unknown kid within it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { provider, slug } = await setup()
    expect((await signIn(provider, slug)).res.status).toBe(303)
    expect(provider.jwksRequests).toBe(1)
    // The provider rotates: a new key, signing from now on.
    const next = await providerKey('key-2')
    provider.keys = [next]
    provider.signingKey = next
    // Within a minute of the last fetch: the gateway does not fetch again for a kid it does not know.
    vi.setSystemTime(Date.now() + 10_000)
    expect(await codeOf((await signIn(provider, slug)).res)).toBe('OIDC_KEY_UNKNOWN')
    expect(provider.jwksRequests).toBe(1)
    // After it: one fetch, and the rotated key signs users in.
    vi.setSystemTime(Date.now() + 61_000)
    expect((await signIn(provider, slug)).res.status).toBe(303)
    expect(provider.jwksRequests).toBe(2)
  })
})

describe('state and code are bound to one browser and used once', () => {
  it("refuses a state from another browser, and never redeems that browser's code", async () => {
    const { provider, slug } = await setup()
    const victim = new TestBrowser()
    const callback = provider.authorize((await start(victim, slug)).toString())
    const attacker = new TestBrowser()
    await start(attacker, slug) // the attacker has a pending login of its own, with another state
    const res = await attacker.fetch(callback, json)
    expect(await codeOf(res)).toBe('LOGIN_STATE_MISSING')
    expect(provider.tokenRequests).toHaveLength(0)
    expect((await lastAuditRow('login'))?.code).toBe('LOGIN_STATE_MISSING')
  })

  it('refuses a replayed callback, even with the login cookie kept, before the provider sees the code again', async () => {
    const { provider, slug } = await setup()
    const browser = new TestBrowser()
    const callback = provider.authorize((await start(browser, slug)).toString())
    const kept = new Map(browser.cookies)
    expect((await browser.fetch(callback, json)).status).toBe(303)
    // The same browser: its login cookie was cleared.
    expect(await codeOf(await browser.fetch(callback, json))).toBe('LOGIN_STATE_MISSING')
    // A copy that kept the cookie: the state was consumed.
    const replayer = new TestBrowser()
    for (const [k, v] of kept) replayer.cookies.set(k, v)
    const res = await replayer.fetch(callback, json)
    expect(await codeOf(res)).toBe('OIDC_REPLAY')
    expect(provider.tokenRequests).toHaveLength(1)
  })

  it('reports a code the provider refuses (already redeemed) as OIDC_CODE_REJECTED', async () => {
    const { provider, slug } = await setup()
    const browser = new TestBrowser()
    const first = provider.authorize((await start(browser, slug)).toString())
    expect((await browser.fetch(first, json)).status).toBe(303)
    const usedCode = new URL(first, ORIGIN).searchParams.get('code')!
    const state = (await start(browser, slug)).searchParams.get('state')!
    const res = await browser.fetch(`/sso/oidc/callback?idp=${slug}&code=${encodeURIComponent(usedCode)}&state=${state}`, json)
    expect(await codeOf(res)).toBe('OIDC_CODE_REJECTED')
  })

  it("shows the provider's refusal (the user cancelled) as OIDC_PROVIDER_ERROR", async () => {
    const { provider, slug } = await setup()
    const browser = new TestBrowser()
    const state = (await start(browser, slug)).searchParams.get('state')!
    const res = await browser.fetch(`/sso/oidc/callback?idp=${slug}&error=access_denied&error_description=User+cancelled&state=${state}`, json)
    expect(res.status).toBe(403)
    expect(await codeOf(res)).toBe('OIDC_PROVIDER_ERROR')
    expect((await lastAuditRow('login'))?.detail).toMatchObject({ error: 'access_denied', description: 'User cancelled' })
    expect(provider.tokenRequests).toHaveLength(0)
  })

  it('refuses a callback for an IdP disabled since the sign-in started', async () => {
    const { provider, slug, idp } = await setup()
    const browser = new TestBrowser()
    const callback = provider.authorize((await start(browser, slug)).toString())
    const { updateIdp } = await import('../../src/admin/idps')
    await updateIdp(testContext(), idp.id, { enabled: false }, 'patch', 'api')
    expect(await codeOf(await browser.fetch(callback, json))).toBe('LOGIN_IDP_DISABLED')
  })
})

describe('IdP mix-up (RFC 9700 §4.4): one redirect URI per IdP', () => {
  it("refuses a code brought back for another IdP than the one this browser's sign-in went to, and sends it nowhere", async () => {
    // Tenant B's provider relays the victim to A: A answers to A's redirect URI (?idp=A) with B's state.
    const a = await setup()
    const b = await setup()
    const victim = new TestBrowser()
    const stateForB = (await start(victim, b.slug)).searchParams.get('state')!
    const codeFromA = new URL(a.provider.authorize((await start(new TestBrowser(), a.slug)).toString()), ORIGIN).searchParams.get('code')!
    const res = await victim.fetch(`/sso/oidc/callback?idp=${a.slug}&code=${encodeURIComponent(codeFromA)}&state=${stateForB}`, json)
    expect(await codeOf(res)).toBe('OIDC_IDP_MISMATCH')
    expect(a.provider.tokenRequests).toHaveLength(0)
    expect(b.provider.tokenRequests).toHaveLength(0)
    // No IdP named at all is refused the same way.
    expect(await codeOf(await victim.fetch(`/sso/oidc/callback?code=x&state=${stateForB}`, json))).toBe('OIDC_IDP_MISMATCH')
  })

  it('refuses an RFC 9207 iss that is not the IdP’s issuer', async () => {
    const { provider, slug } = await setup()
    const browser = new TestBrowser()
    const callback = provider.authorize((await start(browser, slug)).toString())
    expect(await codeOf(await browser.fetch(`${callback}&iss=${encodeURIComponent('https://evil.example')}`, json))).toBe('OIDC_IDP_MISMATCH')
    expect(provider.tokenRequests).toHaveLength(0)
  })

  it('accepts the right iss', async () => {
    const { provider, slug } = await setup()
    const browser = new TestBrowser()
    const callback = provider.authorize((await start(browser, slug)).toString())
    expect((await browser.fetch(`${callback}&iss=${encodeURIComponent(provider.issuer)}`, json)).status).toBe(303)
  })
})

describe('tenant rules', () => {
  it("namespaces the subject with the IdP's slug: the same sub at two IdPs is two users", async () => {
    const a = await setup()
    const b = await setup()
    const meA = await (await (await signIn(a.provider, a.slug)).browser.fetch('/sso/me', json)).json()
    const meB = await (await (await signIn(b.provider, b.slug)).browser.fetch('/sso/me', json)).json()
    expect(meA).toMatchObject({ sub: `${a.slug}:user-0001` })
    expect(meB).toMatchObject({ sub: `${b.slug}:user-0001` })
  })

  it("refuses a verified email in another organization's domain (LOGIN_EMAIL_DOMAIN_MISMATCH)", async () => {
    const { provider, slug } = await setup()
    provider.claims = { email: 'ceo@globex.example' }
    expect(await codeOf((await signIn(provider, slug)).res)).toBe('LOGIN_EMAIL_DOMAIN_MISMATCH')
  })

  describe("Google: hd admits only the organization's Workspace accounts, and never vouches for an email", () => {
    const google = 'https://accounts.google.com'
    it('refuses a consumer account (no hd) and another Workspace (hd of another organization)', async () => {
      const { provider, slug } = await setup({ issuer: google })
      provider.claims = { email: 'someone@gmail.com' }
      expect(await codeOf((await signIn(provider, slug)).res)).toBe('OIDC_HOSTED_DOMAIN_MISMATCH')
      provider.claims = { hd: 'globex.example', email: 'ceo@globex.example' }
      expect(await codeOf((await signIn(provider, slug)).res)).toBe('OIDC_HOSTED_DOMAIN_MISMATCH')
    })

    it("admits the organization's own hd; the email still needs the organization's verified domain", async () => {
      const { provider, slug } = await setup({ issuer: google })
      provider.claims = { hd: 'acme.example' }
      expect((await signIn(provider, slug)).res.status).toBe(303)
      provider.claims = { hd: 'acme.example', email: 'ceo@globex.example' }
      expect(await codeOf((await signIn(provider, slug)).res)).toBe('LOGIN_EMAIL_DOMAIN_MISMATCH')
    })
  })
})

describe('logout through the provider', () => {
  it('ends the session here, then sends the browser to end_session_endpoint with id_token_hint, and shows the signed-out page on return', async () => {
    const { provider, slug } = await setup()
    const { browser } = await signIn(provider, slug)
    const res = await browser.fetch('/sso/logout', { method: 'POST', form: {} })
    expect(res.status).toBe(302)
    const to = new URL(res.headers.get('location')!)
    expect(to.origin + to.pathname).toBe(`${provider.issuer}/logout`)
    expect(to.searchParams.get('client_id')).toBe(CLIENT_ID)
    expect(to.searchParams.get('post_logout_redirect_uri')).toBe(`${ORIGIN}/sso/slo`)
    expect(to.searchParams.get('id_token_hint')!.split('.')).toHaveLength(3)
    expect((await browser.fetch('/sso/me', json)).status).toBe(401)
    // A state this browser did not start is refused; its own is taken once.
    expect((await browser.fetch('/sso/slo?state=_0000000000000000000000000000000000000000', json)).status).toBe(400)
    const back = await browser.fetch(`/sso/slo?state=${to.searchParams.get('state')}`)
    expect(back.status).toBe(200)
    expect(await back.text()).toMatch(/signed out/i)
  })

  it('signs out here only when the provider has no end_session_endpoint', async () => {
    const { provider, slug } = await setup()
    provider.discovery.end_session_endpoint = undefined
    const { refreshIdpMetadata } = await import('../../src/admin/idps')
    const idp = (await findIdp(env.DB, slug))!
    await refreshIdpMetadata(testContext(), idp.id, 'api')
    const { browser } = await signIn(provider, slug)
    const res = await browser.fetch('/sso/logout', { method: 'POST', form: {} })
    expect(res.status).toBe(200)
  })
})

describe('test connection', () => {
  it('keeps the ID token claims and userinfo for the admin, and signs nobody in', async () => {
    const { provider, idp } = await setup({ idp: { allowedGroups: ['support'] } })
    provider.userinfo = { sub: 'user-0001', groups: ['support'] }
    const { startTestConnection } = await import('../../src/admin/idps')
    const browser = new TestBrowser()
    const step = await startTestConnection(testContext(), idp.id, {})
    for (const c of step.cookies) if (c.value) browser.cookies.set(c.name, c.value)
    const url = (step.navigation as { location: string }).location
    const res = await browser.fetch(provider.authorize(url), json)
    expect(res.status).toBe(303)
    const location = res.headers.get('location')!
    expect(location).toMatch(new RegExp(`^/sso/admin/idps/${idp.id}/test/_[0-9a-f]{40}$`))
    expect(browser.cookies.has('__Host-sso_session')).toBe(false)
    const { getTestResult } = await import('../../src/store/test-results')
    const result = await getTestResult(env.SESSIONS, location.split('/').at(-1)!)
    expect(result).toMatchObject({ ok: true, protocol: 'oidc', claims: { sub: 'user-0001', iss: provider.issuer }, userinfo: { groups: ['support'] } })
  })
})
