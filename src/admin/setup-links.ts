/**
 * Setup links, the admin's side (issue 13): "Create setup link" on an organization gives a URL
 * shown once (only the token's SHA-256 is stored), valid 7 days by default and 30 at most, that
 * lets the organization's IT connect its own IdP (src/setup/). The admin sees how far each link
 * has got, can revoke it, and approves the IdP when the link asked for approval. Audited.
 */
import { recordAudit } from '../audit/record'
import type { RequestContext } from '../context'
import { hashToken, newToken } from '../crypto/token'
import { AppError } from '../errors'
import { emitSetupCompleted } from '../events/emit'
import { getIdp, updateIdp as storeIdpUpdate } from '../store/idps'
import { getOrganization, listDomains } from '../store/organizations'
import { createSetupLink as insertSetupLink, getSetupLink, listSetupLinks, updateSetupLink, type SetupLinkRow } from '../store/setup-links'
import type { AdminChannel } from './idps'
import { requireOrganization } from './organizations'
import { bool, int, requireObject } from './validate'

export const SETUP_LINK_DEFAULT_DAYS = 7
export const SETUP_LINK_MAX_DAYS = 30
const DAY_MS = 86_400_000

/** The steps of a setup, in order; each is the time it was reached, or null. */
export interface SetupSteps {
  created: string
  opened: string | null
  idpConfigured: string | null
  domainVerified: boolean
  testPassed: string | null
  submitted: string | null
  active: string | null
}

export interface SetupLinkView {
  id: string
  organizationId: string
  status: 'open' | 'awaiting-approval' | 'completed' | 'expired' | 'revoked'
  requiresApproval: boolean
  expiresAt: string
  idpId: string | null
  steps: SetupSteps
  createdBy: string
  createdAt: string
}

const iso = (d: Date | null) => d?.toISOString() ?? null

export function setupLinkStatus(link: SetupLinkRow, now: Date): SetupLinkView['status'] {
  if (link.completedAt) return 'completed'
  if (link.revokedAt) return 'revoked'
  if (link.submittedAt) return 'awaiting-approval'
  return link.expiresAt.getTime() <= now.getTime() ? 'expired' : 'open'
}

export function setupLinkView(link: SetupLinkRow, domainVerified: boolean, now: Date): SetupLinkView {
  return {
    id: link.id,
    organizationId: link.organizationId,
    status: setupLinkStatus(link, now),
    requiresApproval: link.requiresApproval,
    expiresAt: link.expiresAt.toISOString(),
    idpId: link.idpId,
    steps: {
      created: link.createdAt.toISOString(),
      opened: iso(link.openedAt),
      idpConfigured: iso(link.idpConfiguredAt),
      domainVerified,
      testPassed: iso(link.testPassedAt),
      submitted: iso(link.submittedAt),
      active: iso(link.completedAt),
    },
    createdBy: link.createdBy,
    createdAt: link.createdAt.toISOString(),
  }
}

async function hasVerifiedDomain(ctx: RequestContext, organizationId: string): Promise<boolean> {
  return (await listDomains(ctx.db, [organizationId])).some((d) => d.status === 'verified')
}

