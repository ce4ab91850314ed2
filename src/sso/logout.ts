/**
 * Logout with the upstream IdP (SAML profiles §4.4), both bindings. Local logout ends the session
 * here, then SP-initiated SLO sends a signed LogoutRequest whose ID is bound to this browser
 * (MAC'd cookie). At /sso/slo: the IdP's LogoutResponse to that request, or an IdP-initiated
 * LogoutRequest (signature required) that ends every matching session and is answered, signed.
 * An OIDC IdP's sessions end at its end_session_endpoint instead, which sends the browser back
 * to /sso/slo with the state.
 */
import { base64url } from 'jose'
import { recordAudit, type AuditTrail } from '../audit/record'
import type { RequestContext } from '../context'
import { signValue, verifyValue } from '../crypto/mac'
import { AppError } from '../errors'
import { autoPost, clearCookie, confirmFirst, redirectTo, setCookie, type BrowserStep, type CookieChange, type Navigation } from '../navigation'
import { encodeRedirectBinding, signPostMessage } from '../saml/bindings'
import { encodeBase64, utf8Encode } from '../saml/encoding'
import { buildLogoutRequest, buildLogoutResponse, parseLogoutRequest, parseLogoutResponse, STATUS_SUCCESS, type LogoutIssuer } from '../saml/logout'
import type { ReceivedMessage } from '../saml/received-message'
import { findIdpByEntityId, getIdp, type IdpRow } from '../store/idps'
import { consumeOnce, logoutRequestIssuer } from '../store/replay'
import { endSessionsFor, type Session } from '../store/sessions'
import { getSettings, type Settings } from '../store/settings'
import { newRequestId } from './login-state'
import { endSession } from './sessions'
import { withQuery } from './sign-in'
import { subjectOf } from './tenancy'
import { signingKey } from './signing-key'
import { spEndpoints } from './sp-endpoints'

const LOGOUT_COOKIE = '__Host-sso_logout'
const LOGOUT_STATE_TTL_SECONDS = 600
const MAC_PURPOSE = 'logout-state'

interface LogoutState {
  requestId: string
  idpId: string
  /** A same-origin path to continue to once the IdP answered (broker-mode logout fan-out). */
  next: string | null
  expiresAt: number
}

/** What the signed-out page shows (ui/signed-out.tsx). */
export interface SignedOutPageData {
  portalName: string
  accent: string
  idpLoggedOut: boolean
}

/** Either continue at the IdP (or elsewhere), or show the signed-out page. */
export type LogoutOutcome = { kind: 'navigate'; step: BrowserStep } | { kind: 'signed-out'; page: SignedOutPageData; cookies: CookieChange[] }

async function signedOut(ctx: RequestContext, idpLoggedOut: boolean, cookies: CookieChange[]): Promise<LogoutOutcome> {
  const settings = await getSettings(ctx.db)
  return { kind: 'signed-out', page: { portalName: settings.portalName, accent: settings.primaryColor, idpLoggedOut }, cookies }
}

/**
 * GET/POST /sso/logout: ends the session here, then logs out at the IdP when it has an SLO URL.
 * Started by another site (a link or a form elsewhere: `startedHere` false), it only asks the user.
 */
export async function logOut(ctx: RequestContext, cookies: Record<string, string>, startedHere: boolean): Promise<LogoutOutcome> {
  if (!startedHere) {
    const settings = await getSettings(ctx.db)
    const page = { title: 'Sign out?', text: `Do you want to sign out of ${settings.portalName}?`, button: 'Sign out' }
    return {
      kind: 'navigate',
      step: {
        navigation: confirmFirst(
          { method: 'post', action: '/sso/logout', fields: {} },
          { ...page, portalName: settings.portalName, accent: settings.primaryColor },
        ),
        cookies: [],
      },
    }
  }
  const { session, cookie } = await endSession(ctx, cookies)
  if (!session) return signedOut(ctx, false, [cookie])
  await recordAudit(ctx, {
    action: 'logout',
    outcome: 'success',
    idpId: session.idpId,
    subject: session.subject ?? subjectOf(session.idpSlug, session.nameId),
    detail: { initiatedBy: 'user' },
  })
  const upstream = await startIdpLogout(ctx, session)
  return upstream ? { kind: 'navigate', step: { navigation: upstream.navigation, cookies: [cookie, ...upstream.cookies] } } : signedOut(ctx, false, [cookie])
}

