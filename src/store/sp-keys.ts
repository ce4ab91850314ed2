/**
 * The gateway's own key pairs, one per role so each can roll over (and be compromised) alone:
 * `signing` (the SP's AuthnRequests and logout messages), `encryption` (assertions IdPs encrypt
 * to us), `broker` (the broker IdP's assertions, Responses and logout answers), `metadata` (the
 * enveloped signature on our signed metadata) `freshworks` (Freshworks id_tokens) and `oidc-client` (private_key_jwt client assertions to OIDC providers). RSA-2048 generated in the worker with a self-signed certificate, private key
 * PEM sealed with SSO_SECRET (purpose 'sp-key'). Rollover: a `next` key is published in metadata
 * beside the `active` one, then activated; retired encryption keys still decrypt for 30 days.
 * Retired keys are deleted once nothing can need them (pruneRetiredSpKeys, from the daily cron).
 * Private material leaves this module only through activeSpKey and decryptionKeys.
 */
import { and, desc, eq, gt, inArray, lte, ne, or, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { open, seal } from '../crypto/secret-box'
import { exportPKCS8 } from 'jose'
import { createSelfSignedCertificate, MAX_COMMON_NAME_LENGTH } from '../saml/x509-build'
import { spKeys } from './schema'

const SEAL_PURPOSE = 'sp-key'
/** Stored in `sp_keys.algorithm`; the only kind this module generates. */
export const SP_KEY_ALGORITHM = 'RSA-2048'
export const SP_CERT_VALIDITY_YEARS = 10
/** notBefore is backdated so an IdP whose clock runs behind ours accepts a fresh certificate. */
export const SP_CERT_BACKDATE_MS = 3600_000
/** Retired encryption keys still decrypt this long: IdPs pick up new SP metadata late. */
export const RETIRED_DECRYPTION_WINDOW_MS = 30 * 86_400_000
/**
 * Retired keys of the signing roles are kept this long, then deleted: nothing signs with them or
 * publishes them once retired, so the day only keeps a rollover just done visible in the console
 * (as long as a retired SSO-JWT key stays in /sso/certs).
 */
export const RETIRED_SIGNING_KEY_OVERLAP_MS = 86_400_000
/** Most retired keys one prune deletes (a bounded write; the next run takes the rest). */
export const MAX_PRUNED_SP_KEYS = 100
/** The certificate CN when the SP entity ID has no host (e.g. a `urn:` entity ID). */
export const DEFAULT_SP_COMMON_NAME = 'edge-sso-gateway'

/** Every role, in the order the console lists them. */
export const SP_KEY_USES = ['signing', 'encryption', 'broker', 'metadata', 'freshworks', 'oidc-client'] as const
export type SpKeyUse = (typeof SP_KEY_USES)[number]
/** The roles whose key signs (all but encryption). */
export type SigningRole = Exclude<SpKeyUse, 'encryption'>

const ID_PREFIX: Record<SpKeyUse, string> = { signing: 's', encryption: 'e', broker: 'b', metadata: 'm', freshworks: 'f', 'oidc-client': 'o' }

export interface SpKeyMaterial {
  id: string
  certificatePem: string
  privateKeyPem: string
}

/** A key as the admin console and API see it: never the private key, not even sealed. */
export interface SpKeyInfo {
  id: string
  use: SpKeyUse
  algorithm: string
  status: 'next' | 'active' | 'retired'
  certificatePem: string
  notAfter: Date
  activatedAt: Date | null
  retiredAt: Date | null
  createdAt: Date
}

/** A sealed SP key that does not open: SSO_SECRET is not the one that sealed it, or the row was altered. */
export class SpKeySealError extends Error {
  override readonly name = 'SpKeySealError'
  constructor(readonly keyId: string) {
    super(`SP key ${keyId} cannot be opened: SSO_SECRET differs from the one that sealed it, or the row was altered`)
  }
}

/**
 * The certificate CN for an SP entity ID or host: its host name (port dropped, lowercased), or
 * DEFAULT_SP_COMMON_NAME when there is none or it would not fit ub-common-name (64).
 */
export function spKeyCommonName(entityIdOrHost: string | null | undefined): string {
  const text = (entityIdOrHost ?? '').trim()
  let host = ''
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) host = URL.canParse(text) ? new URL(text).hostname : ''
  else if (/^[a-z0-9.-]+(:\d{1,5})?$/i.test(text)) host = text.replace(/:\d+$/, '')
  host = host.toLowerCase()
  return /^[a-z0-9.-]+$/.test(host) && host.length <= MAX_COMMON_NAME_LENGTH ? host : DEFAULT_SP_COMMON_NAME
}

