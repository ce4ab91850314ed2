/**
 * The gateway's key for private_key_jwt (RFC 7523 §2.2) at OIDC providers: the `oidc-client` SP
 * key role (RSA-2048 with a self-signed certificate, rolled over like the others). Its public
 * keys are published in /sso/certs as RS256 JWKs with `kid` (the RFC 7638 thumbprint), `x5c` and
 * `x5t` (Entra ID identifies a client certificate by its SHA-1 thumbprint), so a provider can
 * take either the JWKS URL or the certificate. The key is made when an IdP first needs it.
 */
import { base64url, calculateJwkThumbprint, exportJWK, importX509, type JWK } from 'jose'
import type { RequestContext } from '../context'
import { encodeBase64 } from '../saml/encoding'
import { parseCertificate } from '../saml/x509'
import { metadataCertificates } from '../store/sp-keys'
import { signingKey } from './signing-key'

export const CLIENT_ASSERTION_ALG = 'RS256'

export type ClientKeyJwk = JWK & { kid: string; x5t: string; x5c: string[] }

/** A certificate's public key as published: RS256, `use: sig`, with its certificate and thumbprints. */
export async function certificateJwk(certificatePem: string): Promise<ClientKeyJwk> {
  const der = parseCertificate(certificatePem).der
  const jwk = await exportJWK(await importX509(certificatePem, CLIENT_ASSERTION_ALG, { extractable: true }))
  const kid = await calculateJwkThumbprint(jwk, 'sha256')
  const x5t = base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-1', der)))
  return { ...jwk, kid, alg: CLIENT_ASSERTION_ALG, use: 'sig', x5t, x5c: [encodeBase64(der)] }
}

/** The published client keys (active first, then the next one); none until an IdP used private_key_jwt. */
export async function oidcClientJwks(ctx: RequestContext): Promise<ClientKeyJwk[]> {
  return Promise.all((await metadataCertificates(ctx.db, 'oidc-client')).map(certificateJwk))
}

/** The active client key, imported to sign a client assertion (made on first use). */
export async function clientAssertionKey(ctx: RequestContext): Promise<{ privateKey: CryptoKey; keyId: string; x5t: string; certificatePem: string }> {
  const key = await signingKey(ctx, 'oidc-client')
  const { kid, x5t } = await certificateJwk(key.certificatePem)
  return { privateKey: key.privateKey, keyId: kid, x5t, certificatePem: key.certificatePem }
}
