/**
 * The token request (OIDC Core §3.1.3.1): the authorization code and the PKCE verifier for the
 * provider's tokens, the client authenticated as configured (RFC 6749 §2.3.1 client_secret_basic
 * or client_secret_post; RFC 7523 private_key_jwt with a gateway key). The answer is read
 * bounded; the provider's refusal (a used or expired code: `invalid_grant`) and anything
 * unusable are stable OIDC_* codes with the provider's error for the audit row.
 */
import { SignJWT } from 'jose'
import { AppError } from '../errors'
import { readCappedText } from '../outbound/read-capped'

export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024
export const TOKEN_REQUEST_TIMEOUT_MS = 10_000

export type ClientAuth =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientSecret: string }
  /** RFC 7523 §2.2: a JWT signed with a gateway key whose public key the provider has (/sso/certs). */
  | { method: 'private_key_jwt'; privateKey: CryptoKey; keyId: string; alg: 'RS256' | 'ES256'; x5t?: string }

export interface TokenRequest {
  tokenEndpoint: string
  clientId: string
  code: string
  redirectUri: string
  codeVerifier: string
  auth: ClientAuth
  now: Date
  /** A unique ID for the client assertion (private_key_jwt). */
  jti: string
}

export interface ProviderTokens {
  idToken: string
  accessToken: string | null
}

/** RFC 6749 §2.3.1: the client ID and secret are form-urlencoded, then joined and base64'd. */
export function basicCredentials(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+')
  // encodeURIComponent leaves only ASCII, so btoa takes it as is.
  return `Basic ${btoa(`${enc(clientId)}:${enc(secret)}`)}`
}

export async function exchangeCode(request: TokenRequest, fetcher: typeof fetch = fetch): Promise<ProviderTokens> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: request.code,
    redirect_uri: request.redirectUri,
    code_verifier: request.codeVerifier,
  })
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
  const auth = request.auth
  if (auth.method === 'client_secret_basic') headers.authorization = basicCredentials(request.clientId, auth.clientSecret)
  else {
    body.set('client_id', request.clientId)
    if (auth.method === 'client_secret_post') body.set('client_secret', auth.clientSecret)
    else if (auth.method === 'private_key_jwt') {
      const iat = Math.floor(request.now.getTime() / 1000)
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: auth.alg, kid: auth.keyId, ...(auth.x5t ? { x5t: auth.x5t } : {}) })
        .setIssuer(request.clientId)
        .setSubject(request.clientId)
        .setAudience(request.tokenEndpoint)
        .setJti(request.jti)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 120)
        .sign(auth.privateKey)
      body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      body.set('client_assertion', assertion)
    }
  }
  let res: Response
  try {
    res = await fetcher(request.tokenEndpoint, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS) })
  } catch {
    throw new AppError('OIDC_TOKEN_EXCHANGE_FAILED', 'The token endpoint could not be reached', { tokenEndpoint: request.tokenEndpoint })
  }
  const text = await readCappedText(res, MAX_TOKEN_RESPONSE_BYTES)
  let json: Record<string, unknown> | null = null
  try {
    const parsed: unknown = text === null ? null : JSON.parse(text)
    json = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null
  } catch {
    json = null
  }
  const providerError = typeof json?.error === 'string' ? json.error.slice(0, 64) : null
  if (!res.ok) {
    // RFC 6749 §5.2: invalid_grant is a code that is used, expired or not ours.
    const code = providerError === 'invalid_grant' ? 'OIDC_CODE_REJECTED' : 'OIDC_TOKEN_EXCHANGE_FAILED'
    throw new AppError(code, 'The provider refused the token request', {
      status: res.status,
      error: providerError,
      description: typeof json?.error_description === 'string' ? json.error_description.slice(0, 256) : null,
    })
  }
  if (!json) throw new AppError('OIDC_TOKEN_EXCHANGE_FAILED', 'The token response is not a JSON object', { status: res.status, tooLarge: text === null })
  if (typeof json.id_token !== 'string' || !json.id_token)
    throw new AppError('OIDC_TOKEN_EXCHANGE_FAILED', 'The token response has no id_token (is the openid scope granted?)')
  if (typeof json.token_type === 'string' && json.token_type.toLowerCase() !== 'bearer')
    throw new AppError('OIDC_TOKEN_EXCHANGE_FAILED', 'The token response is not a Bearer token', { received: json.token_type.slice(0, 32) })
  return { idToken: json.id_token, accessToken: typeof json.access_token === 'string' ? json.access_token : null }
}
