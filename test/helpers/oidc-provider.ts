// Test helper (workerd): a fake OpenID Connect provider behind a spy on globalThis.fetch. It
// serves discovery, a JWKS, the token endpoint (codes single use, PKCE S256 checked, client
// authentication recorded) and userinfo. `authorize` plays the provider's sign-in page: it reads
// the gateway's authorization URL and answers with the callback path the browser is sent to.
// Each test's token can be changed (claims, header, signing key) to produce every failure.
// Several providers may live in one test (one spy serves them by issuer); vi.restoreAllMocks ends them.
import { base64url, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose'
import { vi } from 'vitest'

export interface ProviderKey {
  privateKey: CryptoKey
  jwk: JWK & { kid: string }
}

export async function providerKey(kid: string): Promise<ProviderKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } }
}

export interface IssuedCode {
  nonce: string
  challenge: string
  redirectUri: string
  clientId: string
  used: boolean
  /** The ID token this code is exchanged for, built when it is redeemed. */
  token: (claims: JWTPayload) => Promise<string>
}

export interface FakeProvider {
  issuer: string
  keys: ProviderKey[]
  /** The key the next tokens are signed with (default keys[0]). */
  signingKey: ProviderKey
  /** Extra or changed claims in the next ID tokens. */
  claims: JWTPayload
  /** What userinfo answers (null: 401). */
  userinfo: Record<string, unknown> | null
  /** Each token request: its form and Authorization header. */
  tokenRequests: { form: URLSearchParams; authorization: string | null }[]
  userinfoRequests: number
  jwksRequests: number
  codes: Map<string, IssuedCode>
  discovery: Record<string, unknown>
  /** Builds the ID token of a code (overridable to sign with alg none, HS256, ...). */
  sign: (claims: JWTPayload, key: ProviderKey) => Promise<string>
  /** The callback path (with code and state) the provider sends the browser to, for an authorization URL the gateway built. */
  authorize: (authorizationUrl: string) => string
}

/** Every provider of the current test, by issuer; one spy on fetch serves them all. */
const providers = new Map<string, (request: Request) => Promise<Response>>()
const realFetch = globalThis.fetch

function route(issuer: string, handler: (request: Request) => Promise<Response>): void {
  if (!vi.isMockFunction(globalThis.fetch)) {
    providers.clear()
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const request = new Request(input, init)
      const match = [...providers.keys()].find((i) => request.url.startsWith(i))
      return match ? providers.get(match)!(request) : realFetch(input, init)
    })
  }
  providers.set(issuer, handler)
}

export const CLIENT_ID = 'gateway-client'
export const CLIENT_SECRET = 'a-client-secret-of-some-length'

/** A provider at `issuer` (https://… or http://localhost…), answering through fetch until the spy is restored. */
export async function fakeProvider(issuer: string, options: { keys?: ProviderKey[]; endSession?: boolean } = {}): Promise<FakeProvider> {
  const keys = options.keys ?? [await providerKey('key-1')]
  let counter = 0
  const p: FakeProvider = {
    issuer,
    keys,
    signingKey: keys[0]!,
    claims: {},
    userinfo: null,
    tokenRequests: [],
    userinfoRequests: 0,
    jwksRequests: 0,
    codes: new Map(),
    discovery: {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks-${crypto.randomUUID()}`,
      userinfo_endpoint: `${issuer}/userinfo`,
      ...(options.endSession === false ? {} : { end_session_endpoint: `${issuer}/logout` }),
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    },
    sign: (claims, key) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid }).sign(key.privateKey),
    authorize(authorizationUrl) {
      const url = new URL(authorizationUrl)
      const code = `code-${++counter}-${crypto.randomUUID()}`
      p.codes.set(code, {
        nonce: url.searchParams.get('nonce')!,
        challenge: url.searchParams.get('code_challenge')!,
        redirectUri: url.searchParams.get('redirect_uri')!,
        clientId: url.searchParams.get('client_id')!,
        used: false,
        token: (claims) => p.sign(claims, p.signingKey),
      })
      const back = new URL(url.searchParams.get('redirect_uri')!)
      // The redirect URI's own query (?idp=<slug>) stays; code and state are added to it.
      return `${back.pathname}${back.search ? `${back.search}&` : '?'}code=${encodeURIComponent(code)}&state=${encodeURIComponent(url.searchParams.get('state')!)}`
    },
  }
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
  route(issuer, async (request) => {
    const url = request.url
    if (url === `${issuer}/.well-known/openid-configuration`) return json(p.discovery)
    if (url === p.discovery.jwks_uri) {
      p.jwksRequests++
      return json({ keys: p.keys.map((k) => k.jwk) })
    }
    if (url === `${issuer}/userinfo`) {
      p.userinfoRequests++
      return p.userinfo ? json(p.userinfo) : json({ error: 'invalid_token' }, 401)
    }
    if (url === `${issuer}/token` && request.method === 'POST') {
      const form = new URLSearchParams(await request.text())
      p.tokenRequests.push({ form, authorization: request.headers.get('authorization') })
      const issued = p.codes.get(form.get('code') ?? '')
      if (!issued || issued.used) return json({ error: 'invalid_grant' }, 400)
      issued.used = true
      const challenge = base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(form.get('code_verifier') ?? ''))))
      if (challenge !== issued.challenge || form.get('redirect_uri') !== issued.redirectUri) return json({ error: 'invalid_grant' }, 400)
      const now = Math.floor(Date.now() / 1000)
      const idToken = await issued.token({
        iss: issuer,
        aud: issued.clientId,
        sub: 'user-0001',
        iat: now,
        exp: now + 300,
        nonce: issued.nonce,
        email: 'jane@acme.example',
        email_verified: true,
        name: 'Jane Doe',
        ...p.claims,
      })
      return json({ access_token: `at-${crypto.randomUUID()}`, token_type: 'Bearer', id_token: idToken, expires_in: 300 })
    }
    return new Response('not found', { status: 404 })
  })
  return p
}
