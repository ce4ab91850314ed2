// workerd: MAC-signed cookie values (`<payload>.<HMAC-SHA-256>`, key derived per purpose from
// SSO_SECRET): a value verifies only unchanged, under its own purpose and its own secret.
import { base64url } from 'jose'
import { describe, expect, it } from 'vitest'
import { signValue, verifyValue } from '../../src/crypto/mac'

const SECRET = 'test-secret-0123456789abcdef0123456789abcdef'

/** The MAC part of a signed value, one bit flipped on the bytes (a character swap could touch only padding bits). */
function flipMacBit(signed: string): string {
  const dot = signed.lastIndexOf('.')
  const mac = base64url.decode(signed.slice(dot + 1))
  mac[0]! ^= 0x01
  return `${signed.slice(0, dot)}.${base64url.encode(mac)}`
}

describe('MAC-signed values', () => {
  it('verifies its own values and rejects edits, other purposes and garbage', async () => {
    const signed = await signValue(SECRET, 'login-state', 'payload-1')
    expect(await verifyValue(SECRET, 'login-state', signed)).toBe('payload-1')
    expect(await verifyValue(SECRET, 'login-state', signed.replace('payload-1', 'payload-2'))).toBeNull()
    expect(await verifyValue(SECRET, 'other', signed)).toBeNull()
    expect(await verifyValue(SECRET, 'login-state', 'no-dot')).toBeNull()
    expect(await verifyValue(SECRET, 'login-state', 'x.!!!')).toBeNull()
  })

  it('appends a 256-bit MAC in base64url to the payload, the same for the same input', async () => {
    const signed = await signValue(SECRET, 'login-state', 'payload-1')
    expect(signed).toMatch(/^payload-1\.[A-Za-z0-9_-]{43}$/)
    expect(await signValue(SECRET, 'login-state', 'payload-1')).toBe(signed)
  })

  it('refuses a value MAC-ed under another purpose', async () => {
    const logout = await signValue(SECRET, 'logout-state', 'payload-1')
    expect(await verifyValue(SECRET, 'logout-state', logout)).toBe('payload-1')
    expect(await verifyValue(SECRET, 'login-state', logout)).toBeNull()
    expect(logout).not.toBe(await signValue(SECRET, 'login-state', 'payload-1'))
  })

  it('refuses a value MAC-ed under another secret (after SSO_SECRET is rotated)', async () => {
    const signed = await signValue(`${SECRET}-old`, 'login-state', 'payload-1')
    expect(await verifyValue(`${SECRET}-old`, 'login-state', signed)).toBe('payload-1')
    expect(await verifyValue(SECRET, 'login-state', signed)).toBeNull()
  })

  it('refuses a MAC with one bit flipped, a truncated MAC and an empty MAC', async () => {
    const signed = await signValue(SECRET, 'login-state', 'payload-1')
    expect(await verifyValue(SECRET, 'login-state', flipMacBit(signed))).toBeNull()
    expect(await verifyValue(SECRET, 'login-state', signed.slice(0, -4))).toBeNull()
    expect(await verifyValue(SECRET, 'login-state', 'payload-1.')).toBeNull()
    expect(await verifyValue(SECRET, 'login-state', `.${signed.split('.')[1]}`)).toBeNull()
  })

  it('round-trips payloads that contain dots (the MAC is after the last one)', async () => {
    const payload = 'eyJhIjoxfQ.part.two'
    const signed = await signValue(SECRET, 'login-state', payload)
    expect(await verifyValue(SECRET, 'login-state', signed)).toBe(payload)
    // Moving the boundary (a dot of the payload taken as the separator) breaks the MAC.
    expect(await verifyValue(SECRET, 'login-state', signed.replace('.two.', '.two'))).toBeNull()
  })

  it('is HMAC-SHA-256 under an HKDF-SHA-256 key of (secret, purpose), so cookies survive a release', async () => {
    const ikm = await crypto.subtle.importKey('raw', new TextEncoder().encode(SECRET), 'HKDF', false, ['deriveKey'])
    const key = await crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new TextEncoder().encode('edge-sso/v1'), info: new TextEncoder().encode('login-state') },
      ikm,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    )
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode('payload-1')))
    expect(await signValue(SECRET, 'login-state', 'payload-1')).toBe(`payload-1.${base64url.encode(mac)}`)
  })
})
