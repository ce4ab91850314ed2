/** Gateway settings: read, and change (validate → store in one batch → audit the changed keys). */
import { recordAudit } from '../audit/record'
import type { RequestContext } from '../context'
import { getSettings, putSettings, type Settings } from '../store/settings'
import type { AdminChannel } from './idps'
import { parseSettingsInput } from './settings-fields'
import { requireObject } from './validate'

export type { Settings } from '../store/settings'

export function readSettings(ctx: RequestContext): Promise<Settings> {
  return getSettings(ctx.db)
}

/** Validates, saves in one batch, and audits the settings whose value really changed (the console sends them all). */
export async function updateSettings(ctx: RequestContext, input: unknown, via: AdminChannel): Promise<Settings> {
  const changes = parseSettingsInput(requireObject(input))
  const before = await getSettings(ctx.db)
  const saved = await putSettings(ctx.db, changes, ctx.clock())
  const changed = (Object.keys(changes) as (keyof Settings)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(saved[k]))
  await recordAudit(ctx, { action: 'settings.update', outcome: 'success', detail: { changed, via } })
  return saved
}
