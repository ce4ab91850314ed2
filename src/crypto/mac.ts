/**
 * MAC'd cookie values: `<payload>.<HMAC-SHA-256>` with a key derived from SSO_SECRET per purpose.
 * Verification is constant-time (crypto.subtle.verify); a bad MAC reads as "no value".
 */
import { deriveMacKey, fromBase64Url, toBase64Url } from './secret-box'

export async function signValue(secret: string, purpose: string, payload: string): Promise<string> {
  const key = await deriveMacKey(secret, purpose)
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(payload))
  return `${payload}.${toBase64Url(new Uint8Array(mac))}`
}

/** The payload when the MAC is valid, else null. */
export async function verifyValue(secret: string, purpose: string, signed: string): Promise<string | null> {
  const dot = signed.lastIndexOf('.')
  if (dot <= 0) return null
  const payload = signed.slice(0, dot)
  let mac: Uint8Array
  try {
    mac = fromBase64Url(signed.slice(dot + 1))
  } catch {
    return null
  }
  const key = await deriveMacKey(secret, purpose)
  return (await crypto.subtle.verify('HMAC', key, mac, new TextEncoder().encode(payload))) ? payload : null
}

/** Constant-time string comparison (admin token checks): compares HMACs of both sides. */
export async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const [ma, mb] = await Promise.all([a, b].map((s) => crypto.subtle.sign('HMAC', key, new TextEncoder().encode(s))))
  const x = new Uint8Array(ma!)
  const y = new Uint8Array(mb!)
  let diff = 0
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!
  return diff === 0
}
