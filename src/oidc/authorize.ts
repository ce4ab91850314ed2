/**
 * The authorization request (OIDC Core §3.1.2.1) for the code flow with PKCE S256: the browser
 * goes to the provider's authorization endpoint with our client ID, the redirect URI
 * (`/sso/oidc/callback`), the scopes, and the state, nonce and code challenge the caller bound to
 * this browser. Pure.
 */
export interface AuthorizationRequest {
  clientId: string
  redirectUri: string
  /** Space-separated; `openid` is always included. */
  scopes: string
  state: string
  nonce: string
  codeChallenge: string
  /** OIDC Core §3.1.2.1 `prompt=login`: ask the provider for a fresh sign-in. */
  forceLogin?: boolean
  /** A sign-in hint the provider may prefill (an email typed on the selection page). */
  loginHint?: string | null
}

export function authorizationUrl(authorizationEndpoint: string, request: AuthorizationRequest): string {
  const url = new URL(authorizationEndpoint)
  const scopes = new Set(request.scopes.split(/\s+/).filter(Boolean))
  scopes.add('openid')
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scope: [...scopes].join(' '),
    state: request.state,
    nonce: request.nonce,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
    ...(request.forceLogin ? { prompt: 'login' } : {}),
    ...(request.loginHint ? { login_hint: request.loginHint } : {}),
  }
  // An endpoint with its own query (some providers need one) keeps it; ours replace any clash.
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
  return url.toString()
}
