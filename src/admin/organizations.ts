/**
 * Admin operations on organizations (customer companies), their email domains and their
 * sessions, each one function that validates, stores and audits, shared by the API and the
 * console. A domain belongs to one organization only; it is verified by its DNS TXT record or by
 * an admin's hand (audited as such); trustAnyEmail is audited and shown with a warning.
 */
import { recordAudit } from '../audit/record'
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { normalizeDomain } from '../sso/tenancy'
import { findIdp, listIdps, listIdpsOfOrganization, type IdpRow } from '../store/idps'
import {
  claimDomain,
  countIdpsByOrganization,
  createOrganization as insertOrganization,
  deleteOrganization as removeOrganization,
  discardNewOrganization,
  getDomain,
  getOrganization,
  listDomains,
  listOrganizations,
  listPendingDomains,
  markDomainVerified,
  recordDomainCheck,
  releaseDomain,
  updateOrganization as storeOrganizationUpdate,
  type DomainRow,
  type OrganizationRow,
} from '../store/organizations'
import type { GroupMapping } from '../store/schema'
import { isSlugRetired } from '../store/retired-slugs'
import { countLiveSessionsByOrganization, revokeSessions, type Revocation, type SessionScope } from '../store/sessions'
import { challengeName, challengeValue, checkChallenge } from './dns'
import type { AdminChannel } from './idps'
import { parseDomain, parseOrganizationInput, type GroupMappingInput, type OrganizationInput } from './organization-fields'
import { invalid, newId, SLUG, slugify } from './validate'

export const TRUST_ANY_EMAIL_WARNING =
  "This organization's IdPs may sign users in with any email address, including other organizations' domains. Use it only for your own staff's IdP."

export interface DomainView {
  domain: string
  status: 'pending' | 'verified'
  verificationMethod: 'dns' | 'manual' | 'migrated' | null
  verifiedAt: string | null
  lastCheckedAt: string | null
  lastCheckError: string | null
  /** The record the organization's IT publishes to verify the domain. */
  txtRecord: { name: string; type: 'TXT'; value: string }
}

export interface OrganizationView {
  id: string
  name: string
  slug: string
  enabled: boolean
  trustAnyEmail: boolean
  helpdeskOrganization: string | null
  groupMappings: (GroupMapping & { idpSlug: string | null })[]
  domains: DomainView[]
  idps: { id: string; name: string; slug: string; enabled: boolean }[]
  liveSessions: number
  /** When an admin (or a withdrawn email authority) last ended all its sessions. */
  sessionsRevokedAt: string | null
  warnings: string[]
  createdAt: string
  updatedAt: string
}

export function domainView(row: DomainRow): DomainView {
  return {
    domain: row.domain,
    status: row.status,
    verificationMethod: row.verificationMethod,
    verifiedAt: row.verifiedAt?.toISOString() ?? null,
    lastCheckedAt: row.lastCheckedAt?.toISOString() ?? null,
    lastCheckError: row.lastCheckError,
    txtRecord: { name: challengeName(row.domain), type: 'TXT', value: challengeValue(row.token) },
  }
}

function view(org: OrganizationRow, domains: DomainRow[], idps: IdpRow[], liveSessions: number): OrganizationView {
  const slugs = new Map(idps.map((i) => [i.id, i.slug]))
  return {
    id: org.id,
    name: org.name,
    slug: org.slug,
    enabled: org.enabled,
    trustAnyEmail: org.trustAnyEmail,
    helpdeskOrganization: org.helpdeskOrganization,
    groupMappings: org.groupMappings.map((m) => ({ ...m, idpSlug: slugs.get(m.idpId) ?? null })),
    domains: domains.filter((d) => d.organizationId === org.id).map(domainView),
    idps: idps.filter((i) => i.organizationId === org.id).map((i) => ({ id: i.id, name: i.name, slug: i.slug, enabled: i.enabled })),
    liveSessions,
    sessionsRevokedAt: org.sessionsRevokedAt?.toISOString() ?? null,
    warnings: org.trustAnyEmail ? [TRUST_ANY_EMAIL_WARNING] : [],
    createdAt: org.createdAt.toISOString(),
    updatedAt: org.updatedAt.toISOString(),
  }
}

