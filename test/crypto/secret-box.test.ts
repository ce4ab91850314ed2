import { base64url } from 'jose'
import { describe, expect, it } from 'vitest'
import { open, seal } from '../../src/crypto/secret-box'

const SECRET = 'test-secret-0123456789abcdef0123456789abcdef'

describe('secret box', () => {
  it('round-trips and never shows the plaintext in the sealed form', async () => {
    const sealed = await seal(SECRET, 'sp-key', '-----BEGIN PRIVATE KEY-----abc')
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+$/)
    expect(sealed).not.toContain('PRIVATE')
    expect(await open(SECRET, 'sp-key', sealed)).toBe('-----BEGIN PRIVATE KEY-----abc')
  })

  it('uses a fresh IV each time', async () => {
    expect(await seal(SECRET, 'p', 'x')).not.toBe(await seal(SECRET, 'p', 'x'))
  })

  it('refuses another purpose, another secret and any tampering', async () => {
    const sealed = await seal(SECRET, 'sp-key', 'secret')
    await expect(open(SECRET, 'jwt-key', sealed)).rejects.toThrow()
    await expect(open(`${SECRET}x`, 'sp-key', sealed)).rejects.toThrow()
    // One bit of the ciphertext flipped (on the bytes: a character swap could touch only padding bits).
    const [version, iv, ct] = sealed.split('.')
    const bytes = base64url.decode(ct!)
    bytes[3]! ^= 0x01
    await expect(open(SECRET, 'sp-key', [version, iv, base64url.encode(bytes)].join('.'))).rejects.toThrow()
    const ivBytes = base64url.decode(iv!)
    ivBytes[0]! ^= 0x80
    await expect(open(SECRET, 'sp-key', [version, base64url.encode(ivBytes), ct].join('.'))).rejects.toThrow()
    await expect(open(SECRET, 'sp-key', 'v0.a.b')).rejects.toThrow('unknown format')
  })
})
