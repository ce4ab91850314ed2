/**
 * This gateway as a SAML service provider, derived from settings and the request's origin:
 * entity ID (setting, or `<origin>/sso/metadata`), ACS, SLO and metadata URLs.
 */
import type { RequestContext } from '../context'
import { getSettings, spEntityId, type Settings } from '../store/settings'

export interface SpEndpoints {
  entityId: string
  acsUrl: string
  sloUrl: string
  metadataUrl: string
  /** The host that names our certificates (CN) when keys are generated. */
  host: string
  settings: Settings
}

export async function spEndpoints(ctx: RequestContext): Promise<SpEndpoints> {
  const settings = await getSettings(ctx.db)
  return {
    entityId: spEntityId(settings, ctx.origin),
    acsUrl: `${ctx.origin}/sso/acs`,
    sloUrl: `${ctx.origin}/sso/slo`,
    metadataUrl: `${ctx.origin}/sso/metadata`,
    host: new URL(ctx.origin).host,
    settings,
  }
}
