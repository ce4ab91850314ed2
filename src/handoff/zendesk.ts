/**
 * Zendesk JWT single sign-on ("remote login"): after sign-in the gateway POSTs an HS256 JWT to
 * https://<subdomain>.zendesk.com/access/jwt with Zendesk's claims (iat, jti, name, email,
 * external_id, organization, tags). Zendesk refuses tokens older than 3 minutes and reused jti.
 */
import { SignJWT } from 'jose'
import { recordAudit, type AuditTrail } from '../audit/record'
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { autoPost, type BrowserStep } from '../navigation'
import type { ZendeskConfig, ZendeskUserFieldSource } from '../store/app-configs'
import { findEnabledApp, openAppSecret } from '../store/apps'
import { currentSession, type LiveSession } from '../sso/sessions'
import { helpdeskOrganizationFor } from '../sso/tenancy'
import { signInFirst } from '../sso/sign-in'

export function zendeskOrigin(config: ZendeskConfig): string {
  return config.baseUrl ? new URL(config.baseUrl).origin : `https://${config.subdomain}.zendesk.com`
}

/** Zendesk's return_to, only when it points back into the same Zendesk account. */
export function safeZendeskReturnTo(config: ZendeskConfig, value: string | undefined): string | null {
  if (!value) return null
  try {
    const url = new URL(value)
    return url.origin === zendeskOrigin(config) ? url.toString() : null
  } catch {
    return null
  }
}

/**
 * Zendesk's claims for a signed-in user. Zendesk keys users by email: only an email in a domain
 * verified for the user's organization (tenancy.ts) is sent, never one made up from the NameID; `external_id` is the namespaced
 * subject; `organization` is the organization's helpdesk name (or its (IdP, group) refinement).
 */
export function zendeskClaims(session: LiveSession, config: ZendeskConfig, organization: string | null, jti: string, now: Date): Record<string, unknown> {
  if (!session.email) throw new AppError('HANDOFF_EMAIL_REQUIRED', undefined, { idpId: session.idpId })
  // Zendesk signs the holder of this email into that Zendesk user: an email the organization only
  // trusts (trustAnyEmail) could be anyone's, so it is never sent (as in broker mode).
  if (!session.emailVerified) throw new AppError('HANDOFF_EMAIL_UNVERIFIED', undefined, { helpdesk: 'zendesk', organizationId: session.organizationId })
  return {
    iat: Math.floor(now.getTime() / 1000),
    jti,
    email: session.email,
    name: session.displayName || session.email,
    ...(config.externalIdFrom === 'nameId' ? { external_id: session.subject } : {}),
    ...(organization ? { organization } : {}),
    ...(config.tagsFromGroups && session.groups.length ? { tags: session.groups.map((g) => g.replace(/[^\w-]+/g, '_').toLowerCase()) } : {}),
    ...(config.userFields && Object.keys(config.userFields).length ? { user_fields: userFields(session, organization, config.userFields) } : {}),
  }
}

function userFields(session: LiveSession, organization: string | null, sources: Record<string, ZendeskUserFieldSource>): Record<string, string> {
  const value: Record<ZendeskUserFieldSource, string> = {
    idp: session.idpSlug,
    nameId: session.subject,
    subject: session.subject,
    groups: session.groups.join(', '),
    organization: organization ?? '',
  }
  return Object.fromEntries(Object.entries(sources).map(([field, source]) => [field, value[source]]))
}

export async function signZendeskJwt(claims: Record<string, unknown>, sharedSecret: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(sharedSecret))
}

/**
 * GET /sso/handoff/zendesk (Zendesk's "remote login URL"): signs the customer in if needed, then
 * posts Zendesk's HS256 JWT to its /access/jwt endpoint. `query.app` names the app when several exist.
 */
export async function handOffToZendesk(
  ctx: RequestContext,
  trail: AuditTrail,
  request: { app: string | undefined; returnTo: string | undefined; path: string },
  cookies: Record<string, string>,
): Promise<BrowserStep> {
  const app = await findEnabledApp(ctx.db, 'zendesk', request.app)
  if (!app) throw new AppError('HANDOFF_APP_NOT_FOUND')
  const session = await currentSession(ctx, cookies)
  if (!session) return signInFirst(request.path)
  trail.idpId = session.idpId
  trail.subject = session.subject
  const secret = await openAppSecret(ctx.secret, app)
  if (!secret) throw new AppError('HANDOFF_NOT_CONFIGURED', undefined, { appId: app.id })
  // Zendesk refuses a jti it has seen: 128 random bits.
  const jti = [...ctx.random(16)].map((b) => b.toString(16).padStart(2, '0')).join('')
  const organization = await helpdeskOrganizationFor(ctx, session)
  const jwt = await signZendeskJwt(zendeskClaims(session, app.config, organization, jti, ctx.clock()), secret)
  const returnTo = safeZendeskReturnTo(app.config, request.returnTo)
  await recordAudit(ctx, {
    action: 'handoff.zendesk',
    outcome: 'success',
    idpId: session.idpId,
    subject: session.subject,
    detail: { appId: app.id, jti, organization },
  })
  return {
    navigation: autoPost(`${zendeskOrigin(app.config)}/access/jwt`, { jwt, ...(returnTo ? { return_to: returnTo } : {}) }, 'Continuing to the help center…'),
    cookies: [],
  }
}
