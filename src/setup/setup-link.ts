/**
 * A setup link, the customer IT's side (issue 13): everything `/sso/setup/:token` does, scoped to
 * the link's one organization and the one IdP the link creates. The token is looked up by its
 * SHA-256 only (the same work for any token, so a wrong one answers 404 in the same time); an
 * expired or revoked link answers 410 and writes an audit row. Every change goes through the
 * same admin services as the console (validate → store → audit), as actor `setup:<link id>`, and
 * the IdP stays disabled until the organization has a verified domain and a test sign-in passed.
 */
import { recordAudit } from '../audit/record'
import type { RequestContext } from '../context'
import { signValue, verifyValue } from '../crypto/mac'
import { hashToken } from '../crypto/token'
import { AppError } from '../errors'
import { emitSetupCompleted } from '../events/emit'
import type { BrowserStep } from '../navigation'
import { domainView, addDomain, checkDomain, type DomainView } from '../admin/organizations'
import { createIdp, deleteIdp, importIdp, updateIdp } from '../admin/idps'
import { fieldsFromMetadata, loadIdpMetadata } from '../admin/metadata-source'
import { ATTRIBUTE_PRESETS } from '../admin/attribute-presets'
import { setupLinkView, type SetupSteps } from '../admin/setup-links'
import { findIdp, getIdp, updateIdp as storeIdpUpdate, type IdpRow } from '../store/idps'
import { getOrganization, listDomains, type OrganizationRow } from '../store/organizations'
import { SETUP_REQUESTS, takeRateLimit } from '../store/rate-limits'
import { findSetupLinkByTokenHash, updateSetupLink, type SetupLinkRow } from '../store/setup-links'
import { getTestResult, type TestResult } from '../store/test-results'
import { newRequestId } from '../sso/login-state'
import { oidcRedirectUri } from '../sso/oidc-sign-in'
import { startSignIn } from '../sso/sign-in'
import { spEndpoints } from '../sso/sp-endpoints'
import { setupProduct, SETUP_PRODUCTS, type SetupProduct, type SetupValueKey } from './products'

const CSRF_PURPOSE = 'setup-csrf'
/** Unverified domains an organization may hold through its setup links. */
export const MAX_PENDING_DOMAINS_PER_LINK = 5
/** Longer input is never a token of ours; it is cut before hashing so the work stays bounded. */
const MAX_TOKEN_LENGTH = 128

export interface OpenSetup {
  link: SetupLinkRow
  organization: OrganizationRow
  /** The token as in the URL (the base path of every setup page). */
  token: string
  /** The request's context acting as `setup:<link id>`. */
  ctx: RequestContext
}

/** Limits one client's setup requests (any token), before the token is looked up. */
export async function throttleSetup(ctx: RequestContext): Promise<void> {
  const take = await takeRateLimit(ctx.rateLimiter, SETUP_REQUESTS, ctx.ip ?? 'unknown', ctx.clock())
  if (!take.allowed)
    throw new AppError('SETUP_RATE_LIMITED', undefined, { retryAfterSeconds: Math.max(1, Math.ceil((take.resetAt - ctx.clock().getTime()) / 1000)) })
}

/** The link a token names, usable now; 404 for no link, 410 (audited) for an expired or revoked one. */
export async function openSetup(ctx: RequestContext, token: string): Promise<OpenSetup> {
  const link = await findSetupLinkByTokenHash(ctx.db, await hashToken(token.slice(0, MAX_TOKEN_LENGTH)))
  if (!link) throw new AppError('SETUP_LINK_NOT_FOUND')
  const setupCtx: RequestContext = { ...ctx, actor: `setup:${link.id}` }
  const now = ctx.clock()
  const refused = link.revokedAt ? 'SETUP_LINK_REVOKED' : link.expiresAt.getTime() <= now.getTime() ? 'SETUP_LINK_EXPIRED' : null
  if (refused) {
    await recordAudit(setupCtx, { action: 'setup.denied', outcome: 'failure', code: refused, detail: { organizationId: link.organizationId, linkId: link.id } })
    throw new AppError(refused, undefined, { linkId: link.id })
  }
  const organization = await getOrganization(ctx.db, link.organizationId)
  if (!organization) throw new AppError('SETUP_LINK_NOT_FOUND')
  let current = link
  if (!link.openedAt) {
    current = (await updateSetupLink(ctx.db, link.organizationId, link.id, { openedAt: now })) ?? link
    await recordAudit(setupCtx, { action: 'setup.open', outcome: 'success', detail: { organizationId: link.organizationId, linkId: link.id } })
  }
  return { link: current, organization, token, ctx: setupCtx }
}