type NewSpKey = typeof spKeys.$inferInsert & { privateKeyPem: string }

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** A fresh key pair, certificate and sealed private key, not yet stored. */
async function buildKey(secret: string, use: SpKeyUse, status: 'active' | 'next', now: Date, commonName: string): Promise<NewSpKey> {
  // Generated as RSASSA-PKCS1-v1_5 to self-sign; the PKCS#8 export carries plain rsaEncryption,
  // so encryption keys import for RSA-OAEP decryption just the same.
  const keyPair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair
  // Whole seconds: the stored notAfter is exactly what the certificate says.
  const notAfter = new Date(Math.floor(now.getTime() / 1000) * 1000)
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + SP_CERT_VALIDITY_YEARS)
  const certificatePem = await createSelfSignedCertificate({
    keyPair,
    subjectCommonName: spKeyCommonName(commonName),
    notBefore: new Date(now.getTime() - SP_CERT_BACKDATE_MS),
    notAfter,
    serialNumber: crypto.getRandomValues(new Uint8Array(16)),
  })
  // PKCS#8 PEM (RFC 7468 §10) through jose.
  const privateKeyPem = await exportPKCS8(keyPair.privateKey)
  return {
    id: `spk_${ID_PREFIX[use]}_${randomHex(8)}`,
    use,
    algorithm: SP_KEY_ALGORITHM,
    certificatePem,
    privateKeySealed: await seal(secret, SEAL_PURPOSE, privateKeyPem),
    status,
    notAfter,
    activatedAt: status === 'active' ? now : null,
    createdAt: now,
    privateKeyPem,
  }
}

async function openKey(secret: string, row: { id: string; privateKeySealed: string }): Promise<string> {
  try {
    return await open(secret, SEAL_PURPOSE, row.privateKeySealed)
  } catch {
    // AES-GCM says only "OperationError"; name the key and the likely cause for the log.
    throw new SpKeySealError(row.id)
  }
}

// First-use creation in flight, per database binding and use, so concurrent requests in one
// isolate generate one key rather than one each (RSA-2048 generation is the slow part).
const creating = new WeakMap<D1Database, Map<SpKeyUse, Promise<void>>>()

/**
 * Stores a new active key unless one exists. A single INSERT ... SELECT ... WHERE NOT EXISTS is
 * atomic in D1 (one SQLite writer), so an isolate that loses the race stores nothing and uses
 * the winner's key; nothing was signed with or published for the discarded one.
 */
async function createActiveKey(d1: D1Database, secret: string, use: SpKeyUse, now: Date, commonName: string): Promise<void> {
  const key = await buildKey(secret, use, 'active', now, commonName)
  await drizzle(d1).run(sql`
    INSERT INTO ${spKeys} (id, use, algorithm, certificate_pem, private_key_sealed, status, not_after, activated_at, created_at)
    SELECT ${key.id}, ${use}, ${key.algorithm}, ${key.certificatePem}, ${key.privateKeySealed}, 'active', ${key.notAfter.getTime()}, ${now.getTime()}, ${now.getTime()}
    WHERE NOT EXISTS (SELECT 1 FROM ${spKeys} WHERE use = ${use} AND status = 'active')`)
}

