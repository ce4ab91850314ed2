// OIDC ID token validation (oidc/id-token.ts, oidc/jwks.ts) in workerd with real keys from jose:
// one test per failure code the issue lists for tokens, each beside a valid control, and the
// JWKS fetched again on an unknown kid (rotation), at most once a minute.
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { validateIdToken, type IdTokenExpectations } from '../../src/oidc/id-token'
import { JWKS_REFETCH_COOLDOWN_MS, providerKeys } from '../../src/oidc/jwks'

const ISSUER = 'https://login.acme.example/tenant-1/v2.0'
const CLIENT = 'client-123'
const NOW = new Date('2026-12-04T10:00:00Z')
const t = (s: number) => Math.floor(NOW.getTime() / 1000) + s

type KeyPair = { privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK }
let rsa: KeyPair
let rotated: KeyPair
let attacker: KeyPair

async function pair(kid: string, alg = 'RS256'): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
}

afterEach(() => {
  vi.useRealTimers()
})

beforeAll(async () => {
  rsa = await pair('k1')
  rotated = await pair('k2')
  attacker = await pair('k1')
})

/** A JWKS endpoint serving `keys()` (changeable), counting fetches. */
function provider(keys: () => JWK[]) {
  const state = { fetches: 0 }
  const fetcher = async () => {
    state.fetches++
    return new Response(JSON.stringify({ keys: keys() }), { headers: { 'content-type': 'application/json' } })
  }
  return { state, keys: providerKeys('https://login.acme.example/keys', fetcher as never) }
}

function claims(overrides: JWTPayload = {}): JWTPayload {
  return { iss: ISSUER, aud: CLIENT, sub: 'user-42', nonce: 'n-1', iat: t(-10), exp: t(300), email: 'jane@acme.example', email_verified: true, ...overrides }
}

async function sign(payload: JWTPayload, key: KeyPair = rsa, alg = 'RS256'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, kid: key.jwk.kid! }).sign(key.privateKey)
}

function expectations(keys: IdTokenExpectations['keys'], overrides: Partial<IdTokenExpectations> = {}): IdTokenExpectations {
  return { issuer: ISSUER, clientId: CLIENT, nonce: 'n-1', keys, skewSeconds: 60, now: NOW, ...overrides }
}

const code = (c: string) => expect.objectContaining({ code: c })