/** The form token of a link's pages (a MAC of its ID): forms from anywhere else are refused. */
export function setupCsrfToken(ctx: RequestContext, link: SetupLinkRow): Promise<string> {
  return signValue(ctx.secret, CSRF_PURPOSE, link.id)
}

export async function assertSetupCsrf(ctx: RequestContext, link: SetupLinkRow, token: string | undefined, sameSite: boolean): Promise<void> {
  if (!sameSite || !token || (await verifyValue(ctx.secret, CSRF_PURPOSE, token)) !== link.id)
    throw new AppError('SETUP_CSRF_REJECTED', undefined, { linkId: link.id })
}

/** Changes are over once the setup is active or waiting for the admin's approval. */
function assertChangeable(open: OpenSetup): void {
  if (open.link.completedAt || open.link.submittedAt) throw new AppError('SETUP_ALREADY_DONE', undefined, { linkId: open.link.id })
}

export interface SetupPageData {
  portalName: string
  accent: string
  logoUrl: string | null
  organizationName: string
  basePath: string
  csrf: string
  products: { key: string; label: string }[]
  product: SetupProduct | null
  values: Record<SetupValueKey, string>
  idp: { name: string; protocol: 'saml' | 'oidc'; identifier: string; enabled: boolean } | null
  domains: DomainView[]
  steps: SetupSteps
  requiresApproval: boolean
  status: 'open' | 'awaiting-approval' | 'completed'
  expiresAt: string
}

/** Everything the setup page shows, for this link only. */
export async function setupPageData(open: OpenSetup, productKey?: string): Promise<SetupPageData> {
  const { ctx, link, organization } = open
  const sp = await spEndpoints(ctx)
  const idp = link.idpId ? await getIdp(ctx.db, link.idpId) : null
  const domains = (await listDomains(ctx.db, [organization.id])).map(domainView)
  const view = setupLinkView(
    link,
    domains.some((d) => d.status === 'verified'),
    ctx.clock(),
  )
  return {
    portalName: sp.settings.portalName,
    accent: sp.settings.primaryColor,
    logoUrl: sp.settings.logoUrl ?? null,
    organizationName: organization.name,
    basePath: `/sso/setup/${open.token}`,
    csrf: await setupCsrfToken(ctx, link),
    products: SETUP_PRODUCTS.map((p) => ({ key: p.key, label: p.label })),
    product: setupProduct(productKey) ?? (idp?.protocol === 'oidc' ? setupProduct('oidc') : null),
    values: {
      acsUrl: sp.acsUrl,
      entityId: sp.entityId,
      metadataUrl: sp.metadataUrl,
      sloUrl: sp.sloUrl,
      // The IdP's slug names its redirect URI: the one this link made, or the one it will make.
      redirectUri: oidcRedirectUri(ctx.origin, idp?.slug ?? (await freeSlug(ctx, organization))),
      postLogoutUri: sp.sloUrl,
    },
    idp: idp ? { name: idp.name, protocol: idp.protocol, identifier: idp.protocol === 'oidc' ? (idp.issuer ?? '') : idp.entityId, enabled: idp.enabled } : null,
    domains,
    steps: view.steps,
    requiresApproval: link.requiresApproval,
    status: view.status === 'completed' || view.status === 'awaiting-approval' ? view.status : 'open',
    expiresAt: view.expiresAt,
  }
}

