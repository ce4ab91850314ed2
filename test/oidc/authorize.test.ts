// The authorization request (oidc/authorize.ts): code flow, PKCE S256, our state and nonce.
import { describe, expect, it } from 'vitest'
import { authorizationUrl } from '../../src/oidc/authorize'

describe('authorizationUrl', () => {
  const request = {
    clientId: 'client 1',
    redirectUri: 'https://support.example.com/sso/oidc/callback',
    scopes: 'email profile',
    state: 's-1',
    nonce: 'n-1',
    codeChallenge: 'c-1',
  }

  it('asks for a code with PKCE S256, openid always in the scopes, our state and nonce', () => {
    const url = new URL(authorizationUrl('https://login.acme.example/authorize', request))
    expect(url.origin + url.pathname).toBe('https://login.acme.example/authorize')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client 1',
      redirect_uri: 'https://support.example.com/sso/oidc/callback',
      scope: 'email profile openid',
      state: 's-1',
      nonce: 'n-1',
      code_challenge: 'c-1',
      code_challenge_method: 'S256',
    })
  })

  it("keeps the endpoint's own query, but ours wins a clash; asks for a fresh login and passes a hint when told", () => {
    const url = new URL(
      authorizationUrl('https://login.acme.example/authorize?p=B2C_1_signin&state=theirs', { ...request, forceLogin: true, loginHint: 'jane@acme.example' }),
    )
    expect(url.searchParams.get('p')).toBe('B2C_1_signin')
    expect(url.searchParams.getAll('state')).toEqual(['s-1'])
    expect(url.searchParams.get('prompt')).toBe('login')
    expect(url.searchParams.get('login_hint')).toBe('jane@acme.example')
  })
})
