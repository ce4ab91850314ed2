/**
 * MAC'd cookie values: `<payload>.<HMAC-SHA-256>` with a key derived from SSO_SECRET per purpose.
 * Verification is constant-time (crypto.subtle.verify); a bad MAC reads as "no value".
 */
import { base64url } from 'jose'
import { deriveMacKey } from './secret-box'

export async function signValue(secret: string, purpose: string, payload: string): Promise<string> {
  const key = await deriveMacKey(secret, purpose)
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(payload))
  return `${payload}.${base64url.encode(new Uint8Array(mac))}`
}

/** The payload when the MAC is valid, else null. */
export async function verifyValue(secret: string, purpose: string, signed: string): Promise<string | null> {
  const dot = signed.lastIndexOf('.')
  if (dot <= 0) return null
  const payload = signed.slice(0, dot)
  let mac: Uint8Array
  try {
    mac = base64url.decode(signed.slice(dot + 1))
  } catch {
    return null
  }
  const key = await deriveMacKey(secret, purpose)
  return (await crypto.subtle.verify('HMAC', key, mac, new TextEncoder().encode(payload))) ? payload : null
}
