/**
 * Freshworks (Freshdesk / Freshservice) custom JWT SSO: the helpdesk sends the customer to our
 * login URL with `redirect_uri`, `state` and `nonce`; we answer with
 * `redirect_uri?state=…&id_token=<RS256 JWT>` signed with the gateway's SP signing key, whose
 * public key the admin pastes into Freshworks. redirect_uri must be one the admin registered.
 */
import { importPKCS8, SignJWT } from 'jose'
import { recordAudit, type AuditTrail } from '../audit/record'
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { redirectTo, type BrowserStep } from '../navigation'
import type { FreshworksConfig } from '../store/app-configs'
import { findEnabledApp } from '../store/apps'
import { currentSession, type LiveSession } from '../sso/sessions'
import { signInFirst } from '../sso/sign-in'
import { signingKey } from '../sso/signing-key'

export const FRESHWORKS_TOKEN_TTL_SECONDS = 300

/** True when `redirectUri` is exactly one of the registered callback URLs. */
export function isRegisteredRedirect(config: FreshworksConfig, redirectUri: string): boolean {
  return config.redirectUris.includes(redirectUri)
}

/** The id_token: `sub` is the namespaced subject; `email` only an email in a domain verified for the user's organization (Freshworks keys users by it). */
export async function signFreshworksToken(
  session: LiveSession,
  input: { nonce: string | null; audience: string | null; now: Date; privateKeyPem: string; keyId: string },
): Promise<string> {
  if (!session.email) throw new AppError('HANDOFF_EMAIL_REQUIRED', undefined, { idpId: session.idpId })
  // Freshworks keys users by email: an email the organization only trusts (trustAnyEmail) is never sent.
  if (!session.emailVerified) throw new AppError('HANDOFF_EMAIL_UNVERIFIED', undefined, { helpdesk: 'freshworks', organizationId: session.organizationId })
  const key = await importPKCS8(input.privateKeyPem, 'RS256')
  const [given, ...rest] = (session.displayName ?? '').split(' ')
  const iat = Math.floor(input.now.getTime() / 1000)
  const jwt = new SignJWT({
    email: session.email,
    name: session.displayName ?? session.email,
    ...(given ? { given_name: given } : {}),
    ...(rest.length ? { family_name: rest.join(' ') } : {}),
    ...(input.nonce ? { nonce: input.nonce } : {}),
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: input.keyId })
    .setSubject(session.subject)
    .setIssuedAt(iat)
    .setExpirationTime(iat + FRESHWORKS_TOKEN_TTL_SECONDS)
  if (input.audience) jwt.setAudience(input.audience)
  return jwt.sign(key)
}

/** The query Freshworks sends to our login URL. */
export interface FreshworksRequest {
  app: string | undefined
  redirectUri: string
  state: string
  nonce: string | undefined
  clientId: string | undefined
  /** Path and query of this request, to come back to after sign-in. */
  path: string
}

/** GET /sso/handoff/freshworks: an RS256 id_token back to a registered redirect_uri. */
export async function handOffToFreshworks(
  ctx: RequestContext,
  trail: AuditTrail,
  request: FreshworksRequest,
  cookies: Record<string, string>,
): Promise<BrowserStep> {
  const app = await findEnabledApp(ctx.db, 'freshworks', request.app)
  if (!app) throw new AppError('HANDOFF_APP_NOT_FOUND')
  // Checked before sign-in: an unregistered redirect_uri must never receive a token.
  if (!isRegisteredRedirect(app.config, request.redirectUri))
    throw new AppError('HANDOFF_REDIRECT_NOT_ALLOWED', undefined, { redirectUri: request.redirectUri })
  if (!request.state || request.state.length > 2048) throw new AppError('BAD_REQUEST', 'state is required')
  const session = await currentSession(ctx, cookies)
  if (!session) return signInFirst(request.path)
  trail.idpId = session.idpId
  trail.subject = session.subject
  const key = await signingKey(ctx, 'freshworks')
  const idToken = await signFreshworksToken(session, {
    nonce: request.nonce ?? null,
    audience: request.clientId ?? null,
    now: ctx.clock(),
    privateKeyPem: key.privateKeyPem,
    keyId: key.id,
  })
  await recordAudit(ctx, { action: 'handoff.freshworks', outcome: 'success', idpId: session.idpId, subject: session.subject, detail: { appId: app.id } })
  const target = new URL(request.redirectUri)
  target.searchParams.set('state', request.state)
  target.searchParams.set('id_token', idToken)
  return { navigation: redirectTo(target.toString()), cookies: [] }
}