/** Every organization with its IdPs, domains (with status and TXT record) and live session count. */
export async function listOrganizationViews(ctx: RequestContext): Promise<OrganizationView[]> {
  const [orgs, domains, idps, sessions] = await Promise.all([
    listOrganizations(ctx.db),
    listDomains(ctx.db),
    listIdps(ctx.db),
    countLiveSessionsByOrganization(ctx.db, ctx.clock()),
  ])
  return orgs.map((o) => view(o, domains, idps, sessions.get(o.id) ?? 0))
}

export async function organizationView(ctx: RequestContext, id: string): Promise<OrganizationView> {
  const org = await requireOrganization(ctx, id)
  const [domains, idps, sessions] = await Promise.all([
    listDomains(ctx.db, [org.id]),
    listIdpsOfOrganization(ctx.db, org.id),
    countLiveSessionsByOrganization(ctx.db, ctx.clock()),
  ])
  return view(org, domains, idps, sessions.get(org.id) ?? 0)
}

/** The organization with this id, or ADMIN_ORGANIZATION_NOT_FOUND. */
export async function requireOrganization(ctx: RequestContext, id: string): Promise<OrganizationRow> {
  const org = await getOrganization(ctx.db, id)
  if (!org) throw new AppError('ADMIN_ORGANIZATION_NOT_FOUND', undefined, { organizationId: id.slice(0, 64) })
  return org
}

