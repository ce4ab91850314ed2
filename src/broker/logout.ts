/**
 * Logout started at a helpdesk (GET|POST /sso/idp/slo): ends the gateway session, fans the
 * logout out to the customer's upstream IdP when it has an SLO URL, then answers the helpdesk
 * with a signed LogoutResponse (/sso/idp/slo/done/:key). Signature required when the app has
 * certificates; an app without any can only ask: unless the request came from a gateway page,
 * the user confirms first. Each LogoutRequest ID is used once. The answer only ever goes to the
 * app's configured SLO URL.
 */
import { recordAudit, type AuditTrail } from '../audit/record'
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { autoPost, confirmFirst, redirectTo, type BrowserStep } from '../navigation'
import { encodeRedirectBinding, signPostMessage } from '../saml/bindings'
import { encodeBase64, utf8Encode } from '../saml/encoding'
import { buildLogoutResponse, parseLogoutRequest, STATUS_REQUESTER, STATUS_SUCCESS, STATUS_UNKNOWN_PRINCIPAL } from '../saml/logout'
import { resubmission, type ReceivedMessage } from '../saml/received-message'
import { findSamlApp } from '../store/apps'
import { consumeOnce, logoutRequestIssuer } from '../store/replay'
import { getSettings } from '../store/settings'
import { putBrokerPending, takeBrokerPending } from '../store/broker-pending'
import { newRequestId } from '../sso/login-state'
import { startIdpLogout } from '../sso/logout'
import { currentSession, endSession, type LiveSession } from '../sso/sessions'
import { withQuery } from '../sso/sign-in'
import { signingKey } from '../sso/signing-key'
import { brokerEndpoints } from './endpoints'
import { brokerNameId, brokerSessionIndex, enabledSamlApp } from './sign-on'
import type { AppOf } from '../store/apps'

type SamlApp = AppOf<'saml'>

export async function receiveAppLogout(
  ctx: RequestContext,
  trail: AuditTrail,
  message: ReceivedMessage,
  cookies: Record<string, string>,
  startedHere: boolean,
): Promise<BrowserStep> {
  const info = await parseLogoutRequest(message, {
    sloUrl: brokerEndpoints(ctx.origin).sloUrl,
    now: ctx.clock(),
    idp: async (issuer) => {
      const app = issuer ? await findSamlApp(ctx.db, issuer) : null
      if (!app) throw new AppError('HANDOFF_APP_NOT_FOUND', undefined, { issuer })
      if (!app.config.sloUrl) throw new AppError('SAML_LOGOUT_INVALID', 'This app has no SLO URL to answer to', { appId: app.id })
      return { app, entityId: app.config.entityId, certificates: app.config.certificates, requireSignature: app.config.certificates.length > 0 }
    },
  })
  const { app } = info.issuerConfig
  // Unsigned (the app has no certificate): any site could have sent it. Ask the user; the
  // button sends the same message again from a gateway page.
  if (!info.signed && !startedHere) {
    const settings = await getSettings(ctx.db)
    const form = { ...resubmission(message, 'SAMLRequest'), action: '/sso/idp/slo' }
    const page = { title: 'Sign out?', text: `${app.name} asks to sign you out of ${settings.portalName}.`, button: 'Sign out' }
    return { navigation: confirmFirst(form, { ...page, portalName: settings.portalName, accent: settings.primaryColor }), cookies: [] }
  }
  if (!(await consumeOnce(ctx.db, logoutRequestIssuer(info.issuer), info.id, info.replayUntil, ctx.clock())))
    throw new AppError('LOGOUT_REPLAY', undefined, { id: info.id.slice(0, 128), appId: app.id })
  const key = newRequestId(ctx.random)
  // The request must name this browser's user (the NameID the app was given) or one of the
  // sessions the broker gave it (SessionIndex); otherwise nothing ends here (UnknownPrincipal).
  const current = await currentSession(ctx, cookies)
  if (current && !(await namesSession(ctx, app, current, info))) {
    await putBrokerPending(ctx.kv, key, { appId: app.id, requestId: info.id, relayState: info.relayState, unknownPrincipal: true })
    await recordAudit(ctx, {
      action: 'logout.app-initiated',
      outcome: 'failure',
      code: 'LOGOUT_UNKNOWN_PRINCIPAL',
      idpId: current.idpId,
      subject: current.subject,
      detail: { appId: app.id, sessionIndexes: info.sessionIndexes.slice(0, 10) },
    })
    return { navigation: redirectTo(`/sso/idp/slo/done/${key}`), cookies: [] }
  }
  await putBrokerPending(ctx.kv, key, { appId: app.id, requestId: info.id, relayState: info.relayState })
  const { session, cookie } = await endSession(ctx, cookies)
  trail.idpId = session?.idpId ?? null
  trail.subject = session?.subject ?? null
  await recordAudit(ctx, { action: 'logout.app-initiated', outcome: 'success', idpId: trail.idpId, subject: trail.subject, detail: { appId: app.id } })
  const done = `/sso/idp/slo/done/${key}`
  const upstream = session ? await startIdpLogout(ctx, session, done) : null
  return upstream ? { navigation: upstream.navigation, cookies: [cookie, ...upstream.cookies] } : { navigation: redirectTo(done), cookies: [cookie] }
}