describe('validateIdToken', () => {
  it('accepts a token signed with a published key, for us, fresh, with our nonce (control)', async () => {
    const { keys } = provider(() => [rsa.jwk])
    expect(await validateIdToken(await sign(claims()), expectations(keys))).toMatchObject({ sub: 'user-42', email: 'jane@acme.example' })
  })

  it.each([
    ['another issuer', { iss: 'https://login.acme.example/other-tenant/v2.0' }, 'OIDC_ISSUER_MISMATCH'],
    ['another audience', { aud: 'someone-else' }, 'OIDC_AUDIENCE_MISMATCH'],
    ['several audiences without azp', { aud: [CLIENT, 'other'] }, 'OIDC_AZP_MISMATCH'],
    ['an azp of another client', { azp: 'other' }, 'OIDC_AZP_MISMATCH'],
    ['an expiry past the skew', { exp: t(-61), iat: t(-400) }, 'OIDC_EXPIRED'],
    ['an iat beyond the skew ahead', { iat: t(120) }, 'OIDC_NOT_YET_VALID'],
    ['an nbf beyond the skew ahead', { nbf: t(120) }, 'OIDC_NOT_YET_VALID'],
    ['another nonce', { nonce: 'n-other' }, 'OIDC_NONCE_MISMATCH'],
    ['no nonce', { nonce: undefined }, 'OIDC_NONCE_MISMATCH'],
    ['no sub', { sub: undefined }, 'OIDC_TOKEN_INVALID'],
  ] as const)('refuses a token with %s: %s', async (_name, overrides, expected) => {
    const { keys } = provider(() => [rsa.jwk])
    await expect(validateIdToken(await sign(claims(overrides as JWTPayload)), expectations(keys))).rejects.toThrow(code(expected))
  })

  it('accepts several audiences with our azp, and an expiry within the skew', async () => {
    const { keys } = provider(() => [rsa.jwk])
    await expect(validateIdToken(await sign(claims({ aud: [CLIENT, 'other'], azp: CLIENT })), expectations(keys))).resolves.toBeTruthy()
    await expect(validateIdToken(await sign(claims({ exp: t(-30) })), expectations(keys))).resolves.toBeTruthy()
  })

  it('refuses alg none: OIDC_ALG_FORBIDDEN, without fetching keys', async () => {
    const { keys, state } = provider(() => [rsa.jwk])
    const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
    const unsigned = `${b64({ alg: 'none', kid: 'k1' })}.${b64(claims())}.`
    await expect(validateIdToken(unsigned, expectations(keys))).rejects.toThrow(code('OIDC_ALG_FORBIDDEN'))
    expect(state.fetches).toBe(0)
  })

  it('refuses HS256 keyed with the provider public key (algorithm confusion): OIDC_ALG_FORBIDDEN', async () => {
    const { keys } = provider(() => [rsa.jwk])
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(rsa.jwk))
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(publicKeyBytes)
    await expect(validateIdToken(forged, expectations(keys))).rejects.toThrow(code('OIDC_ALG_FORBIDDEN'))
  })

  it('refuses a token signed by another key under a published kid: OIDC_SIGNATURE_INVALID', async () => {
    const { keys } = provider(() => [rsa.jwk])
    await expect(validateIdToken(await sign(claims(), attacker), expectations(keys))).rejects.toThrow(code('OIDC_SIGNATURE_INVALID'))
  })

  it('fetches the JWKS again for an unknown kid (the provider rotated), and a made-up kid is OIDC_KEY_UNKNOWN without another fetch', async () => {
    let published = [rsa.jwk]
    const { keys, state } = provider(() => published)
    await validateIdToken(await sign(claims()), expectations(keys))
    expect(state.fetches).toBe(1)
    // The provider rotates; past the one-minute cooldown, the unknown kid makes us fetch again.
    published = [rsa.jwk, rotated.jwk]
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + JWKS_REFETCH_COOLDOWN_MS + 1000)
    expect(await validateIdToken(await sign(claims(), rotated), expectations(keys))).toMatchObject({ sub: 'user-42' })
    expect(state.fetches).toBe(2)
    const madeUp = await pair('k-made-up')
    await expect(validateIdToken(await sign(claims(), madeUp), expectations(keys))).rejects.toThrow(code('OIDC_KEY_UNKNOWN'))
    await expect(validateIdToken(await sign(claims(), madeUp), expectations(keys))).rejects.toThrow(code('OIDC_KEY_UNKNOWN'))
    // Within the cooldown, unknown kids cost no fetch: made-up kids cannot make us hammer the provider.
    expect(state.fetches).toBe(2)
    vi.useRealTimers()
  })

  it('accepts ES256 and EdDSA keys too', async () => {
    const ec = await pair('e1', 'ES256')
    const ed = await pair('d1', 'EdDSA')
    const { keys } = provider(() => [ec.jwk, ed.jwk])
    await expect(validateIdToken(await sign(claims(), ec, 'ES256'), expectations(keys))).resolves.toBeTruthy()
    await expect(validateIdToken(await sign(claims(), ed, 'EdDSA'), expectations(keys))).resolves.toBeTruthy()
  })

  it('says OIDC_JWKS_UNAVAILABLE when the keys cannot be read', async () => {
    const keys = providerKeys('https://login.acme.example/broken', (async () => new Response('<html>', { status: 200 })) as never)
    await expect(validateIdToken(await sign(claims()), expectations(keys))).rejects.toThrow(code('OIDC_JWKS_UNAVAILABLE'))
  })
})
