/** Gateway settings: read, and change (validate → store in one batch → audit the changed keys). */
import { recordAudit } from '../audit/record'
import type { RequestContext } from '../context'
import { getSettings, putSettings, type Settings } from '../store/settings'
import type { AdminChannel } from './idps'
import { findIdp, listIdps } from '../store/idps'
import type { AdminAccessPair } from '../store/settings'
import { parseSettingsInput, type AdminAccessInput } from './settings-fields'
import { invalid, requireObject } from './validate'

export type { Settings } from '../store/settings'

export function readSettings(ctx: RequestContext): Promise<Settings> {
  return getSettings(ctx.db)
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

/** Validates, saves in one batch, and audits the settings whose value really changed (the console sends them all). */
export async function updateSettings(ctx: RequestContext, input: unknown, via: AdminChannel): Promise<Settings> {
  const { adminAccess, ...parsed } = parseSettingsInput(requireObject(input))
  const changes: Partial<Settings> = { ...parsed, ...(adminAccess ? { adminAccess: await resolveAdminAccess(ctx, adminAccess) } : {}) }
  const before = await getSettings(ctx.db)
  const saved = await putSettings(ctx.db, changes, ctx.clock())
  const changed = (Object.keys(changes) as (keyof Settings)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(saved[k]))
  await recordAudit(ctx, { action: 'settings.update', outcome: 'success', detail: { changed, via } })
  return saved
}
