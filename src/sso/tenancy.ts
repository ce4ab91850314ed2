/**
 * The tenant rules (DESIGN.md "Tenants"): an IdP may speak only for its own organization's
 * verified domains, its subjects are namespaced by its slug, and its sessions live only while it
 * and its organization are enabled. Every protocol (SAML now, OIDC later) goes through these.
 * Trusts nothing an IdP asserts; compares domains only after lower-casing and IDN normalization.
 */
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import type { GroupMapping } from '../store/schema'
import { getOrganization, listDomains, type DomainRow, type OrganizationRow } from '../store/organizations'
import { isSessionRevoked, type Session } from '../store/sessions'
import { getTenantStatusFor } from '../store/tenant-status'

/** The user key every portal and helpdesk sees: `<idp slug>:<NameID>`, never the bare NameID. */
export function subjectOf(idpSlug: string, nameId: string): string {
  return `${idpSlug}:${nameId}`
}

/** Longest NameID taken (SAML's persistent identifiers are at most 256; emails 254). */
export const MAX_NAMEID_LENGTH = 1024

/**
 * A NameID that can become one unambiguous subject: no control characters (a header would show
 * `a\nb` and `a b` alike, while the JWT keeps them apart) and bounded. LOGIN_NAMEID_INVALID otherwise.
 */
export function assertUsableNameId(nameId: string): void {
  if (nameId.length > MAX_NAMEID_LENGTH || /[\u0000-\u001f\u007f]/.test(nameId))
    throw new AppError('LOGIN_NAMEID_INVALID', undefined, { length: nameId.length, received: nameId.slice(0, 200) })
}

