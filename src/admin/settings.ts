/**
 * Gateway settings: read, and change (validate → store in one batch → audit the changed keys).
 * The webhook signing secret is write-only: stored sealed, answered only as `hasWebhookSecret`.
 */
import { base64url } from 'jose'
import { recordAudit } from '../audit/record'
import type { RequestContext } from '../context'
import { getSettings, hasWebhookSecret, putSettings, sealWebhookSecret, type Settings } from '../store/settings'
import type { AdminChannel } from './idps'
import { findIdp, listIdps } from '../store/idps'
import type { AdminAccessPair } from '../store/settings'
import { parseSettingsInput, type AdminAccessInput } from './settings-fields'
import { invalid, requireObject } from './validate'

export type { Settings } from '../store/settings'

/** Settings as the API and the console show them: the webhook secret only as whether there is one. */
export type SettingsView = Settings & { hasWebhookSecret: boolean }

export async function readSettings(ctx: RequestContext): Promise<SettingsView> {
  const [settings, hasSecret] = await Promise.all([getSettings(ctx.db), hasWebhookSecret(ctx.db)])
  return { ...settings, hasWebhookSecret: hasSecret }
}

/** settings.adminAccess as `idp-slug: group` lines, for the console's form. */
export async function adminAccessLines(ctx: RequestContext, pairs: AdminAccessPair[]): Promise<string> {
  const slugs = new Map((await listIdps(ctx.db)).map((i) => [i.id, i.slug]))
  return pairs.map((p) => `${slugs.get(p.idpId) ?? p.idpId}: ${p.group}`).join('\n')
}

/** Each pair's IdP (by id or slug) as its id; an unknown IdP is ADMIN_INVALID_FIELD naming the pair. */
async function resolveAdminAccess(ctx: RequestContext, pairs: AdminAccessInput[]): Promise<AdminAccessPair[]> {
  const out: AdminAccessPair[] = []
  for (const [i, pair] of pairs.entries()) {
    const idp = pair.idp ? await findIdp(ctx.db, pair.idp) : null
    if (!idp) invalid(`adminAccess[${i}].idp`, pair.idp ? `no IdP with the id or slug ${pair.idp}` : 'name the IdP: "<idp slug>: <group>"')
    out.push({ idpId: idp.id, group: pair.group })
  }
  return out
}

/**
 * Validates, saves in one batch, and audits the settings whose value really changed (the console
 * sends them all). A webhook URL needs a signing secret: events are never sent unsigned.
 */
export async function updateSettings(ctx: RequestContext, input: unknown, via: AdminChannel): Promise<SettingsView> {
  const { adminAccess, webhookSecret, ...parsed } = parseSettingsInput(requireObject(input))
  const changes: Partial<Settings> = { ...parsed, ...(adminAccess ? { adminAccess: await resolveAdminAccess(ctx, adminAccess) } : {}) }
  const before = await getSettings(ctx.db)
  const hasSecret = webhookSecret === undefined ? await hasWebhookSecret(ctx.db) : webhookSecret !== null
  const webhookUrl = changes.webhookUrl !== undefined ? changes.webhookUrl : before.webhookUrl
  if (webhookUrl && !hasSecret) invalid('webhookSecret', 'a webhook URL needs a signing secret: type one, or generate one')
  const sealed = typeof webhookSecret === 'string' ? await sealWebhookSecret(ctx.secret, webhookSecret) : webhookSecret
  const saved = await putSettings(ctx.db, changes, ctx.clock(), sealed)
  const changed: string[] = (Object.keys(changes) as (keyof Settings)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(saved[k]))
  // Named, never compared or shown: a secret typed in counts as a change.
  if (webhookSecret !== undefined) changed.push('webhookSecret')
  await recordAudit(ctx, { action: 'settings.update', outcome: 'success', detail: { changed, via } })
  return { ...saved, hasWebhookSecret: hasSecret }
}

/** Bytes of randomness in a generated webhook secret (256 bits). */
const WEBHOOK_SECRET_BYTES = 32

/** A new webhook signing secret (`whsec_` + 43 base64url characters), stored sealed and returned to be shown once. */
export async function generateWebhookSecret(ctx: RequestContext, via: AdminChannel): Promise<string> {
  const secret = `whsec_${base64url.encode(ctx.random(WEBHOOK_SECRET_BYTES))}`
  await putSettings(ctx.db, {}, ctx.clock(), await sealWebhookSecret(ctx.secret, secret))
  await recordAudit(ctx, { action: 'settings.update', outcome: 'success', detail: { changed: ['webhookSecret'], generated: true, via } })
  return secret
}
