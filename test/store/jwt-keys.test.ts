// workerd: the ES256 keys that sign the identity JWT, in real D1: created on first use and cached
// per isolate, rotation, the published JWKS with its overlap for retired keys, kids that are RFC 7638
// thumbprint prefixes, and private keys that stay sealed and out of every listing.
import { env } from 'cloudflare:workers'
import { base64url, calculateJwkThumbprint, createLocalJWKSet, jwtVerify, SignJWT } from 'jose'
import { beforeEach, describe, expect, it } from 'vitest'
import { ACTIVE_KEY_CACHE_MS, activeSigningKey, listJwtKeys, publishedKeys, RETIRED_KEY_OVERLAP_MS, rotateSigningKey } from '../../src/store/jwt-keys'
import { anotherIsolate } from '../helpers/storage'

const T0 = new Date('2026-11-26T12:00:00.000Z')
const later = (ms: number) => new Date(T0.getTime() + ms)
const SECRET = env.SSO_SECRET

interface Row {
  kid: string
  public_jwk: string
  private_key_sealed: string
  status: string
  created_at: number
  retired_at: number | null
}

async function rows(): Promise<Row[]> {
  return (await env.DB.prepare('SELECT * FROM jwt_keys ORDER BY created_at').all<Row>()).results
}

async function sign(key: { kid: string; privateKey: CryptoKey }, now: Date): Promise<string> {
  return new SignJWT({ email: 'jane@acme.example' })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .sign(key.privateKey)
}

/** Verifies a JWT against the JWKS as published at `now` (what a portal with a fresh JWKS does). */
async function verifiesAt(jwt: string, now: Date): Promise<boolean> {
  const jwks = createLocalJWKSet({ keys: await publishedKeys(env.DB, now) })
  return jwtVerify(jwt, jwks, { algorithms: ['ES256'] }).then(
    () => true,
    () => false,
  )
}

// Each test reads through its own binding object, so the per-isolate cache of an earlier test
// (keyed by the binding) cannot answer for it.
let db: D1Database
beforeEach(async () => {
  await env.DB.exec('DELETE FROM jwt_keys')
  db = anotherIsolate(env.DB)
})

