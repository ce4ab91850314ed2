/**
 * Bearer tokens in cookies (portal and admin sessions): 256 random bits, base64url (jose), and
 * the SHA-256 hex under which storage keeps them, so a KV listing never reveals a live cookie.
 */
import { base64url } from 'jose'

/** A fresh 256-bit token: 43 base64url characters. */
export function newToken(random: (bytes: number) => Uint8Array): string {
  return base64url.encode(random(32))
}

/** Tokens are exactly 43 base64url characters; anything else cannot be ours and costs no lookup. */
export function isTokenShape(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value)
}

/** SHA-256 (hex) of a token or identifier, for storage keys. */
export async function hashToken(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
