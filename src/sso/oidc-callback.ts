/**
 * GET /sso/oidc/callback: the end of an OIDC sign-in. The `state` must name a pending OIDC login
 * this browser holds (its login-state cookie), and is consumed once before anything else, so a
 * replayed callback never reaches the provider. Then the code is exchanged (with the PKCE
 * verifier from that cookie), the ID token validated against the discovered issuer, client ID,
 * nonce and JWKS, userinfo read when the token lacks claims, and the same rules as for a SAML
 * response applied: an unverified email is refused, a Google account must belong to one of the
 * organization's verified hosted domains, allowedGroups, the organization's email authority, the
 * namespaced subject `<slug>:<sub>`. Test runs keep their result (claims and userinfo) for the admin.
 */
import { auditFailure, recordAudit, type AuditTrail } from '../audit/record'
import type { RequestContext } from '../context'
import { AppError, errorCode, errorDetail, errorInfo } from '../errors'
import { redirectTo, type BrowserStep, type CookieChange } from '../navigation'
import { oidcIdentity, type OidcIdentity } from '../oidc/claims'
import { validateIdToken } from '../oidc/id-token'
import { providerKeys } from '../oidc/jwks'
import { exchangeCode, type ClientAuth } from '../oidc/token'
import { fetchUserinfo, lacksClaims } from '../oidc/userinfo'
import { clientSecretOf, findIdp, markIdpTested, type IdpRow } from '../store/idps'
import { getOrganization } from '../store/organizations'
import { AUTHN_REQUEST_ISSUER, consumeOnce } from '../store/replay'
import { putTestResult } from '../store/test-results'
import { MIN_REPLAY_WINDOW_MS, testResultPath } from './acs'
import { clearLoginState, newRequestId, readLoginStates } from './login-state'
import { CLIENT_ASSERTION_ALG, clientAssertionKey } from './oidc-client-key'
import { oidcRedirectUri } from './oidc-sign-in'
import { startSession } from './sessions'
import { spEndpoints } from './sp-endpoints'
import { assertGroupsAllowed, assertHostedDomain, assertUsableNameId, emailAuthority, subjectOf } from './tenancy'

/** An ID token longer than this is not kept for id_token_hint (the session stays small). */
export const MAX_KEPT_ID_TOKEN_LENGTH = 8192

export interface OidcCallbackInput {
  /** The IdP the redirect URI names (`?idp=<slug>`): it must be the one this state's sign-in went to. */
  idp: string | null
  /** RFC 9207: the issuer of the authorization response, when the provider sends it. */
  iss: string | null
  state: string | null
  code: string | null
  /** The provider's refusal instead of a code (RFC 6749 §4.1.2.1). */
  error: string | null
  errorDescription: string | null
  cookies: Record<string, string>
}

const clip = (v: string | null, n: number) => (v === null ? null : v.slice(0, n))

/** How the gateway authenticates at the token endpoint, as the IdP is configured. */
async function clientAuth(ctx: RequestContext, idp: IdpRow): Promise<ClientAuth> {
  if (idp.tokenEndpointAuth === 'private_key_jwt') {
    const key = await clientAssertionKey(ctx)
    return { method: 'private_key_jwt', privateKey: key.privateKey, keyId: key.keyId, x5t: key.x5t, alg: CLIENT_ASSERTION_ALG }
  }
  const clientSecret = await clientSecretOf(ctx.secret, idp)
  if (!clientSecret) throw new AppError('OIDC_TOKEN_EXCHANGE_FAILED', 'No client secret is stored for this IdP', { idpId: idp.id })
  return { method: idp.tokenEndpointAuth, clientSecret }
}

