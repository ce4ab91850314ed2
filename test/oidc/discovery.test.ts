// A provider's discovery document (oidc/discovery.ts): refused unless it is for the issuer asked,
// offers the code flow with PKCE S256 and an allowed ID-token algorithm, over https.
import { describe, expect, it } from 'vitest'
import { discoveryUrl, parseDiscovery, parseIssuer } from '../../src/oidc/discovery'

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