/** Whether a LogoutRequest names this session: one of our SessionIndexes for it, else the NameID the app gets for it. */
async function namesSession(ctx: RequestContext, app: SamlApp, session: LiveSession, info: { nameId: string; sessionIndexes: string[] }): Promise<boolean> {
  if (info.sessionIndexes.length > 0) return info.sessionIndexes.includes(await brokerSessionIndex(ctx, app, session))
  for (const format of ['email', 'persistent'] as const) {
    const issued = await brokerNameId(ctx, app, session, format).catch(() => null)
    if (issued?.value === info.nameId) return true
  }
  return false
}

/** GET /sso/idp/slo/done/:key: the upstream logout is over (or there was none); answer the helpdesk. */
export async function finishAppLogout(ctx: RequestContext, key: string): Promise<BrowserStep> {
  const pending = await takeBrokerPending(ctx, key, ctx.clock())
  if (!pending || !pending.requestId) throw new AppError('LOGIN_STATE_MISSING', undefined, { flow: 'broker-logout' })
  const app = await enabledSamlApp(ctx, pending.appId)
  const sloUrl = app.config.sloUrl
  if (!sloUrl) throw new AppError('SAML_LOGOUT_INVALID', 'This app has no SLO URL to answer to', { appId: app.id })
  const signing = await signingKey(ctx, 'broker')
  const xml = buildLogoutResponse({
    id: newRequestId(ctx.random),
    issueInstant: ctx.clock(),
    destination: sloUrl,
    issuer: brokerEndpoints(ctx.origin).entityId,
    inResponseTo: pending.requestId,
    statusCode: pending.unknownPrincipal ? STATUS_REQUESTER : STATUS_SUCCESS,
    ...(pending.unknownPrincipal
      ? { subStatusCode: STATUS_UNKNOWN_PRINCIPAL, statusMessage: "The request does not name this browser's user; nothing was ended" }
      : {}),
  })
  // The binding the helpdesk's metadata offers: HTTP-POST (an auto-submitting page) or Redirect.
  if (app.config.sloBinding === 'post') {
    const signed = await signPostMessage(xml, { privateKey: signing.privateKey, certificatePem: signing.certificatePem })
    const fields = { SAMLResponse: encodeBase64(utf8Encode(signed)), ...(pending.relayState ? { RelayState: pending.relayState } : {}) }
    return { navigation: autoPost(sloUrl, fields, 'Continuing to the help desk…'), cookies: [] }
  }
  const query = await encodeRedirectBinding({ xml, param: 'SAMLResponse', relayState: pending.relayState, signing: { privateKey: signing.privateKey } })
  return { navigation: redirectTo(withQuery(sloUrl, query)), cookies: [] }
}
