/**
 * Which upstream IdP a customer signs in with: the one a link names (`idp=<id or slug>`), the one
 * default IdP, the one an email domain routes to, or the customer's pick on the selection page.
 */
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { findIdp, listIdps, type IdpRow } from '../store/idps'
import { getSettings } from '../store/settings'

/** What the selection page shows (ui/select-idp.tsx), without the per-request fields. */
export interface SelectionPageData {
  portalName: string
  accent: string
  logoUrl: string | null
  idps: { slug: string; name: string; logoUrl: string | null }[]
  hasEmailRouting: boolean
}

export type IdpChoice = { kind: 'start'; idp: IdpRow } | { kind: 'select'; page: SelectionPageData }

const EMAIL = /^[^\s@]{1,64}@([a-z0-9.-]{1,253})$/i

/** An IdP a customer may start a sign-in with: it exists and is enabled. */
function usable(idp: IdpRow | null): IdpRow {
  if (!idp) throw new AppError('LOGIN_IDP_NOT_FOUND')
  if (!idp.enabled) throw new AppError('LOGIN_IDP_DISABLED', undefined, { idpId: idp.id })
  return idp
}

/**
 * GET /sso/login: the named IdP, else the one enabled default IdP (unless the customer asked to
 * choose, `select`), else the selection page.
 */
export async function chooseIdp(ctx: RequestContext, query: { idp: string | undefined; select: boolean }): Promise<IdpChoice> {
  if (query.idp) return { kind: 'start', idp: usable(await findIdp(ctx.db, query.idp)) }
  const idps = await listIdps(ctx.db)
  const defaults = idps.filter((i) => i.enabled && i.isDefault)
  if (defaults.length === 1 && !query.select) return { kind: 'start', idp: defaults[0]! }
  return { kind: 'select', page: await selectionPage(ctx, idps) }
}

export async function selectionPage(ctx: RequestContext, idps?: IdpRow[]): Promise<SelectionPageData> {
  const [settings, all] = await Promise.all([getSettings(ctx.db), idps ?? listIdps(ctx.db)])
  const enabled = all.filter((i) => i.enabled)
  return {
    portalName: settings.portalName,
    accent: settings.primaryColor,
    logoUrl: settings.logoUrl,
    idps: enabled.filter((i) => i.showOnSelection).map((i) => ({ slug: i.slug, name: i.name, logoUrl: i.logoUrl })),
    hasEmailRouting: enabled.some((i) => i.emailDomains.length > 0),
  }
}

/**
 * POST /sso/login: the enabled IdP for an email's domain, the exact domain first, then the
 * closest parent (eu.acme.com → acme.com). Throws LOGIN_EMAIL_INVALID or LOGIN_EMAIL_DOMAIN_UNKNOWN,
 * which the selection page shows next to the field.
 */
export async function discoverIdp(ctx: RequestContext, email: string): Promise<IdpRow> {
  const match = EMAIL.exec(email)
  if (!match) throw new AppError('LOGIN_EMAIL_INVALID')
  const domain = match[1]!.toLowerCase()
  const candidates = (await listIdps(ctx.db)).filter((i) => i.enabled)
  for (let d = domain; d.includes('.'); d = d.slice(d.indexOf('.') + 1)) {
    const idp = candidates.find((i) => i.emailDomains.includes(d))
    if (idp) return idp
  }
  throw new AppError('LOGIN_EMAIL_DOMAIN_UNKNOWN', undefined, { domain })
}