export async function acceptOidcCallback(ctx: RequestContext, trail: AuditTrail, input: OidcCallbackInput): Promise<BrowserStep> {
  const now = ctx.clock()
  const states = await readLoginStates(ctx.secret, input.cookies, now)
  // Bound to this browser: a state from another browser (or none) names no pending login here.
  const state = input.state ? states.find((s) => s.requestId === input.state && s.oidc) : undefined
  if (!state?.oidc) throw new AppError('LOGIN_STATE_MISSING', undefined, { state: clip(input.state, 64), pendingLogins: states.length })
  const idp = await findIdp(ctx.db, state.idpId)
  if (!idp || idp.protocol !== 'oidc' || !idp.oidcEndpoints || !idp.issuer || !idp.clientId)
    throw new AppError('LOGIN_IDP_NOT_FOUND', undefined, { idpId: state.idpId })
  trail.idpId = idp.id
  if (state.test) trail.action = 'login.test'
  // An answer brought back for another IdP (a mix-up: another tenant's provider relaying this
  // IdP's code, or the reverse): refused before anything is consumed or sent anywhere.
  if (input.idp !== idp.slug || (input.iss !== null && input.iss !== idp.issuer))
    throw new AppError('OIDC_IDP_MISMATCH', undefined, {
      expected: { idp: idp.slug, iss: idp.issuer },
      received: { idp: clip(input.idp, 64), iss: clip(input.iss, 256) },
    })
  const organization = await getOrganization(ctx.db, idp.organizationId)
  if (!organization) throw new AppError('LOGIN_IDP_NOT_FOUND', undefined, { idpId: idp.id, organizationId: idp.organizationId })
  const endpoints = idp.oidcEndpoints
  const cookies: CookieChange[] = [clearLoginState(state.requestId)]
  let claims: Record<string, unknown> | null = null
  let userinfo: Record<string, unknown> | null = null
  try {
    if (!idp.enabled && !state.test) throw new AppError('LOGIN_IDP_DISABLED', undefined, { idpId: idp.id })
    if (!organization.enabled && !state.test) throw new AppError('LOGIN_ORGANIZATION_DISABLED', undefined, { organizationId: organization.id })
    // Single use, before the code goes anywhere: a replayed callback (same state, same cookie) stops here.
    if (!(await consumeOnce(ctx.db, AUTHN_REQUEST_ISSUER, state.requestId, new Date(now.getTime() + MIN_REPLAY_WINDOW_MS), now)))
      throw new AppError('OIDC_REPLAY', undefined, { state: state.requestId })
    if (input.error !== null)
      throw new AppError('OIDC_PROVIDER_ERROR', undefined, { error: clip(input.error, 64), description: clip(input.errorDescription, 256) })
    if (!input.code) throw new AppError('BAD_REQUEST', 'The callback has no code')

    const tokens = await exchangeCode({
      tokenEndpoint: endpoints.tokenEndpoint,
      clientId: idp.clientId,
      code: input.code,
      redirectUri: oidcRedirectUri(ctx.origin, idp.slug),
      codeVerifier: state.oidc.codeVerifier,
      auth: await clientAuth(ctx, idp),
      now,
      jti: newRequestId(ctx.random),
    })
    const sp = await spEndpoints(ctx)
    claims = await validateIdToken(tokens.idToken, {
      issuer: idp.issuer,
      clientId: idp.clientId,
      nonce: state.oidc.nonce,
      keys: providerKeys(endpoints.jwksUri),
      skewSeconds: idp.clockSkewSeconds ?? sp.settings.clockSkewSeconds,
      now,
    })
    const subject = subjectOf(idp.slug, claims.sub as string)
    assertUsableNameId(claims.sub as string)
    trail.subject = subject
    // Userinfo only when the token lacks what the gateway maps: its email (or its verification), or groups an allow-list needs.
    const emailClaim = idp.claimsMap.email ?? 'email'
    const needed = [emailClaim, ...(claims[emailClaim] !== undefined && claims.xms_edov === undefined ? ['email_verified'] : [])]
    if (idp.allowedGroups.length > 0) needed.push(idp.claimsMap.groups ?? 'groups')
    if (endpoints.userinfoEndpoint && tokens.accessToken && lacksClaims(claims, needed))
      userinfo = await fetchUserinfo(endpoints.userinfoEndpoint, tokens.accessToken)
    const identity = oidcIdentity(claims, userinfo, idp.claimsMap)
    // An address the provider has not verified could be anyone's (nOAuth): refused, not silently dropped.
    if (identity.emailClaimed && !identity.emailVerified)
      throw new AppError('OIDC_EMAIL_UNVERIFIED', undefined, { received: identity.emailClaimed, emailVerified: (userinfo ?? claims).email_verified ?? null })
    await assertHostedDomain(ctx, organization, idp.issuer, identity.hostedDomain)
    assertGroupsAllowed(idp.allowedGroups, identity.groups, identity.groupsOverage ? { groupsOverage: true } : {})
    const authority = await emailAuthority(ctx, organization, identity.email)

    if (state.test) {
      await recordAudit(ctx, { action: 'login.test', outcome: 'success', idpId: idp.id, subject, detail: { test: true, protocol: 'oidc' } })
      await putTestResult(ctx.kv, state.requestId, { ok: true, protocol: 'oidc', idpId: idp.id, claims, userinfo, identity: mapped(identity, authority.email) })
      await markIdpTested(ctx.db, idp.id, ctx.clock())
      return { navigation: redirectTo(testResultPath(idp, state), 303), cookies }
    }

    const lifetimeMs = sp.settings.sessionLifetimeSeconds * 1000
    cookies.push(
      await startSession(ctx, input.cookies, {
        idpId: idp.id,
        idpSlug: idp.slug,
        organizationId: organization.id,
        organizationSlug: organization.slug,
        subject,
        nameId: claims.sub as string,
        nameIdFormat: null,
        sessionIndex: typeof claims.sid === 'string' ? claims.sid.slice(0, 256) : null,
        // An acr that is a URI passes on as the broker's AuthnContextClassRef; "0", "1" or "2" mean nothing there.
        authnContextClassRef: typeof claims.acr === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(claims.acr) ? claims.acr.slice(0, 256) : null,
        email: authority.email,
        emailVerified: authority.verified,
        displayName: identity.displayName ?? ([identity.firstName, identity.lastName].filter(Boolean).join(' ') || null),
        groups: identity.groups,
        createdAt: now.getTime(),
        expiresAt: now.getTime() + lifetimeMs,
        ...(tokens.idToken.length <= MAX_KEPT_ID_TOKEN_LENGTH ? { idToken: tokens.idToken } : {}),
      }),
    )
    await recordAudit(ctx, {
      action: 'login',
      outcome: 'success',
      idpId: idp.id,
      subject,
      detail: {
        protocol: 'oidc',
        organizationId: organization.id,
        email: authority.email,
        emailVerified: authority.verified,
        groups: identity.groups,
        userinfo: userinfo !== null,
      },
    })
    return { navigation: redirectTo(state.returnTo, 303), cookies }
  } catch (err) {
    // A test run shows its failure (and what the provider sent) to the admin instead of the customer's error page.
    if (state.test && err instanceof AppError && err.code !== 'STORAGE_UNAVAILABLE') {
      await auditFailure(ctx, trail, err)
      const code = errorCode(err)
      const detail = { ...errorDetail(err), ...(claims ? { idTokenClaims: claims } : {}), ...(userinfo ? { userinfo } : {}) }
      await putTestResult(ctx.kv, state.requestId, { ok: false, idpId: idp.id, code, detail, hint: errorInfo(code).admin ?? null })
      return { navigation: redirectTo(testResultPath(idp, state), 303), cookies }
    }
    throw err
  }
}

function mapped(identity: OidcIdentity, email: string | null) {
  return { email, firstName: identity.firstName, lastName: identity.lastName, displayName: identity.displayName, groups: identity.groups }
}
