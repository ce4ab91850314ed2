// PKCE S256 (oidc/pkce.ts) against RFC 7636's own example (Appendix B), and fresh verifiers.
import { describe, expect, it } from 'vitest'
import { pkcePair, s256 } from '../../src/oidc/pkce'

describe('PKCE', () => {
  it("computes RFC 7636 Appendix B's challenge", async () => {
    expect(await s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  })

  it('makes a 43-character verifier from 32 random bytes, different each time', async () => {
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
    const a = await pkcePair(random)
    const b = await pkcePair(random)
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(a.verifier).not.toBe(b.verifier)
    expect(a.challenge).toBe(await s256(a.verifier))
  })
})
