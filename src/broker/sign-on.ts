/**
 * Broker sign-on: a helpdesk's AuthnRequest (either binding; signature checked when the app has
 * certificates; the response only ever goes to the app's configured ACS URL), or an IdP-initiated
 * launch. A signed-in customer is answered at once with a signed Response; otherwise the request
 * is parked in KV while the customer signs in with their own IdP, then resumed.
 */
import { recordAudit, type AuditTrail } from '../audit/record'
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { autoPost, type BrowserStep } from '../navigation'
import { parseAuthnRequest } from '../saml/broker/authn-request'
import { NAMEID_EMAIL, NAMEID_PERSISTENT } from '../saml/broker/metadata'
import { buildIssuedResponse, encodeIssuedResponse } from '../saml/broker/response'
import { SamlError } from '../saml/errors'
import type { ReceivedMessage } from '../saml/received-message'
import { findEnabledApp, findSamlApp, getApp, type AppOf } from '../store/apps'
import { getBrokerPending, putBrokerPending, takeBrokerPending, type BrokerPending } from '../store/broker-pending'
import { newRequestId } from '../sso/login-state'
import { currentSession, type LiveSession } from '../sso/sessions'
import { signInFirst } from '../sso/sign-in'
import { signingKey } from '../sso/signing-key'
import { helpdeskOrganizationFor } from '../sso/tenancy'
import { signValue } from '../crypto/mac'
import { appAttributes } from './attributes'
import { brokerEndpoints } from './endpoints'

type SamlApp = AppOf<'saml'>

/** Key purpose of the pairwise persistent NameIDs (HKDF info under SSO_SECRET). */
const PAIRWISE_PURPOSE = 'broker-pairwise-nameid'

/** GET|POST /sso/idp/sso: a helpdesk's AuthnRequest. */
export async function receiveAuthnRequest(
  ctx: RequestContext,
  trail: AuditTrail,
  message: ReceivedMessage,
  cookies: Record<string, string>,
): Promise<BrowserStep> {
  const request = await parseAuthnRequest(message, async (issuer) => {
    const app = issuer ? await findSamlApp(ctx.db, issuer) : null
    if (!app) throw new AppError('HANDOFF_APP_NOT_FOUND', undefined, { issuer })
    return { app, certificates: app.config.certificates, requireSignature: app.config.certificates.length > 0 }
  })
  const { app } = request.issuerConfig
  // The response only ever goes to the ACS URL configured for the app.
  if (request.acsUrl !== null && request.acsUrl !== app.config.acsUrl) {
    throw new SamlError('SAML_DESTINATION_MISMATCH', 'AssertionConsumerServiceURL is not the one configured for this app', {
      expected: app.config.acsUrl,
      received: request.acsUrl,
    })
  }
  return answerOrSignIn(ctx, trail, app, { appId: app.id, requestId: request.id, relayState: request.relayState }, cookies)
}

/** GET /sso/idp/launch/:app: an IdP-initiated sign-in to the app named by slug. */
export async function launchApp(ctx: RequestContext, trail: AuditTrail, slug: string, cookies: Record<string, string>): Promise<BrowserStep> {
  const app = await findEnabledApp(ctx.db, 'saml', slug)
  if (!app) throw new AppError('HANDOFF_APP_NOT_FOUND', undefined, { app: slug })
  return answerOrSignIn(ctx, trail, app, { appId: app.id, requestId: null, relayState: null }, cookies)
}

/** GET /sso/idp/resume/:key: back from the sign-in page with a session; answer the parked request. */
export async function resumeSignOn(ctx: RequestContext, trail: AuditTrail, key: string, cookies: Record<string, string>): Promise<BrowserStep> {
  const pending = await getBrokerPending(ctx.kv, key)
  if (!pending) throw new AppError('LOGIN_STATE_MISSING', undefined, { flow: 'broker' })
  const session = await currentSession(ctx, cookies)
  if (!session) return signInFirst(`/sso/idp/resume/${key}`)
  // Taken only now, with a session to answer for: single use even when two tabs race.
  const taken = await takeBrokerPending(ctx, key, ctx.clock())
  if (!taken) throw new AppError('LOGIN_STATE_MISSING', undefined, { flow: 'broker' })
  return answer(ctx, trail, await enabledSamlApp(ctx, taken.appId), session, taken)
}