function newToken(ctx: RequestContext): string {
  return [...ctx.random(16)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** Each mapping's IdP (id or slug) resolved; it must be one of this organization's IdPs (a group belongs to its IdP). */
async function resolveGroupMappings(ctx: RequestContext, organizationId: string, input: GroupMappingInput[]): Promise<GroupMapping[]> {
  const out: GroupMapping[] = []
  for (const [i, m] of input.entries()) {
    const idp = await findIdp(ctx.db, m.idp)
    if (!idp || idp.organizationId !== organizationId) invalid(`groupMappings[${i}].idp`, `${m.idp} is not an IdP of this organization`)
    out.push({ idpId: idp.id, group: m.group, helpdeskOrganization: m.helpdeskOrganization })
  }
  return out
}

/**
 * Claims each domain for the organization (pending); one another organization holds is
 * ADMIN_CONFLICT naming the domain, the holder and `field` (the body field the domains came from).
 */
async function claimDomains(ctx: RequestContext, organizationId: string, domains: string[], field = 'domains'): Promise<string[]> {
  // Every domain is checked before any is claimed: a refused list claims none of it.
  const claimed = await unclaimedDomains(ctx, organizationId, domains, field)
  for (const domain of claimed) await claimDomain(ctx.db, organizationId, domain, newToken(ctx), ctx.clock())
  return claimed
}

/** The domains the organization does not hold yet; one another organization holds is ADMIN_CONFLICT (see claimDomains). */
async function unclaimedDomains(ctx: RequestContext, organizationId: string, domains: string[], field: string): Promise<string[]> {
  const claimed: string[] = []
  for (const domain of domains) {
    const existing = await getDomain(ctx.db, domain)
    if (existing?.organizationId === organizationId) continue
    if (existing)
      throw new AppError(
        'ADMIN_CONFLICT',
        `${domain} already belongs to organization ${existing.organizationId}: a domain belongs to one organization only. Add the IdP to that organization (organizationId), or remove the domain there first.`,
        { field, domain, organizationId: existing.organizationId },
      )
    claimed.push(domain)
  }
  return claimed
}

/** A slug no organization uses or ever used: `base`, else `base-2`, `base-3`, … */
async function freeSlug(ctx: RequestContext, base: string): Promise<string> {
  const taken = new Set((await listOrganizations(ctx.db)).map((o) => o.slug))
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base.slice(0, 60)}-${n}`
    if (!taken.has(candidate) && !(await isSlugRetired(ctx.db, 'organization', candidate))) return candidate
  }
}

/** A slug given explicitly must never have named another organization (the portal keys organizations by it). */
async function assertSlugNeverUsed(ctx: RequestContext, slug: string): Promise<void> {
  if (await isSlugRetired(ctx.db, 'organization', slug))
    throw new AppError(
      'ADMIN_CONFLICT',
      `The slug ${slug} belonged to a deleted organization: the portal and the helpdesks may still know it as that organization (X-SSO-Org). Choose another.`,
      { field: 'slug' },
    )
}

async function insert(ctx: RequestContext, input: OrganizationInput, detail: Record<string, unknown>, domainsField = 'domains'): Promise<OrganizationRow> {
  await assertSlugNeverUsed(ctx, input.slug!)
  // Refused before anything is written: a domain another organization holds.
  await unclaimedDomains(ctx, '', input.domains ?? [], domainsField)
  const org = await insertOrganization(
    ctx.db,
    newId('org', ctx.random),
    {
      name: input.name!,
      slug: input.slug!,
      helpdeskOrganization: input.helpdeskOrganization ?? null,
      trustAnyEmail: input.trustAnyEmail ?? false,
      enabled: input.enabled ?? true,
      groupMappings: [],
    },
    ctx.clock(),
  )
  try {
    await claimDomains(ctx, org.id, input.domains ?? [], domainsField)
  } catch (err) {
    // A claim lost to a concurrent one: nothing half-made is left behind (never used, so its slug is not retired).
    await discardNewOrganization(ctx.db, org.id)
    throw err
  }
  await recordAudit(ctx, {
    action: 'organization.create',
    outcome: 'success',
    detail: { organizationId: org.id, name: org.name, domains: input.domains ?? [], trustAnyEmail: org.trustAnyEmail, ...detail },
  })
  return org
}

/** POST /organizations, or the console's form. Group mappings need IdPs, so a new organization starts without them. */
export async function createOrganization(ctx: RequestContext, body: unknown, via: AdminChannel): Promise<OrganizationRow> {
  const input = parseOrganizationInput(body, 'create')
  if (input.groupMappings?.length) invalid('groupMappings', 'an organization needs its IdPs before (IdP, group) mappings: add them after creating it')
  // A slug given is kept as given (a taken one is a 409); one derived from the name gets a free suffix.
  return insert(ctx, { ...input, slug: input.slug ?? (await freeSlug(ctx, slugify(input.name!, 'org'))) }, { via })
}

/** An organization of its own for an IdP created without one (as migration 0004 did for existing IdPs). */
export async function organizationForNewIdp(
  ctx: RequestContext,
  idp: { name: string; slug: string },
  domains: string[],
  via: AdminChannel,
): Promise<OrganizationRow> {
  return insert(ctx, { name: idp.name, slug: await freeSlug(ctx, slugify(idp.slug, 'org')), domains }, { via, source: 'idp' }, 'emailDomains')
}

/** Claims an IdP's emailDomains for its organization (pending) where nobody holds them; another organization's is a 409. */
export async function claimIdpDomains(ctx: RequestContext, organizationId: string, domains: string[]): Promise<void> {
  const claimed = await claimDomains(ctx, organizationId, domains, 'emailDomains')
  if (claimed.length) await recordAudit(ctx, { action: 'domain.claim', outcome: 'success', detail: { organizationId, domains: claimed, source: 'idp' } })
}

/** PUT (`replace`) or PATCH; `domains`, when given, is the whole list: new ones are claimed, missing ones released. */
export async function updateOrganization(
  ctx: RequestContext,
  id: string,
  body: unknown,
  mode: 'replace' | 'patch',
  via: AdminChannel,
): Promise<OrganizationRow> {
  const before = await requireOrganization(ctx, id)
  const input = parseOrganizationInput(body, mode)
  if (input.slug !== undefined && input.slug !== before.slug)
    invalid('slug', `cannot change: the portal and the helpdesks know this organization as ${before.slug} (X-SSO-Org)`)
  const groupMappings = input.groupMappings ? await resolveGroupMappings(ctx, id, input.groupMappings) : undefined
  // Refused before anything changes: a domain another organization holds, then the fields (slug).
  if (input.domains) await unclaimedDomains(ctx, id, input.domains, 'domains')
  const { domains: _domains, groupMappings: _mappings, ...fields } = input
  const org = (await storeOrganizationUpdate(ctx.db, id, { ...fields, ...(groupMappings ? { groupMappings } : {}) }, ctx.clock()))!
  let added: string[] = []
  let removed: DomainRow[] = []
  if (input.domains) {
    added = await claimDomains(ctx, id, input.domains)
    removed = (await listDomains(ctx.db, [id])).filter((d) => !input.domains!.includes(d.domain))
    for (const domain of removed) await releaseDomain(ctx.db, id, domain.domain)
  }
  const changed = (['name', 'slug', 'helpdeskOrganization', 'trustAnyEmail', 'enabled', 'groupMappings'] as const).filter(
    (k) => JSON.stringify(before[k]) !== JSON.stringify(org[k]),
  )
  // Emails its sessions carry may no longer be its to assert: they end (the users sign in again).
  const withdrawn = removed.some((d) => d.status === 'verified') || (before.trustAnyEmail && !org.trustAnyEmail)
  if (withdrawn) await revokeSessionsOf(ctx, { organizationId: id }, via, 'email authority withdrawn')
  await recordAudit(ctx, {
    action: 'organization.update',
    outcome: 'success',
    detail: {
      organizationId: id,
      changed,
      domainsAdded: added,
      domainsRemoved: removed.map((d) => d.domain),
      via,
      ...(changed.includes('trustAnyEmail') ? { trustAnyEmail: org.trustAnyEmail, ...(org.trustAnyEmail ? { warning: TRUST_ANY_EMAIL_WARNING } : {}) } : {}),
    },
  })
  return org
}

/** Deletes an organization that has no IdPs left (move or delete them first: ADMIN_CONFLICT otherwise). */
export async function deleteOrganization(ctx: RequestContext, id: string, via: AdminChannel): Promise<void> {
  const org = await requireOrganization(ctx, id)
  const idps = (await countIdpsByOrganization(ctx.db)).get(org.id) ?? 0
  if (idps > 0) throw new AppError('ADMIN_CONFLICT', `This organization still has ${idps} IdP(s): move or delete them first.`, { field: 'idps' })
  const { revoked } = await revokeSessions(ctx, { organizationId: org.id }, ctx.clock())
  await removeOrganization(ctx.db, org.id, ctx.clock())
  await recordAudit(ctx, {
    action: 'organization.delete',
    outcome: 'success',
    detail: { organizationId: org.id, name: org.name, slug: org.slug, sessionsRevoked: revoked, via },
  })
}

// --- domains ------------------------------------------------------------------------------------

/** The domain (as typed in a URL: any case, Unicode or punycode) of this organization, or ADMIN_DOMAIN_NOT_FOUND. */
async function requireDomain(ctx: RequestContext, organizationId: string, typed: string): Promise<DomainRow> {
  const domain = normalizeDomain(typed.slice(0, 253)) ?? typed.slice(0, 253)
  const row = await getDomain(ctx.db, domain)
  if (!row || row.organizationId !== organizationId) throw new AppError('ADMIN_DOMAIN_NOT_FOUND', undefined, { organizationId, domain: domain.slice(0, 253) })
  return row
}

/** Claims one more domain (pending: it shows the TXT record to publish). */
export async function addDomain(ctx: RequestContext, organizationId: string, rawDomain: unknown): Promise<DomainRow> {
  await requireOrganization(ctx, organizationId)
  const domain = parseDomain(rawDomain, 'domain')
  const [claimed] = await claimDomains(ctx, organizationId, [domain])
  if (claimed) await recordAudit(ctx, { action: 'domain.claim', outcome: 'success', detail: { organizationId, domain } })
  return (await getDomain(ctx.db, domain))!
}

export async function removeDomain(ctx: RequestContext, organizationId: string, domain: string, via: AdminChannel): Promise<void> {
  const row = await requireDomain(ctx, organizationId, domain)
  await releaseDomain(ctx.db, organizationId, row.domain)
  await recordAudit(ctx, { action: 'domain.release', outcome: 'success', detail: { organizationId, domain: row.domain } })
  // Its users' emails may no longer be this organization's to assert: its sessions end.
  if (row.status === 'verified') await revokeSessionsOf(ctx, { organizationId }, via, 'email authority withdrawn')
}

/**
 * "Check now": looks the TXT record up over DNS. Verified → audited success; not yet → the
 * reason is kept on the domain for the admin, audited as a failed check. Answers the domain either way.
 */
export async function checkDomain(ctx: RequestContext, organizationId: string, domain: string): Promise<DomainRow> {
  const row = await requireDomain(ctx, organizationId, domain)
  return verifyByDns(ctx, row)
}

async function verifyByDns(ctx: RequestContext, row: DomainRow): Promise<DomainRow> {
  if (row.status === 'verified') return row
  const result = await checkChallenge(ctx.resolveTxt, row.domain, row.token)
  const now = ctx.clock()
  if (result.verified) {
    const verified = await markDomainVerified(ctx.db, row, 'dns', now)
    // Released (and maybe claimed again) while the lookup ran: this proof was for that claim only.
    if (!verified) throw new AppError('ADMIN_DOMAIN_NOT_FOUND', undefined, { organizationId: row.organizationId, domain: row.domain })
    await recordAudit(ctx, { action: 'domain.verify', outcome: 'success', detail: { organizationId: row.organizationId, domain: row.domain, method: 'dns' } })
    return verified
  }
  await recordAudit(ctx, {
    action: 'domain.verify',
    outcome: 'failure',
    code: 'ADMIN_DOMAIN_NOT_VERIFIED',
    detail: {
      organizationId: row.organizationId,
      domain: row.domain,
      reason: result.reason,
      expected: challengeValue(row.token),
      at: challengeName(row.domain),
    },
  })
  return (await recordDomainCheck(ctx.db, row.domain, result.reason, now))!
}

/** An admin vouches for the domain by hand (no DNS): audited as such. */
export async function confirmDomain(ctx: RequestContext, organizationId: string, domain: string): Promise<DomainRow> {
  const row = await requireDomain(ctx, organizationId, domain)
  const confirmed = await markDomainVerified(ctx.db, row, 'manual', ctx.clock())
  if (!confirmed) throw new AppError('ADMIN_DOMAIN_NOT_FOUND', undefined, { organizationId, domain: row.domain })
  await recordAudit(ctx, { action: 'domain.confirm', outcome: 'success', detail: { organizationId, domain: row.domain, method: 'manual' } })
  return confirmed
}

/** Pending domains one cron run checks at most (each lookup may take DNS_TIMEOUT_MS); the rest wait for the next run. */
export const PENDING_CHECKS_PER_RUN = 50

/** The daily cron: pending domains checked, the least recently checked first; returns how many verified. */
export async function checkPendingDomains(ctx: RequestContext): Promise<{ checked: number; verified: number }> {
  let checked = 0
  let verified = 0
  for (const row of await listPendingDomains(ctx.db, PENDING_CHECKS_PER_RUN)) {
    checked++
    if ((await verifyByDns(ctx, row)).status === 'verified') verified++
  }
  return { checked, verified }
}

// --- sessions -----------------------------------------------------------------------------------

/**
 * Ends every session of an organization, an IdP or one user (namespaced subject); audited with the
 * count and why (`reason`, when the gateway does it itself).
 */
export async function revokeSessionsOf(ctx: RequestContext, scope: SessionScope, via: AdminChannel, reason?: string): Promise<Revocation> {
  if ('organizationId' in scope) await requireOrganization(ctx, scope.organizationId)
  const result = await revokeSessions(ctx, scope, ctx.clock())
  await recordAudit(ctx, {
    action: 'sessions.revoke',
    outcome: 'success',
    idpId: 'idpId' in scope ? scope.idpId : null,
    subject: 'subject' in scope ? scope.subject : null,
    detail: { ...scope, ...result, via, ...(reason ? { reason } : {}) },
  })
  return result
}

/** A subject as the admin names one user: `<idp slug>:<NameID>` (the NameID as the IdP sends it, at most 1024 characters). */
export function parseSubject(value: unknown): string {
  if (typeof value !== 'string' || value.length > 1100) invalid('subject', 'name the user as <idp slug>:<NameID>')
  const colon = value.indexOf(':')
  if (colon < 1 || !SLUG.test(value.slice(0, colon)) || colon === value.length - 1)
    invalid('subject', 'name the user as <idp slug>:<NameID>, e.g. acme-okta:jane@acme.example')
  return value
}

/** DELETE /sessions?subject=: ends every session of one user (by namespaced subject). */
export async function revokeUserSessions(ctx: RequestContext, subject: unknown, via: AdminChannel): Promise<Revocation> {
  return revokeSessionsOf(ctx, { subject: parseSubject(subject) }, via)
}

/** Id and name of every organization, for pickers. */
export async function organizationChoices(ctx: RequestContext): Promise<{ id: string; name: string }[]> {
  return (await listOrganizations(ctx.db)).map((o) => ({ id: o.id, name: o.name }))
}