/** A signed SAML message to the IdP's SLO endpoint, with the IdP's SLO binding. */
async function sendToIdp(
  ctx: RequestContext,
  idp: IdpRow & { sloUrl: string },
  param: 'SAMLRequest' | 'SAMLResponse',
  xml: string,
  relayState: string | null,
): Promise<Navigation> {
  const key = await signingKey(ctx, 'signing')
  if (idp.sloBinding === 'post') {
    const signed = await signPostMessage(xml, { privateKey: key.privateKey, certificatePem: key.certificatePem })
    return autoPost(
      idp.sloUrl,
      { [param]: encodeBase64(utf8Encode(signed)), ...(relayState ? { RelayState: relayState } : {}) },
      "Continuing to your organization's sign-out…",
    )
  }
  return redirectTo(withQuery(idp.sloUrl, await encodeRedirectBinding({ xml, param, relayState, signing: { privateKey: key.privateKey } })))
}

/** The logout cookie binding `state` to this browser: the IdP's answer must come back to it. */
async function logoutStateCookie(ctx: RequestContext, state: LogoutState): Promise<CookieChange> {
  // SameSite=None: the IdP may answer with a cross-site POST (HTTP-POST binding), where Lax is not sent.
  return setCookie(LOGOUT_COOKIE, await signValue(ctx.secret, MAC_PURPOSE, base64url.encode(utf8Encode(JSON.stringify(state)))), {
    sameSite: 'None',
    maxAge: LOGOUT_STATE_TTL_SECONDS,
  })
}

/**
 * OIDC RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2): the browser goes to the
 * provider's end_session_endpoint with the session's ID token as id_token_hint, our client ID,
 * and /sso/slo as post_logout_redirect_uri with a state bound to this browser.
 */
async function startOidcLogout(ctx: RequestContext, idp: IdpRow, session: Session, next: string | null): Promise<BrowserStep | null> {
  const endpoint = idp.oidcEndpoints?.endSessionEndpoint
  if (!endpoint || !idp.clientId) return null
  const state: LogoutState = { requestId: newRequestId(ctx.random), idpId: idp.id, next, expiresAt: ctx.clock().getTime() + LOGOUT_STATE_TTL_SECONDS * 1000 }
  const url = new URL(endpoint)
  if (session.idToken) url.searchParams.set('id_token_hint', session.idToken)
  url.searchParams.set('client_id', idp.clientId)
  url.searchParams.set('post_logout_redirect_uri', (await spEndpoints(ctx)).sloUrl)
  url.searchParams.set('state', state.requestId)
  return { navigation: redirectTo(url.toString()), cookies: [await logoutStateCookie(ctx, state)] }
}

/**
 * GET /sso/slo?state=…: an OIDC provider back from its end_session_endpoint. Only the state this
 * browser's logout cookie holds counts (the session here already ended; this confirms the IdP's).
 */
export async function finishOidcLogout(ctx: RequestContext, state: string, cookies: Record<string, string>): Promise<LogoutOutcome> {
  const pending = await pendingLogout(ctx, cookies)
  if (!pending || pending.requestId !== state) throw new AppError('LOGIN_STATE_MISSING', undefined, { flow: 'logout' })
  await recordAudit(ctx, { action: 'logout.idp-response', outcome: 'success', idpId: pending.idpId, detail: { protocol: 'oidc' } })
  const cleared = clearCookie(LOGOUT_COOKIE, 'None')
  if (pending.next?.startsWith('/sso/idp/slo/done/')) return { kind: 'navigate', step: { navigation: redirectTo(pending.next), cookies: [cleared] } }
  return signedOut(ctx, true, [cleared])
}

/** SP-initiated SLO for a session that just ended locally; null when the IdP has no SLO URL or end_session_endpoint (or is disabled). */
export async function startIdpLogout(ctx: RequestContext, session: Session, next: string | null = null): Promise<BrowserStep | null> {
  const idp = await getIdp(ctx.db, session.idpId)
  if (!idp?.enabled) return null
  if (idp.protocol === 'oidc') return startOidcLogout(ctx, idp, session, next)
  if (!idp.sloUrl) return null
  const now = ctx.clock()
  const sp = await spEndpoints(ctx)
  const requestId = newRequestId(ctx.random)
  const xml = buildLogoutRequest({
    id: requestId,
    issueInstant: now,
    destination: idp.sloUrl,
    issuer: sp.entityId,
    nameId: session.nameId,
    nameIdFormat: session.nameIdFormat,
    sessionIndex: session.sessionIndex,
  })
  const state: LogoutState = { requestId, idpId: idp.id, next, expiresAt: now.getTime() + LOGOUT_STATE_TTL_SECONDS * 1000 }
  const cookie = await logoutStateCookie(ctx, state)
  return { navigation: await sendToIdp(ctx, { ...idp, sloUrl: idp.sloUrl }, 'SAMLRequest', xml, null), cookies: [cookie] }
}

