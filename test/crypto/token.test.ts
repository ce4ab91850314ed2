// workerd: bearer tokens for session cookies: 256 bits from the injected randomness as 43
// base64url characters, a shape check that costs nothing, and the SHA-256 hex storage keeps.
import { base64url } from 'jose'
import { describe, expect, it } from 'vitest'
import { hashToken, isTokenShape, newToken } from '../../src/crypto/token'

/** Randomness that records what was asked for and returns `fill`. */
function fixedRandom(fill: (i: number) => number): { random: (n: number) => Uint8Array; asked: number[] } {
  const asked: number[] = []
  return {
    asked,
    random: (n) => {
      asked.push(n)
      return Uint8Array.from({ length: n }, (_, i) => fill(i))
    },
  }
}

describe('newToken', () => {
  it('encodes 32 bytes of the injected randomness as 43 base64url characters', () => {
    const { random, asked } = fixedRandom(() => 0xff)
    expect(newToken(random)).toBe(`${'_'.repeat(42)}8`)
    expect(asked).toEqual([32])
    const counting = fixedRandom((i) => i)
    expect(newToken(counting.random)).toBe(base64url.encode(Uint8Array.from({ length: 32 }, (_, i) => i)))
    expect(newToken(counting.random)).toBe('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8')
  })

  it('gives a different token for different randomness, each of token shape', () => {
    const a = newToken((n) => crypto.getRandomValues(new Uint8Array(n)))
    const b = newToken((n) => crypto.getRandomValues(new Uint8Array(n)))
    expect(a).not.toBe(b)
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(isTokenShape(a)).toBe(true)
    expect(isTokenShape(b)).toBe(true)
  })
})

describe('isTokenShape', () => {
  it('accepts exactly 43 base64url characters', () => {
    expect(isTokenShape('A'.repeat(43))).toBe(true)
    expect(isTokenShape(`${'a0_-'.repeat(10)}xyz`)).toBe(true)
  })

  it.each([
    ['empty', ''],
    ['42 characters', 'A'.repeat(42)],
    ['44 characters', 'A'.repeat(44)],
    ['standard base64 +', `${'A'.repeat(42)}+`],
    ['standard base64 /', `${'A'.repeat(42)}/`],
    ['padding', `${'A'.repeat(42)}=`],
    ['a dot', `${'A'.repeat(42)}.`],
    ['a trailing newline', `${'A'.repeat(43)}\n`],
    ['a leading space', ` ${'A'.repeat(43)}`],
    ['a non-ASCII letter', `${'A'.repeat(42)}é`],
  ])('refuses %s', (_, value) => {
    expect(isTokenShape(value)).toBe(false)
  })
})

describe('hashToken', () => {
  it('is the SHA-256 of the UTF-8 value in lowercase hex', async () => {
    expect(await hashToken('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(await hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    const token = newToken((n) => crypto.getRandomValues(new Uint8Array(n)))
    const hash = await hashToken(token)
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    expect(hash).not.toContain(token)
    expect(await hashToken(token)).toBe(hash)
  })

  it('hashes non-ASCII identifiers (a NameID) by their UTF-8 bytes', async () => {
    const expected = new Uint8Array(await crypto.subtle.digest('SHA-256', Uint8Array.from([0x6a, 0xc3, 0xb6, 0x72, 0x67])))
    expect(await hashToken('jörg')).toBe(Array.from(expected, (b) => b.toString(16).padStart(2, '0')).join(''))
    expect(await hashToken('jörg')).not.toBe(await hashToken('jorg'))
  })
})
