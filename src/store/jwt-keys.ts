/**
 * ES256 keys that sign the identity JWT forwarded to the portal. Private keys are sealed with
 * SSO_SECRET; public JWKs are published at /sso/certs. Rotation keeps retired keys published for
 * an overlap window, so JWTs signed just before a rotation still verify.
 */
import { and, desc, eq, gt, inArray, or } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { calculateJwkThumbprint } from 'jose'
import { open, seal } from '../crypto/secret-box'
import { jwtKeys } from './schema'

const SEAL_PURPOSE = 'jwt-key'
/** Retired keys stay in the JWKS this long (far above the JWT lifetime and JWKS cache time). */
export const RETIRED_KEY_OVERLAP_MS = 24 * 3600_000

export interface SigningKey {
  kid: string
  privateKey: CryptoKey
}

const importedKeys = new Map<string, Promise<CryptoKey>>()

/** The active key is re-read from D1 at most this often per isolate (hot path: every portal request). */
export const ACTIVE_KEY_CACHE_MS = 60_000
let activeCache: { key: SigningKey; until: number; db: D1Database } | null = null

async function generateKey(d1: D1Database, secret: string, now: Date): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
  const publicJwk = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey
  const privateJwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey
  // kid = prefix of the RFC 7638 thumbprint (jose): stable, derived from the public key only.
  const kid = (await calculateJwkThumbprint({ kty: 'EC', crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y }, 'sha256')).slice(0, 16)
  await drizzle(d1)
    .insert(jwtKeys)
    .values({
      kid,
      publicJwk: { kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y },
      privateKeySealed: await seal(secret, SEAL_PURPOSE, JSON.stringify(privateJwk)),
      status: 'active',
      createdAt: now,
    })
  return kid
}

/**
 * The active signing key, created on first use. Cached per isolate for ACTIVE_KEY_CACHE_MS; a
 * rotation therefore takes effect within a minute, while the retired key stays in the JWKS.
 */
export async function activeSigningKey(d1: D1Database, secret: string, now: Date): Promise<SigningKey> {
  if (activeCache && activeCache.db === d1 && activeCache.until > now.getTime()) return activeCache.key
  const key = await loadActiveSigningKey(d1, secret, now)
  activeCache = { key, until: now.getTime() + ACTIVE_KEY_CACHE_MS, db: d1 }
  return key
}

async function loadActiveSigningKey(d1: D1Database, secret: string, now: Date): Promise<SigningKey> {
  const db = drizzle(d1)
  let row = (await db.select().from(jwtKeys).where(eq(jwtKeys.status, 'active')).orderBy(desc(jwtKeys.createdAt)).limit(1))[0]
  if (!row) {
    await generateKey(d1, secret, now)
    row = (await db.select().from(jwtKeys).where(eq(jwtKeys.status, 'active')).orderBy(desc(jwtKeys.createdAt)).limit(1))[0]
  }
  if (!row) throw new Error('no active JWT signing key after generation')
  const sealed = row.privateKeySealed
  let key = importedKeys.get(row.kid)
  if (!key) {
    key = open(secret, SEAL_PURPOSE, sealed).then((jwk) =>
      crypto.subtle.importKey('jwk', JSON.parse(jwk) as JsonWebKey, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']),
    )
    importedKeys.set(row.kid, key)
    key.catch(() => importedKeys.delete(row.kid))
  }
  return { kid: row.kid, privateKey: await key }
}

/** Makes a new active key; the previous ones are retired but stay published for the overlap. */
export async function rotateSigningKey(d1: D1Database, secret: string, now: Date): Promise<string> {
  activeCache = null
  await drizzle(d1).update(jwtKeys).set({ status: 'retired', retiredAt: now }).where(eq(jwtKeys.status, 'active'))
  return generateKey(d1, secret, now)
}

/** Public keys to publish: active and next keys, and keys retired within the overlap window. */
export async function publishedKeys(d1: D1Database, now: Date): Promise<(JsonWebKey & { kid: string })[]> {
  const rows = await drizzle(d1)
    .select()
    .from(jwtKeys)
    .where(
      or(
        inArray(jwtKeys.status, ['active', 'next']),
        and(eq(jwtKeys.status, 'retired'), gt(jwtKeys.retiredAt, new Date(now.getTime() - RETIRED_KEY_OVERLAP_MS))),
      ),
    )
    .orderBy(desc(jwtKeys.createdAt))
  return rows.map((r) => ({ ...r.publicJwk, kid: r.kid, alg: 'ES256', use: 'sig' }))
}

/** Every SSO-JWT key without private material, newest first (admin API). */
export async function listJwtKeys(d1: D1Database): Promise<{ kid: string; status: 'next' | 'active' | 'retired'; createdAt: Date; retiredAt: Date | null }[]> {
  return drizzle(d1)
    .select({ kid: jwtKeys.kid, status: jwtKeys.status, createdAt: jwtKeys.createdAt, retiredAt: jwtKeys.retiredAt })
    .from(jwtKeys)
    .orderBy(desc(jwtKeys.createdAt))
}