async function newestActiveRow(d1: D1Database, use: SpKeyUse) {
  const rows = await drizzle(d1)
    .select({ id: spKeys.id, certificatePem: spKeys.certificatePem, privateKeySealed: spKeys.privateKeySealed })
    .from(spKeys)
    .where(and(eq(spKeys.use, use), eq(spKeys.status, 'active')))
    // Several active keys only come from an older race or a manual edit: the newest wins, and
    // all of them stay in metadata and decryption until the next activation retires them.
    .orderBy(desc(spKeys.createdAt), desc(spKeys.id))
    .limit(1)
  return rows[0]
}

/**
 * The active key for `use` with its private key PEM, generated on first use with a certificate
 * for CN = spKeyCommonName(commonName). Throws SpKeySealError when SSO_SECRET cannot open it
 * (never generates a replacement: that would silently change the SP's published keys).
 */
export async function activeSpKey(d1: D1Database, secret: string, use: SpKeyUse, now: Date, commonName: string): Promise<SpKeyMaterial> {
  let row = await newestActiveRow(d1, use)
  if (!row) {
    let inFlight = creating.get(d1)
    if (!inFlight) creating.set(d1, (inFlight = new Map()))
    let pending = inFlight.get(use)
    if (!pending) {
      const created = createActiveKey(d1, secret, use, now, commonName)
      pending = created.finally(() => inFlight.delete(use))
      inFlight.set(use, pending)
    }
    await pending
    row = await newestActiveRow(d1, use)
    if (!row) throw new Error(`no active SP ${use} key after creating one`)
  }
  return { id: row.id, certificatePem: row.certificatePem, privateKeyPem: await openKey(secret, row) }
}

/** Every SP key without private material, newest first (admin console and API). */
export async function listSpKeys(d1: D1Database): Promise<SpKeyInfo[]> {
  return drizzle(d1)
    .select({
      id: spKeys.id,
      use: spKeys.use,
      algorithm: spKeys.algorithm,
      status: spKeys.status,
      certificatePem: spKeys.certificatePem,
      notAfter: spKeys.notAfter,
      activatedAt: spKeys.activatedAt,
      retiredAt: spKeys.retiredAt,
      createdAt: spKeys.createdAt,
    })
    .from(spKeys)
    .orderBy(desc(spKeys.createdAt), desc(spKeys.id))
}

/**
 * Creates the `next` key for `use`: published in SP metadata beside the active one so IdPs can
 * pick it up, used for nothing until activateNextSpKey. A previously staged next key is retired
 * (it was published, so it still decrypts for the window).
 */
export async function stageNextSpKey(
  d1: D1Database,
  secret: string,
  use: SpKeyUse,
  now: Date,
  commonName: string,
): Promise<{ id: string; certificatePem: string }> {
  const { privateKeyPem: _discarded, ...key } = await buildKey(secret, use, 'next', now, commonName)
  const db = drizzle(d1)
  // One batch = one transaction: there is never a moment with two next keys or none.
  await db.batch([
    db
      .update(spKeys)
      .set({ status: 'retired', retiredAt: now })
      .where(and(eq(spKeys.use, use), eq(spKeys.status, 'next'))),
    db.insert(spKeys).values(key),
  ])
  return { id: key.id, certificatePem: key.certificatePem }
}

/**
 * next → active, and every other active (or stray next) key of `use` → retired. Returns the
 * activated key's ID, or null when no key is staged (or a concurrent activation took it first).
 */
export async function activateNextSpKey(d1: D1Database, use: SpKeyUse, now: Date): Promise<string | null> {
  const db = drizzle(d1)
  const next = (
    await db
      .select({ id: spKeys.id })
      .from(spKeys)
      .where(and(eq(spKeys.use, use), eq(spKeys.status, 'next')))
      .orderBy(desc(spKeys.createdAt), desc(spKeys.id))
      .limit(1)
  )[0]
  if (!next) return null
  // Both statements are guarded on the key still being `next`, so a second, racing activation
  // changes nothing instead of retiring the key the first one just activated.
  const stillNext = sql`EXISTS (SELECT 1 FROM ${spKeys} WHERE id = ${next.id} AND status = 'next')`
  const [, activated] = await db.batch([
    db
      .update(spKeys)
      .set({ status: 'retired', retiredAt: now })
      .where(and(eq(spKeys.use, use), inArray(spKeys.status, ['active', 'next']), ne(spKeys.id, next.id), stillNext)),
    db
      .update(spKeys)
      .set({ status: 'active', activatedAt: now })
      .where(and(eq(spKeys.id, next.id), eq(spKeys.status, 'next'))),
  ])
  return activated.meta.changes > 0 ? next.id : null
}