async function pendingLogout(ctx: RequestContext, cookies: Record<string, string>): Promise<LogoutState | null> {
  const value = cookies[LOGOUT_COOKIE]
  const payload = value ? await verifyValue(ctx.secret, MAC_PURPOSE, value) : null
  if (!payload) return null
  try {
    const state = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as LogoutState
    return state.expiresAt > ctx.clock().getTime() ? state : null
  } catch {
    // MAC'd by us but unreadable (a cookie from an older release): as if there were none.
    return null
  }
}

/** The IdP a logout message claims to come from, as the core's trust resolver wants it. */
async function issuerIdp(ctx: RequestContext, trail: AuditTrail, issuer: string | null, settings: Settings): Promise<LogoutIssuer & { row: IdpRow }> {
  const idp = issuer ? await findIdpByEntityId(ctx.db, issuer) : null
  if (!idp) throw new AppError('LOGIN_UNKNOWN_ISSUER', undefined, { issuer })
  trail.idpId = idp.id
  return {
    entityId: idp.entityId,
    certificates: idp.certificates,
    allowSha1: idp.allowSha1 || settings.allowSha1,
    clockSkewSeconds: idp.clockSkewSeconds ?? settings.clockSkewSeconds,
    row: idp,
  }
}

/** GET/POST /sso/slo: whatever the IdP sent. */
export async function receiveSloMessage(
  ctx: RequestContext,
  trail: AuditTrail,
  message: ReceivedMessage,
  isResponse: boolean,
  cookies: Record<string, string>,
): Promise<LogoutOutcome> {
  const now = ctx.clock()
  const sp = await spEndpoints(ctx)
  if (isResponse) {
    const pending = await pendingLogout(ctx, cookies)
    const info = await parseLogoutResponse(message, {
      sloUrl: sp.sloUrl,
      now,
      expectedRequestId: pending?.requestId ?? '',
      idp: async (issuer) => {
        const idp = await issuerIdp(ctx, trail, issuer, sp.settings)
        if (!pending || pending.idpId !== idp.row.id) throw new AppError('LOGIN_STATE_MISSING', undefined, { flow: 'logout' })
        // Our session is already gone; an unsigned LogoutResponse (many IdPs) can only confirm that.
        return { ...idp, requireSignature: false }
      },
    })
    const ok = info.statusCode === STATUS_SUCCESS
    await recordAudit(ctx, { action: 'logout.idp-response', outcome: ok ? 'success' : 'failure', idpId: info.issuerConfig.row.id, detail: {} })
    const cleared = clearCookie(LOGOUT_COOKIE, 'None')
    // Broker-mode logout continues to the helpdesk that started it.
    if (pending?.next?.startsWith('/sso/idp/slo/done/')) return { kind: 'navigate', step: { navigation: redirectTo(pending.next), cookies: [cleared] } }
    return signedOut(ctx, ok, [cleared])
  }
  // IdP-initiated: it ends sessions, so its signature is required.
  const info = await parseLogoutRequest(message, { sloUrl: sp.sloUrl, now, idp: (issuer) => issuerIdp(ctx, trail, issuer, sp.settings) })
  const idp = info.issuerConfig.row
  trail.subject = subjectOf(idp.slug, info.nameId)
  // Signed, but a captured request replayed within its age limit would end a newer session.
  if (!(await consumeOnce(ctx.db, logoutRequestIssuer(info.issuer), info.id, info.replayUntil, now)))
    throw new AppError('LOGOUT_REPLAY', undefined, { id: info.id.slice(0, 128), issuer: info.issuer.slice(0, 256) })
  const ended = await endSessionsFor(ctx, idp.id, info.nameId, info.sessionIndexes, now)
  if (!idp.sloUrl) throw new AppError('SAML_LOGOUT_INVALID', 'The IdP has no SLO URL to answer to', { idpId: idp.id })
  const xml = buildLogoutResponse({
    id: newRequestId(ctx.random),
    issueInstant: now,
    destination: idp.sloUrl,
    issuer: sp.entityId,
    inResponseTo: info.id,
    statusCode: STATUS_SUCCESS,
  })
  await recordAudit(ctx, { action: 'logout.idp-initiated', outcome: 'success', idpId: idp.id, subject: trail.subject, detail: { sessionsEnded: ended } })
  return { kind: 'navigate', step: { navigation: await sendToIdp(ctx, { ...idp, sloUrl: idp.sloUrl }, 'SAMLResponse', xml, info.relayState), cookies: [] } }
}
