/**
 * Seals small secrets at rest (SP private keys, JWT signing keys, helpdesk shared secrets) with
 * AES-256-GCM under a key derived by HKDF-SHA-256 from SSO_SECRET and a purpose label. The label
 * is bound as additional data too, so a sealed value cannot be moved to another purpose.
 */

import { base64url } from 'jose'

const VERSION = 'v1'
const IV_BYTES = 12

const keyCache = new Map<string, Promise<CryptoKey>>()

async function hkdfKey(secret: string, purpose: string, usage: 'AES-GCM' | 'HMAC'): Promise<CryptoKey> {
  const cacheKey = `${usage}\u0000${purpose}\u0000${secret}`
  let key = keyCache.get(cacheKey)
  if (!key) {
    key = (async () => {
      const ikm = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'HKDF', false, ['deriveKey'])
      const params = { name: 'HKDF', hash: 'SHA-256', salt: new TextEncoder().encode('edge-sso/v1'), info: new TextEncoder().encode(purpose) }
      return usage === 'AES-GCM'
        ? crypto.subtle.deriveKey(params, ikm, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
        : crypto.subtle.deriveKey(params, ikm, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign', 'verify'])
    })()
    // A handful of purposes per isolate; the cache never grows past that.
    keyCache.set(cacheKey, key)
  }
  return key
}

export function deriveAesKey(secret: string, purpose: string): Promise<CryptoKey> {
  return hkdfKey(secret, purpose, 'AES-GCM')
}

export function deriveMacKey(secret: string, purpose: string): Promise<CryptoKey> {
  return hkdfKey(secret, purpose, 'HMAC')
}

/** `v1.<iv>.<ciphertext+tag>` in base64url. */
export async function seal(secret: string, purpose: string, plaintext: string): Promise<string> {
  const key = await deriveAesKey(secret, purpose)
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(purpose) }, key, new TextEncoder().encode(plaintext))
  return `${VERSION}.${base64url.encode(iv)}.${base64url.encode(new Uint8Array(ct))}`
}

/** Opens a sealed value; throws when it was tampered with, sealed for another purpose or under another secret. */
export async function open(secret: string, purpose: string, sealed: string): Promise<string> {
  const [version, iv, ct] = sealed.split('.')
  if (version !== VERSION || !iv || !ct) throw new Error('sealed value has an unknown format')
  const key = await deriveAesKey(secret, purpose)
  const pt = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: base64url.decode(iv), additionalData: new TextEncoder().encode(purpose) },
    key,
    base64url.decode(ct),
  )
  return new TextDecoder().decode(pt)
}
