// The token request (oidc/token.ts) against a token endpoint stand-in: each client
// authentication as the provider checks it, and the provider's refusals as stable codes.
import { exportJWK, generateKeyPair, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { basicCredentials, exchangeCode, MAX_TOKEN_RESPONSE_BYTES, type ClientAuth } from '../../src/oidc/token'

const TOKEN_ENDPOINT = 'https://login.acme.example/token'
const NOW = new Date()

function endpoint(answer: (req: Request) => Response | Promise<Response>) {
  const seen: Request[] = []
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init)
    seen.push(req.clone())
    return answer(req)
  }) as typeof fetch
  return { seen, fetcher }
}
const ok = () => Response.json({ access_token: 'at', token_type: 'Bearer', id_token: 'h.p.s', expires_in: 3600 })
const request = (auth: ClientAuth) => ({
  tokenEndpoint: TOKEN_ENDPOINT,
  clientId: 'client-1',
  code: 'code-1',
  redirectUri: 'https://support.example.com/sso/oidc/callback',
  codeVerifier: 'v'.repeat(43),
  auth,
  now: NOW,
  jti: 'jti-1',
})

describe('exchangeCode', () => {
  it('client_secret_basic: the code, the verifier and the redirect URI in the body, the credentials form-encoded in Basic', async () => {
    const { seen, fetcher } = endpoint(ok)
    expect(await exchangeCode(request({ method: 'client_secret_basic', clientSecret: 's3cr:t+/é' }), fetcher)).toEqual({ idToken: 'h.p.s', accessToken: 'at' })
    const req = seen[0]!
    expect(req.method).toBe('POST')
    expect(Object.fromEntries(new URLSearchParams(await req.text()))).toEqual({
      grant_type: 'authorization_code',
      code: 'code-1',
      redirect_uri: 'https://support.example.com/sso/oidc/callback',
      code_verifier: 'v'.repeat(43),
    })
    // RFC 6749 §2.3.1: form-urlencoded before base64 (so ':' in a secret cannot split it).
    expect(atob(req.headers.get('authorization')!.slice(6))).toBe('client-1:s3cr%3At%2B%2F%C3%A9')
    expect(basicCredentials('a b', 'c')).toBe(`Basic ${btoa('a+b:c')}`)
  })

  it('client_secret_post: the client ID and secret in the body, no Authorization header', async () => {
    const { seen, fetcher } = endpoint(ok)
    await exchangeCode(request({ method: 'client_secret_post', clientSecret: 'sec' }), fetcher)
    const body = new URLSearchParams(await seen[0]!.text())
    expect([body.get('client_id'), body.get('client_secret'), seen[0]!.headers.get('authorization')]).toEqual(['client-1', 'sec', null])
  })

  it('private_key_jwt: a client assertion the provider verifies with our public key (iss = sub = client, aud = token endpoint)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const { seen, fetcher } = endpoint(ok)
    await exchangeCode(request({ method: 'private_key_jwt', privateKey, keyId: 'gw-1', alg: 'ES256' }), fetcher)
    const body = new URLSearchParams(await seen[0]!.text())
    expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    expect(body.get('client_secret')).toBeNull()
    const { payload, protectedHeader } = await jwtVerify(body.get('client_assertion')!, publicKey, {
      issuer: 'client-1',
      subject: 'client-1',
      audience: TOKEN_ENDPOINT,
    })
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'gw-1' })
    expect(payload.jti).toBe('jti-1')
    expect(payload.exp! - payload.iat!).toBe(120)
    expect((await exportJWK(publicKey)).kty).toBe('EC')
  })

  it('says OIDC_CODE_REJECTED when the provider refuses the code (a replayed or expired code: invalid_grant)', async () => {
    const { fetcher } = endpoint(() => Response.json({ error: 'invalid_grant', error_description: 'Code already redeemed' }, { status: 400 }))
    await expect(exchangeCode(request({ method: 'client_secret_basic', clientSecret: 's' }), fetcher)).rejects.toMatchObject({
      code: 'OIDC_CODE_REJECTED',
      detail: { status: 400, error: 'invalid_grant', description: 'Code already redeemed' },
    })
  })

  it.each([
    ['another provider error', () => Response.json({ error: 'invalid_client' }, { status: 401 })],
    ['an answer that is not JSON', () => new Response('<html>', { status: 200 })],
    ['an answer without id_token', () => Response.json({ access_token: 'at', token_type: 'Bearer' })],
    ['a token type other than Bearer', () => Response.json({ id_token: 'h.p.s', token_type: 'mac' })],
    ['an answer larger than the limit', () => new Response(`{"id_token":"${'x'.repeat(MAX_TOKEN_RESPONSE_BYTES)}"}`)],
    [
      'an unreachable endpoint',
      () => {
        throw new TypeError('Network connection lost.')
      },
    ],
  ])('says OIDC_TOKEN_EXCHANGE_FAILED for %s', async (_name, answer) => {
    const { fetcher } = endpoint(answer as () => Response)
    await expect(exchangeCode(request({ method: 'client_secret_post', clientSecret: 's' }), fetcher)).rejects.toMatchObject({
      code: 'OIDC_TOKEN_EXCHANGE_FAILED',
    })
  })
})
