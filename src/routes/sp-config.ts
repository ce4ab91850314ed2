/**
 * This gateway as a SAML service provider, derived from settings and the request's origin:
 * entity ID (setting, or `<origin>/sso/metadata`), ACS and SLO URLs.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { getSettings, spEntityId, type Settings } from '../store/settings'

export interface SpEndpoints {
  entityId: string
  acsUrl: string
  sloUrl: string
  metadataUrl: string
  origin: string
  settings: Settings
}

export async function spEndpoints(c: Context<AppEnv>): Promise<SpEndpoints> {
  const origin = new URL(c.req.url).origin
  const settings = await getSettings(c.env.DB)
  return {
    entityId: spEntityId(settings, origin),
    acsUrl: `${origin}/sso/acs`,
    sloUrl: `${origin}/sso/slo`,
    metadataUrl: `${origin}/sso/metadata`,
    origin,
    settings,
  }
}
