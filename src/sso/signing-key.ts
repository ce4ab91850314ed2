/**
 * The gateway's active RSA key for one signing role, imported for WebCrypto: `signing` for the
 * SP's AuthnRequests and logout messages, `broker` for the broker's Responses and logout answers,
 * `metadata` for signed metadata, `freshworks` for Freshworks tokens. Each role has its own key
 * and rollover (store/sp-keys.ts); generated on first use with a certificate named after this host.
 */
import type { RequestContext } from '../context'
import { importPrivateKey } from '../saml/x509'
import { activeSpKey, type SigningRole } from '../store/sp-keys'

export type { SigningRole } from '../store/sp-keys'

export interface SigningKey {
  id: string
  certificatePem: string
  privateKeyPem: string
  /** RSASSA-PKCS1-v1_5 with SHA-256 (the `rsa-sha256` of XML-DSig and the bindings). */
  privateKey: CryptoKey
}

export async function signingKey(ctx: RequestContext, role: SigningRole): Promise<SigningKey> {
  const key = await activeSpKey(ctx.db, ctx.secret, role, ctx.clock(), new URL(ctx.origin).host)
  return { ...key, privateKey: await importPrivateKey(key.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }) }
}
