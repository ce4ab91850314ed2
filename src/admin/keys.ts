/**
 * The gateway's own keys, as admins manage them: RSA key pairs, one per role (SP signing,
 * encryption, broker, metadata, Freshworks), each with its own staged
 * rollover (stage a `next` key, published in metadata, then activate it), and the ES256 keys of
 * the SSO-JWT (rotate: a new key signs at once, the old one stays in the JWKS for a day).
 * Retired SP keys are deleted after their overlap by the daily cron. Private keys never leave
 * the store through here.
 */
import { recordAudit } from '../audit/record'
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { listApps } from '../store/apps'
import { listIdps } from '../store/idps'
import { listJwtKeys, rotateSigningKey } from '../store/jwt-keys'
import { activateNextSpKey, activeSpKey, listSpKeys, pruneRetiredSpKeys, SP_KEY_USES, stageNextSpKey, type SpKeyUse } from '../store/sp-keys'
import { describeCertificate, type CertificateInfo } from './certificates'

export interface SpKeyView {
  id: string
  use: SpKeyUse
  status: 'next' | 'active' | 'retired'
  certificatePem: string
  certificate: CertificateInfo
  createdAt: string
}

export function parseKeyUse(value: string): SpKeyUse {
  if (!(SP_KEY_USES as readonly string[]).includes(value))
    throw new AppError('ADMIN_INVALID_FIELD', `use: must be one of ${SP_KEY_USES.map((u) => `'${u}'`).join(', ')}`, { field: 'use' })
  return value as SpKeyUse
}

/** Every SP key, newest first; the active ones are created first if none exists yet. */
export async function listSpKeyViews(ctx: RequestContext): Promise<SpKeyView[]> {
  const now = ctx.clock()
  const host = new URL(ctx.origin).host
  for (const use of SP_KEY_USES) await activeSpKey(ctx.db, ctx.secret, use, now, host)
  return Promise.all(
    (await listSpKeys(ctx.db)).map(async (k) => ({
      id: k.id,
      use: k.use,
      status: k.status,
      certificatePem: k.certificatePem,
      certificate: await describeCertificate(k.certificatePem, now),
      createdAt: k.createdAt.toISOString(),
    })),
  )
}

export async function stageSpKey(ctx: RequestContext, use: SpKeyUse): Promise<{ id: string; certificatePem: string }> {
  const key = await stageNextSpKey(ctx.db, ctx.secret, use, ctx.clock(), new URL(ctx.origin).host)
  await recordAudit(ctx, { action: 'sp-key.stage', outcome: 'success', detail: { use, id: key.id } })
  return key
}

export async function activateSpKey(ctx: RequestContext, use: SpKeyUse): Promise<string> {
  const id = await activateNextSpKey(ctx.db, use, ctx.clock())
  if (!id) throw new AppError('ADMIN_INVALID_FIELD', `use: no staged ${use} key to activate`, { field: 'use' })
  await recordAudit(ctx, { action: 'sp-key.activate', outcome: 'success', detail: { use, id } })
  return id
}

/**
 * The daily cron's clean-up: deletes retired SP keys past their overlap (store/sp-keys.ts
 * pruneRetiredSpKeys) and audits which, as `sp-key.prune`. Returns how many were deleted.
 */
export async function pruneRetiredKeys(ctx: RequestContext): Promise<number> {
  const pruned = await pruneRetiredSpKeys(ctx.db, ctx.clock())
  if (pruned.length === 0) return 0
  await recordAudit(ctx, {
    action: 'sp-key.prune',
    outcome: 'success',
    detail: { keys: pruned.map((k) => ({ id: k.id, use: k.use, retiredAt: k.retiredAt?.toISOString() ?? null })) },
  })
  return pruned.length
}

export interface JwtKeyView {
  kid: string
  status: 'next' | 'active' | 'retired'
  createdAt: string
  retiredAt: string | null
}

export async function listJwtKeyViews(ctx: RequestContext): Promise<JwtKeyView[]> {
  return (await listJwtKeys(ctx.db)).map((k) => ({
    kid: k.kid,
    status: k.status,
    createdAt: k.createdAt.toISOString(),
    retiredAt: k.retiredAt?.toISOString() ?? null,
  }))
}

/** A new active SSO-JWT key; the previous one is retired but stays published for RETIRED_KEY_OVERLAP_MS. */
export async function rotateJwtKey(ctx: RequestContext): Promise<string> {
  const kid = await rotateSigningKey(ctx.db, ctx.secret, ctx.clock())
  await recordAudit(ctx, { action: 'jwt-key.rotate', outcome: 'success', detail: { kid } })
  return kid
}

/**
 * Who must learn a role's new certificate before its rollover is activated, by name: the IdPs
 * that check our signed requests (signing) or could encrypt to us (encryption, every SAML IdP),
 * the helpdesk apps of the broker and of Freshworks, and the OIDC IdPs using private_key_jwt.
 * The metadata role's readers are whoever fetches /sso/idp/metadata?signed: not known here.
 */
export async function keyDependents(ctx: RequestContext): Promise<Record<SpKeyUse, string[]>> {
  const [idps, apps] = await Promise.all([listIdps(ctx.db), listApps(ctx.db)])
  const saml = idps.filter((i) => i.protocol === 'saml')
  return {
    signing: saml.filter((i) => i.signAuthnRequests || i.sloUrl).map((i) => i.name),
    encryption: saml.map((i) => i.name),
    broker: apps.filter((a) => a.kind === 'saml').map((a) => a.name),
    metadata: [],
    freshworks: apps.filter((a) => a.kind === 'freshworks').map((a) => a.name),
    'oidc-client': idps.filter((i) => i.protocol === 'oidc' && i.tokenEndpointAuth === 'private_key_jwt').map((i) => i.name),
  }
}
