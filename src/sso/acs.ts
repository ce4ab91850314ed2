/**
 * The Assertion Consumer Service: finds the pending login a response answers (or, unsolicited,
 * the IdP its Issuer names), validates it with the SAML core (one parse, the IdP chosen by a
 * resolver), consumes it once, applies the attribute map, allowed groups and the organization's
 * email authority (sso/tenancy.ts), then starts the portal session. Test-connection runs keep their result for the admin and sign nobody in.
 * Trusts only what the core verified; the login state only through its MAC and this browser's cookie.
 */
import { auditFailure, recordAudit, type AuditTrail } from '../audit/record'
import type { RequestContext } from '../context'
import { AppError, errorCode, errorDetail, errorInfo } from '../errors'
import { redirectTo, type BrowserStep, type CookieChange } from '../navigation'
import {
  isSamlError,
  mapIdentity,
  offeredSigningCertificate,
  validateSamlResponse,
  type MappedIdentity,
  type ResolvedIdp,
  type ResponseHints,
} from '../saml/index'
import { findIdpWithTenant, markIdpTested, type IdpRow, type IdpWithTenant } from '../store/idps'
import type { OrganizationRow } from '../store/organizations'
import { AUTHN_REQUEST_ISSUER, consumeOnce, releaseConsumed } from '../store/replay'
import { decryptionKeys } from '../store/sp-keys'
import { putTestResult } from '../store/test-results'
import { clearLoginState, LOGIN_STATE_TTL_SECONDS, readLoginStates, type LoginState } from './login-state'
import { safeReturnTo } from './return-to'
import { startSession } from './sessions'
import { spEndpoints, type SpEndpoints } from './sp-endpoints'
import { assertGroupsAllowed, assertUsableNameId, emailAuthority, subjectOf, verifiedDomainNames, type EmailAuthority } from './tenancy'

/** Replay rows live at least as long as a login state (a replayed AuthnRequest ID must stay refused while its cookie lives). */
export const MIN_REPLAY_WINDOW_MS = LOGIN_STATE_TTL_SECONDS * 1000

export interface AcsInput {
  samlResponse: string
  relayState: string | null
  cookies: Record<string, string>
}

interface Resolved {
  idp: IdpRow
  organization: OrganizationRow
  /** The organization's verified domains, read with the IdP (email authority). */
  verifiedDomains: string[]
  state: LoginState | null
}

/** The IdP and pending login a response belongs to, from its unverified hints. */
async function resolve(ctx: RequestContext, hints: ResponseHints, states: LoginState[]): Promise<Resolved> {
  let found: IdpWithTenant | null
  let state: LoginState | null = null
  // The IdP, its organization and its domains in one D1 call (store/idps.ts).
  if (hints.inResponseTo) {
    // Bound to this browser: only a pending login whose cookie this browser holds counts.
    state = states.find((s) => s.requestId === hints.inResponseTo) ?? null
    if (!state) throw new AppError('LOGIN_STATE_MISSING', undefined, { inResponseTo: hints.inResponseTo, pendingLogins: states.length })
    found = await findIdpWithTenant(ctx.db, { id: state.idpId })
    if (!found) throw new AppError('LOGIN_IDP_NOT_FOUND', undefined, { idpId: state.idpId })
  } else {
    found = hints.issuer ? await findIdpWithTenant(ctx.db, { entityId: hints.issuer }) : null
    if (!found) throw new AppError('LOGIN_UNKNOWN_ISSUER', undefined, { issuer: hints.issuer })
  }
  const { idp, organization, domains } = found
  // An OIDC IdP's entity ID is the gateway's own name for it: no SAML response speaks for it.
  if (idp.protocol !== 'saml') throw new AppError('LOGIN_UNKNOWN_ISSUER', undefined, { issuer: hints.issuer, idpId: idp.id })
  if (!organization) throw new AppError('LOGIN_IDP_NOT_FOUND', undefined, { idpId: idp.id, organizationId: idp.organizationId })
  return { idp, organization, verifiedDomains: verifiedDomainNames(domains), state }
}

/** The clock skew this IdP's responses are checked with: its own, else the gateway default. */
function skewSecondsOf(idp: IdpRow, sp: SpEndpoints): number {
  return idp.clockSkewSeconds ?? sp.settings.clockSkewSeconds
}

