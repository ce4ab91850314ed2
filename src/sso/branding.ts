/**
 * How customer pages look and where customers get help: the portal's name, brand color, logo and
 * support contact from settings. An error page must render even when D1 is what failed, so a
 * read that fails gives the defaults.
 */
import type { RequestContext } from '../context'
import { DEFAULT_SETTINGS, getSettings } from '../store/settings'

export interface PortalBranding {
  portalName: string
  accent: string
  logoUrl: string | null
  /** An email address or an https URL; null when none is set. */
  supportContact: string | null
}

export async function portalBranding(ctx: RequestContext | undefined): Promise<PortalBranding> {
  let s = DEFAULT_SETTINGS
  try {
    if (ctx) s = await getSettings(ctx.db)
  } catch {
    // D1 unavailable: the defaults (the page still explains the error).
  }
  return { portalName: s.portalName, accent: s.primaryColor, logoUrl: s.logoUrl, supportContact: s.supportContact || null }
}
