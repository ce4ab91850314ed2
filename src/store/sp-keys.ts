/**
 * The SP's own key pairs (signing: AuthnRequests, SP metadata; encryption: assertions IdPs
 * encrypt to us), RSA-2048 generated in the worker with a self-signed certificate, private key
 * sealed with SSO_SECRET. Rollover: a `next` key is published in metadata beside the `active`
 * one, then activated; retired encryption keys still decrypt for 30 days.
 */
import { and, desc, eq, gt, inArray, or } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { open, seal } from '../crypto/secret-box'
import { createSelfSignedCertificate, exportPrivateKeyPem } from '../saml/x509-build'
import { spKeys } from './schema'

const SEAL_PURPOSE = 'sp-key'
export const SP_CERT_VALIDITY_YEARS = 10
export const RETIRED_DECRYPTION_WINDOW_MS = 30 * 86_400_000

export type SpKeyUse = 'signing' | 'encryption'

export interface SpKeyMaterial {
  id: string
  certificatePem: string
  privateKeyPem: string
}

export type SpKeyInfo = Omit<typeof spKeys.$inferSelect, 'privateKeySealed'>

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
}

async function generate(d1: D1Database, secret: string, use: SpKeyUse, status: 'active' | 'next', now: Date, commonName: string): Promise<SpKeyMaterial> {
  const keyPair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair
  const notAfter = new Date(now)
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + SP_CERT_VALIDITY_YEARS)
  const certificatePem = await createSelfSignedCertificate({
    keyPair,
    subjectCommonName: commonName,
    notBefore: new Date(now.getTime() - 5 * 60_000),
    notAfter,
    serialNumber: crypto.getRandomValues(new Uint8Array(16)),
  })
  const privateKeyPem = await exportPrivateKeyPem(keyPair.privateKey)
  const id = `spk_${use[0]}_${hex(crypto.getRandomValues(new Uint8Array(8)))}`
  await drizzle(d1)
    .insert(spKeys)
    .values({ id, use, algorithm: 'RSA-2048', certificatePem, privateKeySealed: await seal(secret, SEAL_PURPOSE, privateKeyPem), status, notAfter, activatedAt: status === 'active' ? now : null, createdAt: now })
  return { id, certificatePem, privateKeyPem }
}

/** The active key for `use`, generated on first use (two racing isolates: the newest wins, both stay valid). */
export async function activeSpKey(d1: D1Database, secret: string, use: SpKeyUse, now: Date, commonName: string): Promise<SpKeyMaterial> {
  const row = (
    await drizzle(d1)
      .select()
      .from(spKeys)
      .where(and(eq(spKeys.use, use), eq(spKeys.status, 'active')))
      .orderBy(desc(spKeys.createdAt))
      .limit(1)
  )[0]
  if (!row) return generate(d1, secret, use, 'active', now, commonName)
  return { id: row.id, certificatePem: row.certificatePem, privateKeyPem: await open(secret, SEAL_PURPOSE, row.privateKeySealed) }
}

/** Every SP key without private material, newest first (admin console). */
export async function listSpKeys(d1: D1Database): Promise<SpKeyInfo[]> {
  const rows = await drizzle(d1).select().from(spKeys).orderBy(desc(spKeys.createdAt))
  return rows.map(({ privateKeySealed: _sealed, ...info }) => info)
}

/** Creates the `next` key for `use` (published in metadata before it signs or decrypts anything). */
export async function stageNextSpKey(d1: D1Database, secret: string, use: SpKeyUse, now: Date, commonName: string): Promise<SpKeyMaterial> {
  await drizzle(d1)
    .update(spKeys)
    .set({ status: 'retired', retiredAt: now })
    .where(and(eq(spKeys.use, use), eq(spKeys.status, 'next')))
  return generate(d1, secret, use, 'next', now, commonName)
}

/** next → active, active → retired. False when no key is staged. */
export async function activateNextSpKey(d1: D1Database, use: SpKeyUse, now: Date): Promise<boolean> {
  const db = drizzle(d1)
  const next = (await db.select().from(spKeys).where(and(eq(spKeys.use, use), eq(spKeys.status, 'next'))).limit(1))[0]
  if (!next) return false
  await db.batch([
    db.update(spKeys).set({ status: 'retired', retiredAt: now }).where(and(eq(spKeys.use, use), eq(spKeys.status, 'active'))),
    db.update(spKeys).set({ status: 'active', activatedAt: now }).where(eq(spKeys.id, next.id)),
  ])
  return true
}

/** Certificates to publish in SP metadata: active and next. */
export async function metadataCertificates(d1: D1Database, use: SpKeyUse): Promise<string[]> {
  const rows = await drizzle(d1)
    .select({ pem: spKeys.certificatePem })
    .from(spKeys)
    .where(and(eq(spKeys.use, use), inArray(spKeys.status, ['active', 'next'])))
    .orderBy(desc(spKeys.createdAt))
  return rows.map((r) => r.pem)
}

/**
 * Private keys that may decrypt an EncryptedAssertion: active and next encryption keys, and keys
 * retired in the last 30 days (IdPs pick up our new metadata late).
 */
export async function decryptionKeys(d1: D1Database, secret: string, now: Date): Promise<string[]> {
  const rows = await drizzle(d1)
    .select()
    .from(spKeys)
    .where(
      and(
        eq(spKeys.use, 'encryption'),
        or(inArray(spKeys.status, ['active', 'next']), and(eq(spKeys.status, 'retired'), gt(spKeys.retiredAt, new Date(now.getTime() - RETIRED_DECRYPTION_WINDOW_MS)))),
      ),
    )
    .orderBy(desc(spKeys.createdAt))
  return Promise.all(rows.map((r) => open(secret, SEAL_PURPOSE, r.privateKeySealed)))
}