/** The enabled SAML app with this id, or HANDOFF_APP_NOT_FOUND. */
export async function enabledSamlApp(ctx: RequestContext, id: string): Promise<SamlApp> {
  const app = await getApp(ctx.db, id)
  if (!app || !app.enabled || app.kind !== 'saml') throw new AppError('HANDOFF_APP_NOT_FOUND', undefined, { appId: id })
  return app
}

/** Signed in: answer now. Else park the request and go through the sign-in page first. */
async function answerOrSignIn(
  ctx: RequestContext,
  trail: AuditTrail,
  app: SamlApp,
  pending: BrokerPending,
  cookies: Record<string, string>,
): Promise<BrowserStep> {
  const session = await currentSession(ctx, cookies)
  if (session) return answer(ctx, trail, app, session, pending)
  const key = newRequestId(ctx.random)
  await putBrokerPending(ctx.kv, key, pending)
  return signInFirst(`/sso/idp/resume/${key}`)
}

/**
 * The NameID the app sees. Persistent: an opaque, stable value per (user, app), an HMAC of the
 * namespaced subject keyed by SSO_SECRET (pairwise: two apps cannot correlate users by it). Email:
 * only an email in a verified domain of the user's organization (helpdesks key users by it).
 */
export async function brokerNameId(ctx: RequestContext, app: SamlApp, session: LiveSession): Promise<{ value: string; format: string }> {
  if (app.config.nameIdFormat === 'persistent') {
    const mac = await signValue(ctx.secret, PAIRWISE_PURPOSE, `${app.id}\n${session.subject}`)
    return { value: mac.slice(mac.lastIndexOf('.') + 1), format: NAMEID_PERSISTENT }
  }
  if (!session.email) throw new AppError('HANDOFF_EMAIL_REQUIRED', undefined, { appId: app.id, idpId: session.idpId })
  if (!session.emailVerified) throw new AppError('HANDOFF_EMAIL_UNVERIFIED', undefined, { appId: app.id, organizationId: session.organizationId })
  return { value: session.email, format: NAMEID_EMAIL }
}

/** Posts a fresh signed Response for `session` to the app's ACS. */
async function answer(ctx: RequestContext, trail: AuditTrail, app: SamlApp, session: LiveSession, pending: BrokerPending): Promise<BrowserStep> {
  trail.idpId = session.idpId
  trail.subject = session.subject
  const { config } = app
  const now = ctx.clock()
  const key = await signingKey(ctx, 'broker')
  const nameId = await brokerNameId(ctx, app, session)
  const organization = await helpdeskOrganizationFor(ctx, session)
  const xml = await buildIssuedResponse({
    issuer: brokerEndpoints(ctx.origin).entityId,
    audience: config.entityId,
    acsUrl: config.acsUrl,
    inResponseTo: pending.requestId,
    nameId: nameId.value,
    nameIdFormat: nameId.format,
    sessionIndex: newRequestId(ctx.random),
    attributes: appAttributes(config, session, organization),
    now,
    authnInstant: new Date(session.createdAt),
    responseId: newRequestId(ctx.random),
    assertionId: newRequestId(ctx.random),
    signing: { privateKey: key.privateKey, certificatePem: key.certificatePem },
    signResponse: config.signResponse,
  })
  await recordAudit(ctx, {
    action: 'handoff.saml',
    outcome: 'success',
    idpId: session.idpId,
    subject: session.subject,
    detail: { appId: app.id, inResponseTo: pending.requestId, nameIdFormat: nameId.format },
  })
  const fields = { SAMLResponse: encodeIssuedResponse(xml), ...(pending.relayState ? { RelayState: pending.relayState } : {}) }
  return { navigation: autoPost(config.acsUrl, fields, 'Continuing to the help desk…'), cookies: [] }
}
