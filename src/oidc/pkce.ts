/** PKCE (RFC 7636) with S256: a 256-bit random verifier and its SHA-256 challenge, base64url. */
import { base64url } from 'jose'

export async function pkcePair(random: (bytes: number) => Uint8Array): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url.encode(random(32))
  return { verifier, challenge: await s256(verifier) }
}

/** The S256 code_challenge of a verifier (RFC 7636 §4.2). */
export async function s256(verifier: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))))
}