/** POST /sso/acs. Throws the typed error of any rejection (audited by the error handler), except in test mode. */
export async function acceptSamlResponse(ctx: RequestContext, trail: AuditTrail, input: AcsInput): Promise<BrowserStep> {
  if (!input.samlResponse) throw new AppError('BAD_REQUEST', 'SAMLResponse is missing')
  const now = ctx.clock()
  const sp = await spEndpoints(ctx)
  const states = await readLoginStates(ctx.secret, input.cookies, now)
  const found: Partial<Resolved> = {}
  // What a verified response carried, for a test run refused after verification (groups, email).
  let received: { nameId: string; attributes: Record<string, string[]> } | null = null
  // What the resolver gave the core, to check a test's "signed by another certificate" offer with.
  let policy: ResolvedIdp | null = null
  try {
    const result = await validateSamlResponse({
      samlResponse: input.samlResponse,
      sp: { entityId: sp.entityId, acsUrl: sp.acsUrl },
      now,
      idp: async (hints) => {
        const { idp, organization, verifiedDomains, state } = await resolve(ctx, hints, states)
        Object.assign(found, { idp, organization, verifiedDomains, state })
        trail.idpId = idp.id
        if (state?.test) trail.action = 'login.test'
        if (!idp.enabled && !state?.test) throw new AppError('LOGIN_IDP_DISABLED', undefined, { idpId: idp.id })
        if (!organization.enabled && !state?.test) throw new AppError('LOGIN_ORGANIZATION_DISABLED', undefined, { organizationId: organization.id })
        return (policy = {
          idp: { entityId: idp.entityId, certificates: idp.certificates },
          expectedRequestId: state?.requestId ?? null,
          allowIdpInitiated: idp.allowIdpInitiated,
          clockSkewSeconds: skewSecondsOf(idp, sp),
          allowSha1: idp.allowSha1 || sp.settings.allowSha1,
          decryptionKeys: hints.hasEncryptedAssertion ? await decryptionKeys(ctx.db, ctx.secret, now) : [],
          requireSignedAssertion: idp.wantAssertionsSigned,
        })
      },
    })
    const { idp, organization, verifiedDomains, state } = found as Resolved
    received = { nameId: result.nameId, attributes: result.attributes }
    assertUsableNameId(result.nameId)
    trail.subject = subjectOf(idp.slug, result.nameId)
    const cookies: CookieChange[] = []
    // Single use: the login state, then the assertion (unique inserts in D1). The row is kept for as
    // long as the core would still accept the assertion: its NotOnOrAfter plus the skew allowed.
    const acceptedUntil = Date.parse(result.notOnOrAfter) + skewSecondsOf(idp, sp) * 1000
    const expiresAt = new Date(Math.max(acceptedUntil, now.getTime() + MIN_REPLAY_WINDOW_MS))
    if (state) {
      cookies.push(clearLoginState(state.requestId))
      if (!(await consumeOnce(ctx.db, AUTHN_REQUEST_ISSUER, state.requestId, expiresAt, now)))
        throw new AppError('SAML_REPLAY', undefined, { requestId: state.requestId })
    }
    if (!(await consumeOnce(ctx.db, result.issuer, result.assertionId, expiresAt, now))) {
      throw new AppError('SAML_REPLAY', undefined, { assertionId: result.assertionId, issuer: result.issuer })
    }
    const identity = mapIdentity(result, idp.attributeMap)
    // No groups attribute means no groups: denied when a list is set (Entra drops groups > 150).
    assertGroupsAllowed(idp.allowedGroups, identity.groups)
    // Email authority: the IdP may vouch only for addresses in its organization's verified domains.
    const authority = await emailAuthority(ctx, organization, identity.email, verifiedDomains)

    if (state?.test) {
      await recordAudit(ctx, { action: 'login.test', outcome: 'success', idpId: idp.id, subject: trail.subject, detail: { test: true } })
      await putTestResult(ctx.kv, state.requestId, { ok: true, idpId: idp.id, result, identity: { ...identity, email: authority.email } })
      await markIdpTested(ctx.db, idp.id, now)
      return { navigation: redirectTo(testResultPath(idp, state), 303), cookies }
    }

    try {
      cookies.push(await startSession(ctx, input.cookies, newSession(idp, organization, result, identity, authority, sp, now)))
    } catch (err) {
      // The session could not be written: give the IDs back, so the same response can be retried.
      if (errorCode(err) === 'STORAGE_UNAVAILABLE') await releaseLogin(ctx, result, state)
      throw err
    }
    await recordAudit(ctx, {
      action: 'login',
      outcome: 'success',
      idpId: idp.id,
      subject: trail.subject,
      detail: {
        organizationId: organization.id,
        email: authority.email,
        emailVerified: authority.verified,
        groups: identity.groups,
        warnings: result.warnings,
        signed: result.signedParts,
      },
    })
    // IdP-initiated: RelayState is an untrusted path; SP-initiated: the stored return path.
    return { navigation: redirectTo(state ? state.returnTo : safeReturnTo(input.relayState), 303), cookies }
  } catch (err) {
    const { idp, state } = found
    // A test run shows its failure to the admin instead of the customer's error page.
    // (A storage outage is not the IdP's result: it fails the test as any request, unshown on the page.)
    if (state?.test && idp && (err instanceof AppError || isSamlError(err)) && errorCode(err) !== 'STORAGE_UNAVAILABLE') {
      await auditFailure(ctx, trail, err)
      const code = errorCode(err)
      // Refused after the signature verified: show what the IdP sent too, so the fix is visible.
      const detail = {
        ...errorDetail(err),
        ...(received ? { receivedNameId: received.nameId, receivedAttributes: received.attributes } : {}),
        ...(policy ? await certificateOffer(err, input.samlResponse, policy, sp, now) : {}),
      }
      await putTestResult(ctx.kv, state.requestId, { ok: false, idpId: idp.id, code, detail, hint: errorInfo(code).admin ?? null })
      return { navigation: redirectTo(testResultPath(idp, state), 303), cookies: [] }
    }
    throw err
  }
}