/** POST /organizations/:id/setup-links `{ expiresInDays?, requireApproval? }`: the URL, shown this once. */
export async function createSetupLink(
  ctx: RequestContext,
  organizationId: string,
  body: unknown,
  via: AdminChannel,
): Promise<{ url: string; expiresAt: string; link: SetupLinkView }> {
  const organization = await requireOrganization(ctx, organizationId)
  const input = requireObject(body ?? {})
  for (const key of Object.keys(input))
    if (key !== 'expiresInDays' && key !== 'requireApproval') throw new AppError('ADMIN_INVALID_FIELD', `${key}: unknown field`, { field: key })
  const days = input.expiresInDays === undefined ? SETUP_LINK_DEFAULT_DAYS : int(input.expiresInDays, 'expiresInDays', 1, SETUP_LINK_MAX_DAYS)
  const requiresApproval = input.requireApproval === undefined ? false : bool(input.requireApproval, 'requireApproval')
  const now = ctx.clock()
  const token = newToken(ctx.random)
  const id = `sl_${[...ctx.random(9)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
  const row = await insertSetupLink(
    ctx.db,
    {
      id,
      organizationId: organization.id,
      tokenHash: await hashToken(token),
      requiresApproval,
      createdBy: ctx.actor,
      expiresAt: new Date(now.getTime() + days * DAY_MS),
    },
    now,
  )
  await recordAudit(ctx, {
    action: 'setup-link.create',
    outcome: 'success',
    detail: { organizationId: organization.id, linkId: id, expiresAt: row.expiresAt.toISOString(), requiresApproval, via },
  })
  return {
    url: `${ctx.origin}/sso/setup/${token}`,
    expiresAt: row.expiresAt.toISOString(),
    link: setupLinkView(row, await hasVerifiedDomain(ctx, organization.id), now),
  }
}

export async function listSetupLinkViews(ctx: RequestContext, organizationId: string): Promise<SetupLinkView[]> {
  await requireOrganization(ctx, organizationId)
  const verified = await hasVerifiedDomain(ctx, organizationId)
  const now = ctx.clock()
  return (await listSetupLinks(ctx.db, organizationId)).map((l) => setupLinkView(l, verified, now))
}

async function requireSetupLink(ctx: RequestContext, organizationId: string, linkId: string): Promise<SetupLinkRow> {
  const link = await getSetupLink(ctx.db, linkId)
  if (!link || link.organizationId !== organizationId) throw new AppError('SETUP_LINK_NOT_FOUND', undefined, { organizationId, linkId: linkId.slice(0, 64) })
  return link
}

/** DELETE /organizations/:id/setup-links/:linkId: the link stops working at once (what it configured stays). */
export async function revokeSetupLink(ctx: RequestContext, organizationId: string, linkId: string, via: AdminChannel): Promise<SetupLinkView> {
  const link = await requireSetupLink(ctx, organizationId, linkId)
  const now = ctx.clock()
  const row = link.revokedAt || link.completedAt ? link : (await updateSetupLink(ctx.db, organizationId, link.id, { revokedAt: now }))!
  await recordAudit(ctx, { action: 'setup-link.revoke', outcome: 'success', detail: { organizationId, linkId: link.id, via } })
  return setupLinkView(row, await hasVerifiedDomain(ctx, organizationId), now)
}

/** POST /organizations/:id/setup-links/:linkId/approve: the submitted IdP goes live. */
export async function approveSetupLink(ctx: RequestContext, organizationId: string, linkId: string, via: AdminChannel): Promise<SetupLinkView> {
  const link = await requireSetupLink(ctx, organizationId, linkId)
  if (!link.submittedAt || link.completedAt || link.revokedAt || !link.idpId)
    throw new AppError('SETUP_NOT_READY', 'Only a setup submitted for approval can be approved.', { linkId: link.id })
  const idp = await getIdp(ctx.db, link.idpId)
  if (!idp || idp.organizationId !== organizationId) throw new AppError('ADMIN_IDP_NOT_FOUND', undefined, { idpId: link.idpId })
  const now = ctx.clock()
  await storeIdpUpdate(ctx.db, idp.id, { enabled: true }, now)
  const row = (await updateSetupLink(ctx.db, organizationId, link.id, { completedAt: now }))!
  await recordAudit(ctx, { action: 'setup-link.approve', outcome: 'success', idpId: idp.id, detail: { organizationId, linkId: link.id, via } })
  await emitSetupCompleted(ctx, { id: link.id, organizationName: (await getOrganization(ctx.db, organizationId))?.name ?? '' }, idp, via)
  return setupLinkView(row, await hasVerifiedDomain(ctx, organizationId), now)
}