// Active keys first: an IdP that reads only the first KeyDescriptor gets the one in use.
const ACTIVE_FIRST = sql`CASE ${spKeys.status} WHEN 'active' THEN 0 WHEN 'next' THEN 1 ELSE 2 END`

/** Certificate PEMs to publish in SP metadata for `use`: active keys, then the next key. */
export async function metadataCertificates(d1: D1Database, use: SpKeyUse): Promise<string[]> {
  const rows = await drizzle(d1)
    .select({ pem: spKeys.certificatePem })
    .from(spKeys)
    .where(and(eq(spKeys.use, use), inArray(spKeys.status, ['active', 'next'])))
    .orderBy(ACTIVE_FIRST, desc(spKeys.createdAt), desc(spKeys.id))
  return rows.map((r) => r.pem)
}

/**
 * Private key PEMs that may decrypt an EncryptedAssertion, most likely first: active and next
 * encryption keys, then keys retired within RETIRED_DECRYPTION_WINDOW_MS of `now` (IdPs may
 * still encrypt to a certificate from metadata they fetched before the rollover).
 * Throws SpKeySealError when SSO_SECRET cannot open one.
 */
export async function decryptionKeys(d1: D1Database, secret: string, now: Date): Promise<string[]> {
  const rows = await drizzle(d1)
    .select({ id: spKeys.id, privateKeySealed: spKeys.privateKeySealed })
    .from(spKeys)
    .where(
      and(
        eq(spKeys.use, 'encryption'),
        or(
          inArray(spKeys.status, ['active', 'next']),
          and(eq(spKeys.status, 'retired'), gt(spKeys.retiredAt, new Date(now.getTime() - RETIRED_DECRYPTION_WINDOW_MS))),
        ),
      ),
    )
    .orderBy(ACTIVE_FIRST, desc(spKeys.createdAt), desc(spKeys.id))
  return Promise.all(rows.map((row) => openKey(secret, row)))
}

/**
 * Deletes retired keys past their overlap: encryption keys once RETIRED_DECRYPTION_WINDOW_MS has
 * passed (decryptionKeys no longer returns them), the signing roles' after
 * RETIRED_SIGNING_KEY_OVERLAP_MS. Active and next keys are never touched. At most
 * MAX_PRUNED_SP_KEYS per call; returns what it deleted.
 */
export async function pruneRetiredSpKeys(d1: D1Database, now: Date): Promise<{ id: string; use: SpKeyUse; retiredAt: Date | null }[]> {
  const db = drizzle(d1)
  const before = (ms: number) => lte(spKeys.retiredAt, new Date(now.getTime() - ms))
  const due = db
    .select({ id: spKeys.id })
    .from(spKeys)
    .where(
      and(
        eq(spKeys.status, 'retired'),
        or(and(eq(spKeys.use, 'encryption'), before(RETIRED_DECRYPTION_WINDOW_MS)), and(ne(spKeys.use, 'encryption'), before(RETIRED_SIGNING_KEY_OVERLAP_MS))),
      ),
    )
    .orderBy(spKeys.retiredAt, spKeys.id)
    .limit(MAX_PRUNED_SP_KEYS)
  // One statement (the candidates as a subquery, not bound IDs): atomic, and within D1's 100 bound parameters.
  const pruned = await db
    .delete(spKeys)
    .where(and(inArray(spKeys.id, due), eq(spKeys.status, 'retired')))
    .returning({ id: spKeys.id, use: spKeys.use, retiredAt: spKeys.retiredAt })
  return pruned.sort((a, b) => (a.retiredAt?.getTime() ?? 0) - (b.retiredAt?.getTime() ?? 0) || a.id.localeCompare(b.id))
}
