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
import { confirmFirst, redirectTo, type BrowserStep } from '../navigation'
import { encodeRedirectBinding } from '../saml/bindings'
import { buildLogoutResponse, parseLogoutRequest, STATUS_SUCCESS } from '../saml/logout'
import { resubmission, type ReceivedMessage } from '../saml/received-message'
import { findSamlApp } from '../store/apps'
import { consumeOnce, logoutRequestIssuer } from '../store/replay'
import { getSettings } from '../store/settings'
import { putBrokerPending, takeBrokerPending } from '../store/broker-pending'
import { newRequestId } from '../sso/login-state'
import { startIdpLogout } from '../sso/logout'
import { endSession } from '../sso/sessions'
import { withQuery } from '../sso/sign-in'
import { signingKey } from '../sso/signing-key'
import { brokerEndpoints } from './endpoints'
import { enabledSamlApp } from './sign-on'

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
  await putBrokerPending(ctx.kv, key, { appId: app.id, requestId: info.id, relayState: info.relayState })
  const { session, cookie } = await endSession(ctx, cookies)
  trail.idpId = session?.idpId ?? null
  trail.subject = session?.subject ?? null
  await recordAudit(ctx, { action: 'logout.app-initiated', outcome: 'success', idpId: trail.idpId, subject: trail.subject, detail: { appId: app.id } })
  const done = `/sso/idp/slo/done/${key}`
  const upstream = session ? await startIdpLogout(ctx, session, done) : null
  return upstream ? { navigation: upstream.navigation, cookies: [cookie, ...upstream.cookies] } : { navigation: redirectTo(done), cookies: [cookie] }
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
    statusCode: STATUS_SUCCESS,
  })
  const query = await encodeRedirectBinding({ xml, param: 'SAMLResponse', relayState: pending.relayState, signing: { privateKey: signing.privateKey } })
  return { navigation: redirectTo(withQuery(sloUrl, query)), cookies: [] }
}
