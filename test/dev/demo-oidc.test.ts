// Plain Node: the dev-only demo OpenID provider (dev/demo-oidc.mjs, panva's oidc-provider) driven
// over HTTP like a browser would, with the gateway's own OIDC core (src/oidc) as the client:
// discovery, the authorization code flow with PKCE S256, the ID token, userinfo and end-session
// are exactly what the gateway needs. Plus the registration with the gateway's admin API.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_OIDC, registerDemoOidc, startDemoOidc } from '../../dev/demo-oidc.mjs'
import { AppError } from '../../src/errors'
import { authorizationUrl } from '../../src/oidc/authorize'
import { oidcIdentity } from '../../src/oidc/claims'
import { loadDiscovery, type OidcProvider } from '../../src/oidc/discovery'
import { validateIdToken } from '../../src/oidc/id-token'
import { providerKeys } from '../../src/oidc/jwks'
import { pkcePair } from '../../src/oidc/pkce'
import { exchangeCode } from '../../src/oidc/token'
import { fetchUserinfo } from '../../src/oidc/userinfo'

interface DemoOidc {
  issuer: string
  url: string
  clientId: string
  clientSecret: string
  redirectUri: string
  users: { sub: string; email: string; emailVerified: boolean; firstName: string; lastName: string; displayName: string; groups: string[] }[]
  close(): Promise<void>
}

const GATEWAY = 'https://support.example.test'
const random = (bytes: number) => crypto.getRandomValues(new Uint8Array(bytes))

let demo: DemoOidc
let provider: OidcProvider
beforeAll(async () => {
  demo = (await startDemoOidc({ port: 0, host: 'localhost', gatewayOrigin: GATEWAY })) as DemoOidc
  provider = await loadDiscovery(demo.issuer)
})
afterAll(async () => {
  await demo?.close()
})

function user(email: string) {
  const found = demo.users.find((u) => u.email === email)
  if (!found) throw new Error(`no demo user ${email}`)
  return found
}

/** A cookie jar for the provider's origin, and requests that follow its redirects until one leaves it. */
function browser() {
  const jar = new Map<string, string>()
  const send = async (url: string | URL, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    })
    for (const c of res.headers.getSetCookie()) {
      const pair = c.slice(0, c.indexOf(';') < 0 ? undefined : c.indexOf(';'))
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1))
    }
    return res
  }
  /** The provider's page at the end of the redirects, or where the browser was sent off the provider. */
  const go = async (url: string | URL, init: RequestInit = {}): Promise<{ res: Response; html: string; url: URL } | { leftTo: URL }> => {
    let res = await send(url, init)
    let at = new URL(url, demo.issuer)
    while (res.status >= 300 && res.status < 400) {
      at = new URL(res.headers.get('location')!, at)
      if (at.origin !== new URL(demo.issuer).origin) return { leftTo: at }
      res = await send(at)
    }
    return { res, html: await res.text(), url: at }
  }
  const post = (url: string | URL, form: Record<string, string>) =>
    go(new URL(url, demo.issuer), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) })
  return { go, post }
}

type Step = Awaited<ReturnType<ReturnType<typeof browser>['go']>>
function page(step: Step) {
  if ('leftTo' in step) throw new Error(`expected a provider page, was sent to ${step.leftTo}`)
  return step
}
function leftTo(step: Step): URL {
  if (!('leftTo' in step)) throw new Error(`expected a redirect off the provider, got HTTP ${step.res.status} at ${step.url}: ${step.html.slice(0, 300)}`)
  return step.leftTo
}
/** The action of oidc-provider's logout form (its end-session page). */
const logoutFormAction = (html: string) => {
  const m = /<form id="op\.logoutForm" method="post" action="([^"]+)"/.exec(html)
  if (!m) throw new Error(`no logout form in ${html.slice(0, 300)}`)
  return m[1]!
}

