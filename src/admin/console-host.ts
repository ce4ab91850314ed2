/**
 * The deploy trap (issue 14): an admin who configures IdPs on `*.workers.dev` (or any host other
 * than the portal's) hands out an entity ID and ACS URL on that host, which stop working once the
 * portal's route is in place. The SP entity ID is pinned when the first IdP is added, and the
 * console warns when it is opened on another host than the pinned one, or on workers.dev.
 */
import { recordAudit } from '../audit/record'
import type { RequestContext } from '../context'
import { spEndpoints } from '../sso/sp-endpoints'
import { putSettings } from '../store/settings'

/** The warning the console shows on this host, or null. */
export async function consoleHostNotice(ctx: RequestContext): Promise<string | null> {
  const host = new URL(ctx.origin).host
  const pinned = (await spEndpoints(ctx)).settings.spEntityId
  const pinnedHost = URL.canParse(pinned) ? new URL(pinned).host : null
  if (pinnedHost && pinnedHost !== host)
    return `IdPs know this gateway as ${pinnedHost}, and you are on ${host}: the ACS URL and other values shown here name ${host}. Configure IdPs from https://${pinnedHost}/sso/admin.`
  if (host.endsWith('.workers.dev'))
    return `This is the workers.dev address. IdPs configured from here are handed URLs on ${host}, which stop working once the portal's route is in place: configure IdPs from the portal's hostname.`
  return null
}

/** Pins the SP entity ID (the default, on this origin) when it is still unset: done once, as the first IdP is added. */
export async function pinSpEntityId(ctx: RequestContext): Promise<void> {
  const sp = await spEndpoints(ctx)
  if (sp.settings.spEntityId || !ctx.origin) return
  await putSettings(ctx.db, { spEntityId: sp.entityId }, ctx.clock())
  await recordAudit(ctx, {
    action: 'settings.update',
    outcome: 'success',
    detail: { changed: ['spEntityId'], spEntityId: sp.entityId, reason: 'pinned when the first IdP was added' },
  })
}