/**
 * A test refused only because the IdP signed with a certificate the admin has not configured: the
 * certificate its KeyInfo names, offered (with its fingerprint) when the whole response validates
 * with it. Never trusted here: the admin decides, on the result page (admin/idps.ts trustTestCertificate).
 */
async function certificateOffer(err: unknown, samlResponse: string, policy: ResolvedIdp, sp: SpEndpoints, now: Date): Promise<{ offeredCertificate?: string }> {
  if (!isSamlError(err) || err.code !== 'SAML_SIGNATURE_INVALID' || err.detail.reason !== 'signature value') return {}
  const offered = offeredSigningCertificate(samlResponse)
  if (!offered) return {}
  try {
    await validateSamlResponse({
      ...policy,
      samlResponse,
      sp: { entityId: sp.entityId, acsUrl: sp.acsUrl },
      now,
      idp: { ...policy.idp, certificates: [offered] },
    })
    return { offeredCertificate: offered }
  } catch {
    return {}
  }
}

/** Releases what a login consumed (best effort: storage may still be failing). */
async function releaseLogin(ctx: RequestContext, result: { issuer: string; assertionId: string }, state: LoginState | null): Promise<void> {
  try {
    await releaseConsumed(ctx.db, result.issuer, result.assertionId)
    if (state) await releaseConsumed(ctx.db, AUTHN_REQUEST_ISSUER, state.requestId)
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', msg: 'replay rows not released', requestId: ctx.requestId, error: String(err) }))
  }
}

/** Where a test sign-in's result is shown: the setup link's page that started it, else the admin console. */
export function testResultPath(idp: IdpRow, state: LoginState): string {
  if (state.returnTo.startsWith('/sso/setup/')) return `${state.returnTo}/test/${state.requestId}`
  return `/sso/admin/idps/${idp.id}/test/${state.requestId}`
}

function newSession(
  idp: IdpRow,
  organization: OrganizationRow,
  result: Awaited<ReturnType<typeof validateSamlResponse>>,
  identity: MappedIdentity,
  authority: EmailAuthority,
  sp: SpEndpoints,
  now: Date,
) {
  const lifetimeMs = sp.settings.sessionLifetimeSeconds * 1000
  // The IdP may cap the session (AuthnStatement SessionNotOnOrAfter, core §2.7.2).
  const idpCap = result.sessionNotOnOrAfter ? Date.parse(result.sessionNotOnOrAfter) : Number.POSITIVE_INFINITY
  return {
    idpId: idp.id,
    idpSlug: idp.slug,
    organizationId: organization.id,
    organizationSlug: organization.slug,
    subject: subjectOf(idp.slug, result.nameId),
    nameId: result.nameId,
    nameIdFormat: result.nameIdFormat,
    sessionIndex: result.sessionIndex,
    authnContextClassRef: result.authnContextClassRef,
    email: authority.email,
    emailVerified: authority.verified,
    displayName: identity.displayName ?? ([identity.firstName, identity.lastName].filter(Boolean).join(' ') || null),
    groups: identity.groups,
    createdAt: now.getTime(),
    expiresAt: Math.min(now.getTime() + lifetimeMs, idpCap),
  }
}