// Letters, marks and digits of any script, dashes and dots: what a (possibly Unicode) DNS name
// is made of before IDNA. Anything else ('/', '%', ':', '[', '\', spaces, quotes) is refused
// before the URL parser could give it another meaning.
const DOMAIN_CHARS = /^[\p{L}\p{M}\p{N}.\-\u3002\uff0e\uff61]+$/u
const ASCII_DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/
// RFC 5322 dot-atom in ASCII, without '%' (old source routing): what mail systems agree on. A
// Unicode or quoted local part could be read differently downstream (NFKC, routing), so none is taken.
const LOCAL_PART = /^(?=.{1,64}$)[A-Za-z0-9!#$&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$&'*+/=?^_`{|}~-]+)*$/

/**
 * A domain as the gateway compares it: lower case, IDN in ASCII (punycode) form per UTS #46 (the
 * URL parser's host processing), no trailing dot; null when it is not a plain DNS name.
 */
export function normalizeDomain(input: string): string | null {
  if (!input || input.length > 253 || !DOMAIN_CHARS.test(input)) return null
  let host: string
  try {
    host = new URL(`http://${input}/`).hostname
  } catch {
    return null
  }
  return ASCII_DOMAIN.test(host) ? host : null
}

/** One plain address: exactly one '@', a simple local part, a normalizable domain. Null otherwise. */
export function parseEmail(email: string): { local: string; domain: string } | null {
  const at = email.indexOf('@')
  if (at <= 0 || at !== email.lastIndexOf('@')) return null
  const local = email.slice(0, at)
  const domain = normalizeDomain(email.slice(at + 1))
  return LOCAL_PART.test(local) && domain ? { local, domain } : null
}

export interface EmailAuthority {
  /** The email as forwarded (domain normalized), or null when the IdP sent none. */
  email: string | null
  /** The email's domain is one of the organization's verified domains. */
  verified: boolean
}

/**
 * The email an IdP of `organization` may assert for a user: one in the organization's verified
 * domains (exact names: a subdomain counts only when it is listed itself), or any email when an
 * admin set trustAnyEmail. Throws LOGIN_EMAIL_MALFORMED or LOGIN_EMAIL_DOMAIN_MISMATCH (with the
 * allowed domains and the received one, for the audit log and the test-connection page).
 */
export async function emailAuthority(
  ctx: RequestContext,
  organization: OrganizationRow,
  email: string | null,
  /** The organization's verified domains when the caller read them already (the ACS does, with the IdP). */
  knownVerified?: string[],
): Promise<EmailAuthority> {
  if (email === null) return { email: null, verified: false }
  const parsed = parseEmail(email)
  if (!parsed) throw new AppError('LOGIN_EMAIL_MALFORMED', undefined, { received: email, organizationId: organization.id })
  const verified = knownVerified ?? (await verifiedDomainsOf(ctx, organization.id))
  const normalized = `${parsed.local}@${parsed.domain}`
  if (verified.includes(parsed.domain)) return { email: normalized, verified: true }
  if (organization.trustAnyEmail) return { email: normalized, verified: false }
  throw new AppError('LOGIN_EMAIL_DOMAIN_MISMATCH', undefined, { allowedDomains: verified, receivedDomain: parsed.domain, organizationId: organization.id })
}

async function verifiedDomainsOf(ctx: RequestContext, organizationId: string): Promise<string[]> {
  return verifiedDomainNames(await listDomains(ctx.db, [organizationId]))
}

/** The verified ones of an organization's domains, by name. */
export function verifiedDomainNames(domains: readonly DomainRow[]): string[] {
  return domains.filter((d) => d.status === 'verified').map((d) => d.domain)
}

/** Google's one issuer for every Google account, consumer and Workspace alike. */
export const GOOGLE_ISSUER = 'https://accounts.google.com'

/**
 * A Google IdP speaks for every Google account (one issuer, and often one OAuth client for all
 * of a portal's Workspace customers), so an organization's Google IdP admits only accounts whose
 * hosted domain (`hd`) is one of the organization's verified domains: never a consumer account,
 * never another Workspace. `hd` only admits; it never vouches for an email (emailAuthority does).
 * OIDC_HOSTED_DOMAIN_MISMATCH otherwise. Other issuers are one organization's own.
 */
export async function assertHostedDomain(ctx: RequestContext, organization: OrganizationRow, issuer: string, hostedDomain: string | null): Promise<void> {
  if (issuer !== GOOGLE_ISSUER) return
  const verified = await verifiedDomainsOf(ctx, organization.id)
  const received = hostedDomain === null ? null : normalizeDomain(hostedDomain)
  if (received === null || !verified.includes(received))
    throw new AppError('OIDC_HOSTED_DOMAIN_MISMATCH', undefined, { expected: verified, received: hostedDomain, organizationId: organization.id })
}

/** The IdP's allowedGroups admit the user (no list: everyone). No groups sent means none: denied when a list is set. */
export function assertGroupsAllowed(allowedGroups: string[], groups: string[], detail: Record<string, unknown> = {}): void {
  if (allowedGroups.length > 0 && !groups.some((g) => allowedGroups.includes(g)))
    throw new AppError('LOGIN_GROUP_DENIED', undefined, { allowedGroups, groups, ...detail })
}

/**
 * The session as it may still be used, or null: its IdP and organization exist and are enabled,
 * the IdP still belongs to that organization under the same slug (the subject's namespace),
 * neither it nor its user had their sessions revoked since this one started, and no logout ended
 * it (a KV copy can outlive its delete at other locations). Sessions from before organizations
 * existed (no organizationId) were never checked for email authority and count as ended.
 */
export async function liveSession(
  ctx: RequestContext,
  session: Session,
  tokenHash: string,
): Promise<(Session & { organizationId: string; organizationSlug: string; subject: string }) | null> {
  if (!session.organizationId || !session.subject) return null
  // A session of an IdP created or enabled since the status was read is re-checked, not refused.
  const status = await getTenantStatusFor(ctx.db, ctx.clock(), (s) => {
    const i = s.idps.get(session.idpId)
    return Boolean(i?.enabled && s.organizations.get(i.organizationId)?.enabled)
  })
  const idp = status.idps.get(session.idpId)
  if (!idp || !idp.enabled || idp.organizationId !== session.organizationId || idp.slug !== session.idpSlug) return null
  const organization = status.organizations.get(session.organizationId)
  if (!organization || !organization.enabled) return null
  const revokedAt = Math.max(
    idp.sessionsRevokedAt ?? -Infinity,
    organization.sessionsRevokedAt ?? -Infinity,
    status.revokedSubjects.get(session.subject) ?? -Infinity,
  )
  if (session.createdAt <= revokedAt) return null
  // Ended by a logout: KV at this location may not know yet (docs/storage.md, "Consistency").
  if (status.endedSessions.has(tokenHash)) return null
  if (!status.revocationsComplete && (await isSessionRevoked(ctx.db, tokenHash, { subject: session.subject, createdAt: session.createdAt }, ctx.clock())))
    return null
  return { ...session, organizationId: session.organizationId, organizationSlug: organization.slug, subject: session.subject }
}

/** The organization's name in the helpdesk: the first (IdP, group) refinement the user matches, else the organization's own. */
export function helpdeskOrganizationOf(
  organization: { helpdeskOrganization: string | null; groupMappings: GroupMapping[] },
  session: { idpId: string; groups: string[] },
): string | null {
  const refined = organization.groupMappings.find((m) => m.idpId === session.idpId && session.groups.includes(m.group))
  return refined?.helpdeskOrganization ?? organization.helpdeskOrganization ?? null
}

/** The session's organization name in the helpdesk (hand-offs and broker attributes), read fresh. */
export async function helpdeskOrganizationFor(
  ctx: RequestContext,
  session: { organizationId: string; idpId: string; groups: string[] },
): Promise<string | null> {
  const organization = await getOrganization(ctx.db, session.organizationId)
  return organization ? helpdeskOrganizationOf(organization, session) : null
}
