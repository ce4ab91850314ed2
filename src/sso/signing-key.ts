/**
 * The gateway's active RSA signing key (SP key pair, `signing` use), imported for WebCrypto:
 * signs AuthnRequests and logout messages, the broker's Responses and metadata, and Freshworks
 * tokens. Generated on first use with a certificate named after this host.
 */
import type { RequestContext } from '../context'
import { importPrivateKey } from '../saml/x509'
import { activeSpKey } from '../store/sp-keys'

export interface SigningKey {
  id: string
  certificatePem: string
  privateKeyPem: string
  /** RSASSA-PKCS1-v1_5 with SHA-256 (the `rsa-sha256` of XML-DSig and the bindings). */
  privateKey: CryptoKey
}

export async function signingKey(ctx: RequestContext): Promise<SigningKey> {
  const key = await activeSpKey(ctx.db, ctx.secret, 'signing', ctx.clock(), new URL(ctx.origin).host)
  return { ...key, privateKey: await importPrivateKey(key.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }) }
}
