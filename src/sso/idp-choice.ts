/**
 * Which upstream IdP a customer signs in with: the one a link names (`idp=<id or slug>`), the one
 * default IdP, the one a verified email domain routes to, or the customer's pick on the selection
 * page. Only enabled IdPs of enabled organizations are offered.
 */
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { findIdp, listIdps, listIdpsOfOrganization, type IdpRow } from '../store/idps'
import { findVerifiedDomain, listDomains } from '../store/organizations'
import { getSettings } from '../store/settings'
import { getTenantStatusFor, type TenantStatus } from '../store/tenant-status'
import { parseEmail } from './tenancy'

/** What the selection page shows (ui/select-idp.tsx), without the per-request fields. */
export interface SelectionPageData {
  portalName: string
  accent: string
  logoUrl: string | null
  idps: { slug: string; name: string; logoUrl: string | null }[]
  hasEmailRouting: boolean
}

export type IdpChoice = { kind: 'start'; idp: IdpRow } | { kind: 'select'; page: SelectionPageData }

/** An IdP a customer may start a sign-in with: it exists, and it and its organization are enabled. */
async function usable(ctx: RequestContext, idp: IdpRow | null): Promise<IdpRow> {
  if (!idp) throw new AppError('LOGIN_IDP_NOT_FOUND')
  if (!idp.enabled) throw new AppError('LOGIN_IDP_DISABLED', undefined, { idpId: idp.id })
  const status = await getTenantStatusFor(ctx.db, ctx.clock(), (s) => Boolean(s.organizations.get(idp.organizationId)?.enabled))
  if (!status.organizations.get(idp.organizationId)?.enabled)
    throw new AppError('LOGIN_ORGANIZATION_DISABLED', undefined, { organizationId: idp.organizationId })
  return idp
}

/** Enabled IdPs of enabled organizations, in the admin's order. */
async function speakingIdps(ctx: RequestContext, idps?: IdpRow[]): Promise<IdpRow[]> {
  const all = idps ?? (await listIdps(ctx.db))
  const speaks = (s: TenantStatus, i: IdpRow) => i.enabled && Boolean(s.organizations.get(i.organizationId)?.enabled)
  // Re-read when an enabled IdP's organization is unknown or disabled here (created or enabled since).
  const status = await getTenantStatusFor(ctx.db, ctx.clock(), (s) => all.every((i) => !i.enabled || speaks(s, i)))
  return all.filter((i) => speaks(status, i))
}

/**
 * GET /sso/login: the named IdP, else the one enabled default IdP (unless the customer asked to
 * choose, `select`), else the selection page.
 */
export async function chooseIdp(ctx: RequestContext, query: { idp: string | undefined; select: boolean }): Promise<IdpChoice> {
  if (query.idp) return { kind: 'start', idp: await usable(ctx, await findIdp(ctx.db, query.idp)) }
  const idps = await speakingIdps(ctx)
  const defaults = idps.filter((i) => i.isDefault)
  if (defaults.length === 1 && !query.select) return { kind: 'start', idp: defaults[0]! }
  return { kind: 'select', page: await selectionPage(ctx, idps) }
}

export async function selectionPage(ctx: RequestContext, idps?: IdpRow[]): Promise<SelectionPageData> {
  const [settings, speaking, domains] = await Promise.all([getSettings(ctx.db), speakingIdps(ctx, idps), listDomains(ctx.db)])
  const routed = new Set(speaking.map((i) => i.organizationId))
  return {
    portalName: settings.portalName,
    accent: settings.primaryColor,
    logoUrl: settings.logoUrl,
    // Email only: no organization's name is shown to anyone (direct links ?idp=<slug> still work).
    idps: settings.discoveryByEmailOnly ? [] : speaking.filter((i) => i.showOnSelection).map((i) => ({ slug: i.slug, name: i.name, logoUrl: i.logoUrl })),
    // The email form routes by verified domains only: worth showing when one leads somewhere.
    hasEmailRouting: domains.some((d) => d.status === 'verified' && routed.has(d.organizationId)),
  }
}

/**
 * POST /sso/login: the IdP for an email's domain. The domain must be verified for an organization
 * (exactly: a subdomain routes only when it is listed itself); among that organization's enabled
 * IdPs, one that lists the domain in its emailDomains wins, else the first. Throws
 * LOGIN_EMAIL_INVALID or LOGIN_EMAIL_DOMAIN_UNKNOWN, which the selection page shows by the field.
 */
export async function discoverIdp(ctx: RequestContext, email: string): Promise<IdpRow> {
  const parsed = email.length <= 320 ? parseEmail(email) : null
  if (!parsed) throw new AppError('LOGIN_EMAIL_INVALID')
  const claim = await findVerifiedDomain(ctx.db, parsed.domain)
  const candidates = claim ? await speakingIdps(ctx, await listIdpsOfOrganization(ctx.db, claim.organizationId)) : []
  const idp = candidates.find((i) => i.emailDomains.includes(parsed.domain)) ?? candidates[0]
  if (!idp) throw new AppError('LOGIN_EMAIL_DOMAIN_UNKNOWN', undefined, { domain: parsed.domain })
  return idp
}