/** The gateway's authorization request, the sign-in page, and a click on `email` (or Cancel). */
async function signIn(email: string | null, o: { challenge?: string | null } = {}) {
  const b = browser()
  const pkce = await pkcePair(random)
  const state = randomUUID()
  const nonce = randomUUID()
  const url = new URL(
    authorizationUrl(provider.authorizationEndpoint, {
      clientId: demo.clientId,
      redirectUri: demo.redirectUri,
      scopes: DEMO_OIDC.scopes,
      state,
      nonce,
      codeChallenge: o.challenge === undefined ? pkce.challenge : (o.challenge ?? ''),
    }),
  )
  if (o.challenge === null) {
    url.searchParams.delete('code_challenge')
    url.searchParams.delete('code_challenge_method')
  }
  const start = await b.go(url)
  if ('leftTo' in start) return { b, pkce, state, nonce, signInPage: null, callback: start.leftTo }
  const signInPage = page(start)
  const action = `${signInPage.url.pathname}/${email === null ? 'abort' : 'login'}`
  expect(signInPage.html).toContain(`<form method="post" action="${action}">`)
  const callback = leftTo(await b.post(action, email === null ? {} : { user: user(email).sub }))
  return { b, pkce, state, nonce, signInPage, callback }
}

/** What the gateway's callback does with the code: token, ID token, userinfo, identity. */
async function redeem(callback: URL, codeVerifier: string, nonce: string) {
  const tokens = await exchangeCode({
    tokenEndpoint: provider.tokenEndpoint,
    clientId: demo.clientId,
    code: callback.searchParams.get('code')!,
    redirectUri: demo.redirectUri,
    codeVerifier,
    auth: { method: 'client_secret_basic', clientSecret: demo.clientSecret },
    now: new Date(),
    jti: randomUUID(),
  })
  const claims = await validateIdToken(tokens.idToken, {
    issuer: provider.issuer,
    clientId: demo.clientId,
    nonce,
    keys: providerKeys(provider.jwksUri),
    skewSeconds: 60,
    now: new Date(),
  })
  const userinfo = await fetchUserinfo(provider.userinfoEndpoint!, tokens.accessToken!)
  return { tokens, claims, userinfo, identity: oidcIdentity(claims, userinfo) }
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  throw new Error('expected a rejection')
}

