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

export async function updateSettings(ctx: RequestContext, input: unknown, via: AdminChannel): Promise<Settings> {
  const changes = parseSettingsInput(requireObject(input))
  const saved = await putSettings(ctx.db, changes, ctx.clock())
  await recordAudit(ctx, { action: 'settings.update', outcome: 'success', detail: { changed: Object.keys(changes), via } })
  return saved
}