/** A slug for the link's IdP: the organization's, then `-2`, `-3`, … where taken. */
async function freeSlug(ctx: RequestContext, organization: OrganizationRow): Promise<string> {
  for (let i = 1; i <= 5; i++) {
    const slug = i === 1 ? `${organization.slug}-sso` : `${organization.slug}-sso-${i}`
    if (!(await findIdp(ctx.db, slug))) return slug
  }
  return `${organization.slug}-sso-${[...ctx.random(3)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

/** What the IT sent in step 3: a metadata URL or file (SAML), the fields by hand (SAML), or an issuer and client (OIDC). */
export interface SetupIdpInput {
  source: 'metadata' | 'manual' | 'oidc'
  product?: string
  metadataUrl?: string
  metadataXml?: string
  entityId?: string
  ssoUrl?: string
  certificates?: string
  issuer?: string
  clientId?: string
  clientSecret?: string
}

/**
 * Step 3: creates the link's IdP (disabled) in its organization, or changes the one it created.
 * Only the named fields are read: nothing else of the admin API (organization, enabled, groups)
 * can be set from a setup link. A changed IdP needs a new test sign-in.
 */
export async function configureSetupIdp(open: OpenSetup, input: SetupIdpInput): Promise<IdpRow> {
  assertChangeable(open)
  const { ctx, link, organization } = open
  const product = setupProduct(input.product)
  const existing = link.idpId ? await getIdp(ctx.db, link.idpId) : null
  const protocol = input.source === 'oidc' ? 'oidc' : 'saml'
  let current: IdpRow | null = existing && existing.organizationId === organization.id ? existing : null
  // Another protocol than the IdP this link made (never enabled): that one goes, a new one comes.
  if (current && current.protocol !== protocol && !current.enabled) {
    await deleteIdp(ctx, current.id, 'setup')
    current = null
  }
  const preset = product?.preset ? ATTRIBUTE_PRESETS[product.preset]?.map : undefined
  // What every IdP a link creates gets: the organization's name, a free slug, its organization, off.
  const newIdp = async (saml: boolean) => ({
    name: organization.name,
    slug: await freeSlug(ctx, organization),
    organizationId: organization.id,
    enabled: false,
    ...(saml && preset ? { attributeMap: preset } : {}),
  })
  let row: IdpRow
  if (input.source === 'metadata') {
    const source = input.metadataXml ? { metadataXml: input.metadataXml } : { metadataUrl: input.metadataUrl ?? '' }
    if (current) {
      const { idp, metadataUrl } = await loadIdpMetadata(source)
      const { name: _name, ...fields } = fieldsFromMetadata(idp, metadataUrl)
      row = await updateIdp(ctx, current.id, fields, 'patch', 'setup')
    } else {
      row = await importIdp(ctx, { ...source, ...(await newIdp(true)) }, 'setup')
    }
  } else if (input.source === 'manual') {
    const fields = {
      entityId: input.entityId ?? '',
      ssoUrl: input.ssoUrl ?? '',
      certificates:
        (input.certificates ?? '').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ??
        [(input.certificates ?? '').trim()].filter(Boolean),
    }
    row = current ? await updateIdp(ctx, current.id, fields, 'patch', 'setup') : await createIdp(ctx, { ...fields, ...(await newIdp(true)) }, 'setup')
  } else {
    const fields = { issuer: input.issuer ?? '', clientId: input.clientId ?? '', ...(input.clientSecret ? { clientSecret: input.clientSecret } : {}) }
    row = current
      ? await updateIdp(ctx, current.id, fields, 'patch', 'setup')
      : await createIdp(ctx, { protocol: 'oidc', ...fields, ...(await newIdp(false)) }, 'setup')
  }
  open.link = (await updateSetupLink(ctx.db, organization.id, link.id, {
    idpId: row.id,
    idpConfiguredAt: ctx.clock(),
    testRequestId: null,
    testPassedAt: null,
  }))!
  await recordAudit(ctx, {
    action: 'setup.idp',
    outcome: 'success',
    idpId: row.id,
    detail: { organizationId: organization.id, linkId: link.id, source: input.source, product: product?.key ?? null },
  })
  return row
}

/** Step 4: claims a domain for the link's organization (pending until its TXT record is found). */
export async function addSetupDomain(open: OpenSetup, domain: unknown): Promise<DomainView> {
  assertChangeable(open)
  // A link claims a few domains, not a land grab: a pending claim blocks every other organization.
  const pending = (await listDomains(open.ctx.db, [open.organization.id])).filter((d) => d.status === 'pending').length
  if (pending >= MAX_PENDING_DOMAINS_PER_LINK)
    throw new AppError(
      'ADMIN_INVALID_FIELD',
      `domain: at most ${MAX_PENDING_DOMAINS_PER_LINK} domains can wait for verification; verify those first, or ask the helpdesk`,
      {
        field: 'domain',
      },
    )
  return domainView(await addDomain(open.ctx, open.organization.id, domain))
}

/** Step 4, "Check now": looks the domain's TXT record up; only the link's own organization's domains. */
export async function checkSetupDomain(open: OpenSetup, domain: string): Promise<DomainView> {
  return domainView(await checkDomain(open.ctx, open.organization.id, domain.slice(0, 253)))
}

/** Step 5: a test sign-in at the link's IdP; its result comes back to this link's page. */
export async function startSetupTest(open: OpenSetup, cookies: Record<string, string>): Promise<BrowserStep> {
  assertChangeable(open)
  const { ctx, link, organization } = open
  const idp = link.idpId ? await getIdp(ctx.db, link.idpId) : null
  if (!idp || idp.organizationId !== organization.id) throw new AppError('SETUP_NOT_READY', 'Configure your IdP first (step 3).', { linkId: link.id })
  const requestId = newRequestId(ctx.random)
  open.link = (await updateSetupLink(ctx.db, organization.id, link.id, { testRequestId: requestId }))!
  await recordAudit(ctx, {
    action: 'setup.test',
    outcome: 'success',
    idpId: idp.id,
    detail: { organizationId: organization.id, linkId: link.id, started: true },
  })
  return startSignIn(ctx, idp, `/sso/setup/${open.token}`, cookies, { test: true, requestId })
}

/** The result of this link's latest test sign-in (null for any other); a pass is recorded. */
export async function setupTestResult(open: OpenSetup, requestId: string): Promise<TestResult | null> {
  const { ctx, link, organization } = open
  if (!link.testRequestId || requestId !== link.testRequestId) return null
  const result = await getTestResult(ctx.kv, requestId)
  if (!result || result.idpId !== link.idpId) return null
  if (result.ok && !link.testPassedAt) {
    open.link = (await updateSetupLink(ctx.db, organization.id, link.id, { testPassedAt: ctx.clock() }))!
    await recordAudit(ctx, {
      action: 'setup.test',
      outcome: 'success',
      idpId: link.idpId,
      detail: { organizationId: organization.id, linkId: link.id, passed: true },
    })
  }
  return result
}

/**
 * Step 6: with a verified domain and a passed test, the IdP goes live, or waits for the admin's
 * approval when the link asks for it. SETUP_NOT_READY says what is missing.
 */
export async function activateSetup(open: OpenSetup): Promise<'active' | 'submitted'> {
  assertChangeable(open)
  const { ctx, link, organization } = open
  const missing: string[] = []
  if (!link.idpId) missing.push('configure your IdP (step 3)')
  if (!(await listDomains(ctx.db, [organization.id])).some((d) => d.status === 'verified')) missing.push('verify a domain (step 4)')
  if (!link.testPassedAt) missing.push('pass a test sign-in (step 5)')
  if (missing.length) throw new AppError('SETUP_NOT_READY', `Not yet: ${missing.join(', ')}.`, { linkId: link.id, missing })
  const idp = await getIdp(ctx.db, link.idpId!)
  // The link's own IdP, still in its organization (an admin may have moved or deleted it since).
  if (!idp || idp.organizationId !== organization.id) throw new AppError('SETUP_NOT_READY', 'Configure your IdP first (step 3).', { linkId: link.id })
  const now = ctx.clock()
  if (link.requiresApproval) {
    open.link = (await updateSetupLink(ctx.db, organization.id, link.id, { submittedAt: now }))!
    await recordAudit(ctx, { action: 'setup.submit', outcome: 'success', idpId: idp.id, detail: { organizationId: organization.id, linkId: link.id } })
    return 'submitted'
  }
  await storeIdpUpdate(ctx.db, idp.id, { enabled: true }, now)
  open.link = (await updateSetupLink(ctx.db, organization.id, link.id, { completedAt: now }))!
  await recordAudit(ctx, { action: 'setup.activate', outcome: 'success', idpId: idp.id, detail: { organizationId: organization.id, linkId: link.id } })
  await emitSetupCompleted(ctx, { id: link.id, organizationName: organization.name }, idp, 'setup')
  return 'active'
}