describe('demo OpenID provider', () => {
  it('serves a discovery document the gateway accepts: exact issuer, code flow, PKCE S256, RS256, end-session', async () => {
    const res = await fetch(`${demo.issuer}/.well-known/openid-configuration`, { redirect: 'manual' })
    expect(res.status).toBe(200)
    const doc = (await res.json()) as Record<string, unknown>
    expect(demo.issuer).toMatch(/^http:\/\/localhost:\d+$/)
    expect(doc.issuer).toBe(demo.issuer)
    expect(doc.response_types_supported).toEqual(['code'])
    expect(doc.grant_types_supported).toEqual(['authorization_code'])
    expect(doc.code_challenge_methods_supported).toEqual(['S256'])
    expect(doc.id_token_signing_alg_values_supported).toContain('RS256')
    expect(doc.token_endpoint_auth_methods_supported).toContain('client_secret_basic')
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(DEMO_OIDC.scopes.split(' ')))
    expect(doc.claims_supported).toEqual(expect.arrayContaining(['sub', 'email', 'email_verified', 'given_name', 'family_name', 'name', 'groups']))
    // What the gateway stores of it (src/oidc/discovery.ts: every check passed).
    expect(provider).toEqual({
      issuer: demo.issuer,
      authorizationEndpoint: `${demo.issuer}/auth`,
      tokenEndpoint: `${demo.issuer}/token`,
      jwksUri: `${demo.issuer}/jwks`,
      userinfoEndpoint: `${demo.issuer}/me`,
      endSessionEndpoint: `${demo.issuer}/session/end`,
      tokenEndpointAuthMethods: expect.arrayContaining(['client_secret_basic']),
    })
  })

  it('publishes one RS256 signing key, public part only', async () => {
    const { keys } = (await (await fetch(provider.jwksUri)).json()) as { keys: Record<string, unknown>[] }
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String), n: expect.any(String), e: 'AQAB' })
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(keys[0]).not.toHaveProperty(secret)
  })

  it('completes a code flow with PKCE as the gateway runs it: sign-in page, code, tokens, ID token, userinfo', async () => {
    const erin = user('erin@hooli.example')
    const flow = await signIn(erin.email)
    const signInPage = flow.signInPage!
    expect(signInPage.url.pathname).toMatch(/^\/interaction\/[\w-]+$/)
    for (const u of demo.users) expect(signInPage.html).toContain(`data-user="${u.email}"`)
    expect(signInPage.html).toContain('id="cancel"')
    // No consent page: the code comes straight back to the redirect URI, with the state and iss.
    // The redirect URI, its ?idp=<slug> kept, with the code and state added.
    expect(`${flow.callback.origin}${flow.callback.pathname}?idp=${flow.callback.searchParams.get('idp')}`).toBe(demo.redirectUri)
    expect(flow.callback.searchParams.get('state')).toBe(flow.state)
    expect(flow.callback.searchParams.get('iss')).toBe(demo.issuer)
    const { tokens, claims, userinfo, identity } = await redeem(flow.callback, flow.pkce.verifier, flow.nonce)
    expect(JSON.parse(Buffer.from(tokens.idToken.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'RS256' })
    expect(claims).toMatchObject({ iss: demo.issuer, aud: demo.clientId, sub: erin.sub, nonce: flow.nonce })
    // OIDC Core §5.4: with an access token issued, the scope claims come from userinfo only.
    expect(claims).not.toHaveProperty('email')
    expect(userinfo).toEqual({
      sub: erin.sub,
      email: erin.email,
      email_verified: true,
      name: 'Erin Evans',
      given_name: 'Erin',
      family_name: 'Evans',
      groups: erin.groups,
    })
    expect(identity).toMatchObject({ sub: erin.sub, email: erin.email, emailVerified: true, firstName: 'Erin', lastName: 'Evans', groups: erin.groups })

    // A code is good once.
    expect((await rejection(redeem(flow.callback, flow.pkce.verifier, flow.nonce))).code).toBe('OIDC_CODE_REJECTED')
  })

  it('requires PKCE: no challenge is refused at the redirect URI, a wrong verifier at the token endpoint', async () => {
    const noChallenge = await signIn(null, { challenge: null })
    expect(noChallenge.signInPage).toBeNull()
    expect(noChallenge.callback.searchParams.get('error')).toBe('invalid_request')
    expect(noChallenge.callback.searchParams.get('state')).toBe(noChallenge.state)

    const flow = await signIn('frank@hooli.example')
    const other = await pkcePair(random)
    expect((await rejection(redeem(flow.callback, other.verifier, flow.nonce))).code).toBe('OIDC_CODE_REJECTED')
  })

  it('answers Cancel with access_denied at the redirect URI', async () => {
    const flow = await signIn(null)
    expect(flow.callback.searchParams.get('error')).toBe('access_denied')
    expect(flow.callback.searchParams.get('state')).toBe(flow.state)
    expect(flow.callback.searchParams.has('code')).toBe(false)
  })

  it('says email_verified false for the unverified user, which the gateway does not take as an email', async () => {
    const flow = await signIn('grace@hooli.example')
    const { userinfo, identity } = await redeem(flow.callback, flow.pkce.verifier, flow.nonce)
    expect(userinfo).toMatchObject({ email: 'grace@hooli.example', email_verified: false })
    expect(identity).toMatchObject({ email: null, emailVerified: false, emailClaimed: 'grace@hooli.example' })
  })

  it('ends its session at end_session_endpoint after a confirmation, back at the post-logout URI with the state', async () => {
    const flow = await signIn('erin@hooli.example')
    const { tokens } = await redeem(flow.callback, flow.pkce.verifier, flow.nonce)
    const end = new URL(provider.endSessionEndpoint!)
    end.search = new URLSearchParams({
      id_token_hint: tokens.idToken,
      client_id: demo.clientId,
      post_logout_redirect_uri: `${GATEWAY}/sso/slo`,
      state: 's-1',
    }).toString()
    const confirm = page(await flow.b.go(end))
    expect(confirm.html).toContain('id="logout-confirm"')
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.html)![1]!
    const back = leftTo(await flow.b.post(logoutFormAction(confirm.html), { xsrf, logout: 'yes' }))
    expect(back.toString()).toBe(`${GATEWAY}/sso/slo?state=s-1`)

    // Signed out there: the next authorization request shows the sign-in page again.
    const again = page(
      await flow.b.go(
        authorizationUrl(provider.authorizationEndpoint, {
          clientId: demo.clientId,
          redirectUri: demo.redirectUri,
          scopes: 'openid',
          state: 'x',
          nonce: 'y',
          codeChallenge: flow.pkce.challenge,
        }),
      ),
    )
    expect(again.url.pathname).toMatch(/^\/interaction\//)

    // Only the registered post-logout URI: another is refused with the provider's error page.
    const foreign = new URL(end)
    foreign.searchParams.set('post_logout_redirect_uri', 'https://evil.example/')
    const refused = page(await browser().go(foreign))
    expect(refused.res.status).toBe(400)
    expect(refused.html).toContain('post_logout_redirect_uri not registered')
  })
})