describe('activeSigningKey', () => {
  it('creates one active P-256 signing key on first use, its private key sealed at rest', async () => {
    const key = await activeSigningKey(db, SECRET, T0)
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(key.privateKey.type).toBe('private')
    expect(key.privateKey.extractable).toBe(false)
    expect(key.privateKey.usages).toEqual(['sign'])
    expect(key.privateKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' })
    const [row, ...more] = await rows()
    expect(more).toEqual([])
    expect(row).toMatchObject({ kid: key.kid, status: 'active', created_at: T0.getTime(), retired_at: null })
    expect(row!.private_key_sealed).toMatch(/^v1\.[\w-]+\.[\w-]+$/)
    expect(Object.keys(JSON.parse(row!.public_jwk) as object).sort()).toEqual(['crv', 'kty', 'x', 'y'])
  })

  it('names the key by the first 16 characters of its RFC 7638 thumbprint', async () => {
    const key = await activeSigningKey(db, SECRET, T0)
    const [published] = await publishedKeys(env.DB, T0)
    expect(published!.kid).toBe(key.kid)
    expect((await calculateJwkThumbprint({ kty: published!.kty!, crv: published!.crv!, x: published!.x!, y: published!.y! }, 'sha256')).slice(0, 16)).toBe(
      key.kid,
    )
  })

  it('signs JWTs that verify against the published key set', async () => {
    const key = await activeSigningKey(db, SECRET, T0)
    const jwt = await sign(key, T0)
    expect(await verifiesAt(jwt, T0)).toBe(true)
    // Tampered payload: refused by the same key set.
    const [h, , s] = jwt.split('.')
    const forged = `${h}.${base64url.encode(JSON.stringify({ email: 'mallory@evil.example' }))}.${s}`
    expect(await verifiesAt(forged, T0)).toBe(false)
  })

  it('returns the same key on later calls and creates no other', async () => {
    const first = await activeSigningKey(db, SECRET, T0)
    expect((await activeSigningKey(db, SECRET, later(1000))).kid).toBe(first.kid)
    expect((await activeSigningKey(anotherIsolate(env.DB), SECRET, later(2 * ACTIVE_KEY_CACHE_MS))).kid).toBe(first.kid)
    expect(await rows()).toHaveLength(1)
  })

  it('serves the key from the isolate cache for a minute, then re-reads D1', async () => {
    const first = await activeSigningKey(db, SECRET, T0)
    // Another isolate retires it (as its rotation does): this isolate does not read D1 for a minute.
    await env.DB.prepare("UPDATE jwt_keys SET status = 'retired', retired_at = ?").bind(later(1000).getTime()).run()
    expect((await activeSigningKey(db, SECRET, later(ACTIVE_KEY_CACHE_MS - 1))).kid).toBe(first.kid)
    expect(await rows()).toHaveLength(1)
    // After the minute, it re-reads D1, finds no active key and creates one.
    const next = await activeSigningKey(db, SECRET, later(ACTIVE_KEY_CACHE_MS))
    expect(next.kid).not.toBe(first.kid)
    expect((await rows()).map((r) => [r.kid, r.status])).toEqual([
      [first.kid, 'retired'],
      [next.kid, 'active'],
    ])
  })

  it("does not answer another isolate (binding) from this one's cache", async () => {
    const first = await activeSigningKey(db, SECRET, T0)
    await env.DB.prepare("UPDATE jwt_keys SET status = 'retired', retired_at = ?").bind(later(1000).getTime()).run()
    const elsewhere = await activeSigningKey(anotherIsolate(env.DB), SECRET, later(2000))
    expect(elsewhere.kid).not.toBe(first.kid)
  })

  it('cannot open a key under another SSO_SECRET', async () => {
    const kid = await rotateSigningKey(db, SECRET, T0)
    await expect(activeSigningKey(anotherIsolate(env.DB), `${SECRET}-rotated`, T0)).rejects.toThrow()
    expect((await activeSigningKey(anotherIsolate(env.DB), SECRET, T0)).kid).toBe(kid)
    expect(await rows()).toHaveLength(1)
  })
})

describe('rotateSigningKey', () => {
  it('retires the active key and makes a new one active at once in this isolate', async () => {
    const old = await activeSigningKey(db, SECRET, T0)
    const t1 = later(3600_000)
    const kid = await rotateSigningKey(db, SECRET, t1)
    expect(kid).not.toBe(old.kid)
    expect((await activeSigningKey(db, SECRET, later(3600_000 + 1000))).kid).toBe(kid)
    expect(await listJwtKeys(env.DB)).toEqual([
      { kid, status: 'active', createdAt: t1, retiredAt: null },
      { kid: old.kid, status: 'retired', createdAt: T0, retiredAt: t1 },
    ])
  })

  it('creates the first key when there is none to retire', async () => {
    const kid = await rotateSigningKey(db, SECRET, T0)
    expect(await listJwtKeys(env.DB)).toEqual([{ kid, status: 'active', createdAt: T0, retiredAt: null }])
  })
})

describe('publishedKeys', () => {
  it('keeps a retired key published for the overlap window, then drops it', async () => {
    const old = await activeSigningKey(db, SECRET, T0)
    const jwt = await sign(old, T0)
    const t1 = later(3600_000)
    const kid = await rotateSigningKey(db, SECRET, t1)
    const kids = async (now: Date) => (await publishedKeys(env.DB, now)).map((k) => k.kid)

    expect(await kids(t1)).toEqual([kid, old.kid])
    expect(await kids(new Date(t1.getTime() + RETIRED_KEY_OVERLAP_MS - 1))).toEqual([kid, old.kid])
    // A JWT signed just before the rotation still verifies during the overlap...
    expect(await verifiesAt(jwt, new Date(t1.getTime() + RETIRED_KEY_OVERLAP_MS - 1))).toBe(true)
    // ...and not after it.
    expect(await kids(new Date(t1.getTime() + RETIRED_KEY_OVERLAP_MS))).toEqual([kid])
    expect(await verifiesAt(jwt, new Date(t1.getTime() + RETIRED_KEY_OVERLAP_MS))).toBe(false)
  })

  it('publishes public EC keys for ES256 signatures only, without any private part', async () => {
    await activeSigningKey(db, SECRET, T0)
    await rotateSigningKey(db, SECRET, later(1000))
    const sealed = (await rows()).map((r) => r.private_key_sealed)
    const keys = await publishedKeys(env.DB, later(2000))
    expect(keys).toHaveLength(2)
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'])
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
    }
    for (const s of sealed) expect(JSON.stringify(keys)).not.toContain(s)
  })

  it('publishes a staged next key beside the active one', async () => {
    const active = await activeSigningKey(db, SECRET, T0)
    const [published] = await publishedKeys(env.DB, T0)
    const { kid: _kid, alg: _alg, use: _use, ...jwk } = published!
    await env.DB.prepare("INSERT INTO jwt_keys (kid, public_jwk, private_key_sealed, status, created_at) VALUES ('staged-kid', ?, 'v1.x.y', 'next', ?)")
      .bind(JSON.stringify(jwk), later(1000).getTime())
      .run()
    expect((await publishedKeys(env.DB, later(2000))).map((k) => k.kid)).toEqual(['staged-kid', active.kid])
    // Staged is not active: signing still uses the active key.
    expect((await activeSigningKey(anotherIsolate(env.DB), SECRET, later(2000))).kid).toBe(active.kid)
  })

  it('publishes nothing before the first key exists', async () => {
    expect(await publishedKeys(env.DB, T0)).toEqual([])
  })
})

describe('listJwtKeys', () => {
  it('lists every key newest first, retired ones included, with no private material', async () => {
    const first = await rotateSigningKey(db, SECRET, T0)
    const second = await rotateSigningKey(db, SECRET, later(1000))
    const third = await rotateSigningKey(db, SECRET, later(RETIRED_KEY_OVERLAP_MS * 3))
    const listed = await listJwtKeys(env.DB)
    expect(listed.map((k) => [k.kid, k.status])).toEqual([
      [third, 'active'],
      [second, 'retired'],
      [first, 'retired'],
    ])
    for (const key of listed) expect(Object.keys(key).sort()).toEqual(['createdAt', 'kid', 'retiredAt', 'status'])
    const json = JSON.stringify(listed)
    for (const row of await rows()) expect(json).not.toContain(row.private_key_sealed)
  })
})
