// The private_key_jwt client key (sso/oidc-client-key.ts) on real D1: none is published until
// an IdP needs one; then /sso/certs lists it as an RS256 JWK whose kid is its RFC 7638
// thumbprint and whose x5c certificate holds the same key, and a client assertion it signs
// verifies with it; x5t is the certificate's SHA-1 (how Entra ID names a client certificate).
import { env } from 'cloudflare:workers'
import { base64url, calculateJwkThumbprint, importJWK, importX509, exportJWK, jwtVerify, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { clientAssertionKey, oidcClientJwks } from '../../src/sso/oidc-client-key'
import { testContext } from '../helpers/context'

describe('the OIDC client key', () => {
  it('is published only once made, with kid, x5t and x5c that all describe one key', async () => {
    await env.DB.prepare("DELETE FROM sp_keys WHERE use = 'oidc-client'").run()
    expect(await oidcClientJwks(testContext())).toEqual([])
    const key = await clientAssertionKey(testContext())
    const [jwk] = await oidcClientJwks(testContext())
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: key.keyId, x5t: key.x5t })
    const { kty, n, e } = jwk!
    expect(jwk!.kid).toBe(await calculateJwkThumbprint({ kty, n, e }, 'sha256'))
    // The certificate in x5c holds the same public key, and x5t is its SHA-1.
    const pem = `-----BEGIN CERTIFICATE-----\n${jwk!.x5c[0]}\n-----END CERTIFICATE-----`
    expect(await exportJWK(await importX509(pem, 'RS256', { extractable: true }))).toMatchObject({ n, e })
    const der = Uint8Array.from(atob(jwk!.x5c[0]!), (c) => c.charCodeAt(0))
    expect(jwk!.x5t).toBe(base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-1', der))))
    // What it signs verifies with what is published.
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: key.keyId }).setIssuer('c').sign(key.privateKey)
    expect((await jwtVerify(token, await importJWK(jwk!, 'RS256'))).payload.iss).toBe('c')
  })
})