describe('registerDemoOidc', () => {
  // A stand-in for the gateway admin API: records calls, keeps IdPs in memory.
  let server: Server
  let base: string
  const calls: { method: string; path: string; auth: string | undefined; body: unknown }[] = []
  const store: Record<string, unknown>[] = []

  const readJson = async (req: IncomingMessage) => {
    let text = ''
    for await (const chunk of req) text += chunk
    return text ? JSON.parse(text) : null
  }

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await readJson(req)
      calls.push({ method: req.method!, path: req.url!, auth: req.headers.authorization, body })
      res.setHeader('content-type', 'application/json')
      if (req.headers.authorization !== 'Bearer good-token') return res.writeHead(401).end('{"error":{"code":"ADMIN_TOKEN_INVALID"}}')
      if (req.method === 'GET' && req.url === '/sso/admin/api/idps') return res.end(JSON.stringify({ idps: store }))
      if (req.method === 'POST' && req.url === '/sso/admin/api/idps') {
        const { clientSecret: _secret, ...row } = { id: `idp_${store.length + 1}`, ...body }
        store.push(row)
        return res.writeHead(201).end(JSON.stringify(row))
      }
      const m = /^\/sso\/admin\/api\/idps\/(.+)$/.exec(req.url!)
      const row = m && store.find((r) => r.id === m[1])
      if (req.method === 'PATCH' && row) return res.end(JSON.stringify(Object.assign(row, body)))
      res.writeHead(404).end('{}')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const address = server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  })

  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('creates the OIDC IdP with its own organization, then sets only the issuer and the fresh client secret', async () => {
    expect(await registerDemoOidc(base, 'good-token', demo)).toBe('idp_1')
    expect(calls.map((c) => c.method)).toEqual(['GET', 'POST'])
    expect(calls[1]!.body).toEqual({
      protocol: 'oidc',
      name: 'Hooli (OIDC demo)',
      slug: 'hooli-oidc-demo',
      issuer: demo.issuer,
      clientId: demo.clientId,
      clientSecret: demo.clientSecret,
      scopes: 'openid email profile groups',
      emailDomains: ['hooli.example'],
      // The demo's own provider goes live at once instead of waiting as a draft.
      enabled: true,
      skipTest: true,
    })
    expect(calls.every((c) => c.auth === 'Bearer good-token')).toBe(true)

    // The next start: another port and another secret.
    calls.length = 0
    const moved = { issuer: 'http://localhost:9999', clientId: demo.clientId, clientSecret: 'next-secret' }
    expect(await registerDemoOidc(base, 'good-token', moved)).toBe('idp_1')
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /sso/admin/api/idps', 'PATCH /sso/admin/api/idps/idp_1'])
    expect(calls[1]!.body).toEqual({ clientSecret: 'next-secret', issuer: 'http://localhost:9999' })
  })

  it('refuses to take over a SAML IdP with its slug, and fails loudly on a wrong admin token', async () => {
    store.splice(0, store.length, { id: 'idp_9', slug: 'hooli-oidc-demo', protocol: 'saml' })
    await expect(registerDemoOidc(base, 'good-token', demo)).rejects.toThrow(/not an OIDC IdP/)
    await expect(registerDemoOidc(base, 'bad-token', demo)).rejects.toMatchObject({ status: 401 })
  })
})
