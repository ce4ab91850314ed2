// A provider's discovery document (oidc/discovery.ts): refused unless it is for the issuer asked,
// offers the code flow with PKCE S256 and an allowed ID-token algorithm, over https.
import { describe, expect, it } from 'vitest'
import { discoveryUrl, loadDiscovery, MAX_DISCOVERY_BYTES, parseDiscovery, parseIssuer } from '../../src/oidc/discovery'

const ISSUER = 'https://login.acme.example/tenant-1/v2.0'
const doc = (overrides: Record<string, unknown> = {}) => ({
  issuer: ISSUER,
  authorization_endpoint: 'https://login.acme.example/tenant-1/oauth2/v2.0/authorize',
  token_endpoint: 'https://login.acme.example/tenant-1/oauth2/v2.0/token',
  jwks_uri: 'https://login.acme.example/tenant-1/discovery/v2.0/keys',
  userinfo_endpoint: 'https://graph.acme.example/oidc/userinfo',
  end_session_endpoint: 'https://login.acme.example/tenant-1/oauth2/v2.0/logout',
  response_types_supported: ['code', 'id_token'],
  code_challenge_methods_supported: ['S256'],
  id_token_signing_alg_values_supported: ['RS256'],
  token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
  ...overrides,
})
const invalid = expect.objectContaining({ code: 'OIDC_DISCOVERY_INVALID' })

describe('parseDiscovery', () => {
  it('reads the endpoints of a document for the issuer asked', () => {
    expect(parseDiscovery(doc(), ISSUER)).toEqual({
      issuer: ISSUER,
      authorizationEndpoint: 'https://login.acme.example/tenant-1/oauth2/v2.0/authorize',
      tokenEndpoint: 'https://login.acme.example/tenant-1/oauth2/v2.0/token',
      jwksUri: 'https://login.acme.example/tenant-1/discovery/v2.0/keys',
      userinfoEndpoint: 'https://graph.acme.example/oidc/userinfo',
      endSessionEndpoint: 'https://login.acme.example/tenant-1/oauth2/v2.0/logout',
      tokenEndpointAuthMethods: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    })
  })

  it.each([
    ['for another issuer (a hijacked or mixed-up document)', { issuer: 'https://login.acme.example/other/v2.0' }],
    ['without a token endpoint', { token_endpoint: undefined }],
    ['with an http jwks_uri', { jwks_uri: 'http://login.acme.example/keys' }],
    ['without the code flow', { response_types_supported: ['id_token'] }],
    ['without PKCE S256', { code_challenge_methods_supported: ['plain'] }],
    ['signing only with HS256 or none', { id_token_signing_alg_values_supported: ['HS256', 'none'] }],
  ])('refuses a document %s', (_name, overrides) => {
    expect(() => parseDiscovery(doc(overrides), ISSUER)).toThrow(invalid)
  })

  it('refuses what is not a JSON object', () => {
    expect(() => parseDiscovery('<html>', ISSUER)).toThrow(invalid)
    expect(() => parseDiscovery([doc()], ISSUER)).toThrow(invalid)
  })

  it('takes http endpoints only for a loopback issuer (local development)', () => {
    const local = 'http://localhost:9000/oidc'
    const endpoints = {
      issuer: local,
      authorization_endpoint: 'http://localhost:9000/auth',
      token_endpoint: 'http://localhost:9000/token',
      jwks_uri: 'http://localhost:9000/jwks',
    }
    expect(parseDiscovery(endpoints, local).tokenEndpoint).toBe('http://localhost:9000/token')
    expect(() => parseDiscovery({ ...endpoints, jwks_uri: 'http://evil.example/jwks' }, local)).toThrow(invalid)
  })
})

describe('parseIssuer and discoveryUrl', () => {
  it('takes https issuers and http on loopback only, and appends the well-known path', () => {
    expect(parseIssuer(ISSUER)).toBe(ISSUER)
    expect(parseIssuer('http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000')
    for (const bad of ['http://login.acme.example', 'https://x.example/?a=1', 'ftp://x.example', 42])
      expect(() => parseIssuer(bad)).toThrow(expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', detail: { field: 'issuer' } }))
    expect(discoveryUrl('https://accounts.google.com')).toBe('https://accounts.google.com/.well-known/openid-configuration')
    expect(discoveryUrl('https://idp.example/realms/acme/')).toBe('https://idp.example/realms/acme/.well-known/openid-configuration')
  })
})

describe('loadDiscovery', () => {
  const serve = (answer: () => Response) => {
    const seen: { url: string; redirect: RequestInit['redirect'] }[] = []
    const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push({ url: String(input), redirect: init?.redirect })
      return answer()
    }) as typeof fetch
    return { seen, fetcher }
  }

  it("reads the issuer's well-known document without following redirects, and checks it", async () => {
    const { seen, fetcher } = serve(() => Response.json(doc()))
    expect((await loadDiscovery(ISSUER, fetcher)).jwksUri).toBe('https://login.acme.example/tenant-1/discovery/v2.0/keys')
    expect(seen).toEqual([{ url: `${ISSUER}/.well-known/openid-configuration`, redirect: 'manual' }])
  })

  it.each([
    [
      'a redirect (the endpoints and keys would come from elsewhere)',
      () => new Response(null, { status: 302, headers: { location: 'https://evil.example/.well-known/openid-configuration' } }),
    ],
    ['an HTTP error', () => new Response('no', { status: 404 })],
    ['a document over the size limit', () => new Response(' '.repeat(MAX_DISCOVERY_BYTES + 1))],
    [
      'an unreachable host',
      () => {
        throw new TypeError('Network connection lost.')
      },
    ],
  ])('refuses %s: OIDC_DISCOVERY_FETCH_FAILED naming the issuer field', async (_name, answer) => {
    const { fetcher } = serve(answer as () => Response)
    await expect(loadDiscovery(ISSUER, fetcher)).rejects.toMatchObject({
      code: 'OIDC_DISCOVERY_FETCH_FAILED',
      detail: expect.objectContaining({ field: 'issuer' }),
    })
  })

  it('refuses a document that is not JSON, or is for another issuer: OIDC_DISCOVERY_INVALID', async () => {
    await expect(loadDiscovery(ISSUER, serve(() => new Response('<html>')).fetcher)).rejects.toMatchObject({ code: 'OIDC_DISCOVERY_INVALID' })
    await expect(loadDiscovery(ISSUER, serve(() => Response.json(doc({ issuer: 'https://evil.example' }))).fetcher)).rejects.toMatchObject({
      code: 'OIDC_DISCOVERY_INVALID',
    })
  })

  it('refuses an http issuer off loopback before fetching anything', async () => {
    const { seen, fetcher } = serve(() => Response.json(doc()))
    await expect(loadDiscovery('http://login.acme.example', fetcher)).rejects.toMatchObject({ code: 'ADMIN_INVALID_FIELD' })
    expect(seen).toEqual([])
  })
})
