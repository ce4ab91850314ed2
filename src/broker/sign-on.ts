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
import {
  brokerAuthnContext,
  checkAuthnRequest,
  nameIdFormatFor,
  NAMEID_FORMATS,
  satisfiesAuthnContext,
  STATUS,
  type BrokerNameIdFormat,
} from '../saml/broker/request-policy'
import { buildIssuedResponse, buildStatusResponse, encodeIssuedResponse } from '../saml/broker/response'
import { isSamlError, SamlError } from '../saml/errors'
import { DEFAULT_CLOCK_SKEW_SECONDS } from '../saml/limits'
import { consumeOnce } from '../store/replay'
import type { ReceivedMessage } from '../saml/received-message'
import { findEnabledApp, findSamlApp, getApp, type AppOf } from '../store/apps'
import { getBrokerPending, putBrokerPending, takeBrokerPending, type BrokerPending } from '../store/broker-pending'
import { newRequestId } from '../sso/login-state'
import { currentSession, type LiveSession } from '../sso/sessions'
import { signInFirst } from '../sso/sign-in'
import { signingKey } from '../sso/signing-key'
import { helpdeskOrganizationFor } from '../sso/tenancy'
import { signValue } from '../crypto/mac'
import { issuedAttributes } from './attributes'
import { brokerEndpoints } from './endpoints'

type SamlApp = AppOf<'saml'>

/** Key purpose of the pairwise persistent NameIDs (HKDF info under SSO_SECRET). */
const PAIRWISE_PURPOSE = 'broker-pairwise-nameid'
/** Key purpose of the SessionIndexes the broker issues. */
const SESSION_INDEX_PURPOSE = 'broker-session-index'

/**
 * GET|POST /sso/idp/sso: a helpdesk's AuthnRequest, checked by the book (addressed to us, fresh,
 * answerable over HTTP-POST, to the app's own ACS URL, its ID used once), then honoured:
 * NameIDPolicy, RequestedAuthnContext, ForceAuthn and IsPassive. A request the helpdesk got
 * wrong is HANDOFF_REQUEST_REFUSED for the customer (neutral: it is the helpdesk's setting); the
 * audit row keeps the SAML code and values for the admin.
 */
export async function receiveAuthnRequest(
  ctx: RequestContext,
  trail: AuditTrail,
  message: ReceivedMessage,
  cookies: Record<string, string>,
): Promise<BrowserStep> {
  let appId: string | null = null
  let request
  try {
    request = await parseAuthnRequest(message, async (issuer) => {
      const app = issuer ? await findSamlApp(ctx.db, issuer) : null
      if (!app) throw new AppError('HANDOFF_APP_NOT_FOUND', undefined, { issuer })
      appId = app.id
      return { app, certificates: app.config.certificates, requireSignature: app.config.certificates.length > 0 }
    })
    const { app } = request.issuerConfig
    const { replayUntil } = checkAuthnRequest(request, {
      ssoUrl: brokerEndpoints(ctx.origin).ssoUrl,
      now: ctx.clock(),
      skewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
    })
    // The response only ever goes to the ACS URL configured for the app.
    if (request.acsUrl !== null && request.acsUrl !== app.config.acsUrl) {
      throw new SamlError('SAML_DESTINATION_MISMATCH', 'AssertionConsumerServiceURL is not the one configured for this app', {
        expected: app.config.acsUrl,
        received: request.acsUrl.slice(0, 256),
      })
    }
    if (!(await consumeOnce(ctx.db, `urn:edge-sso:authn-request-from:${request.issuer}`, request.id, replayUntil, ctx.clock())))
      throw new SamlError('SAML_REPLAY', 'This AuthnRequest ID was already used', { id: request.id.slice(0, 128) })
  } catch (err) {
    if (!isSamlError(err)) throw err
    // The helpdesk's configuration, not the customer's organization: a neutral page for them.
    throw new AppError('HANDOFF_REQUEST_REFUSED', err.message, { appId, samlCode: err.code, ...err.detail })
  }
  const { app } = request.issuerConfig
  const pending: BrokerPending = { appId: app.id, requestId: request.id, relayState: request.relayState, requestedAuthnContext: request.requestedAuthnContext }
  const nameIdFormat = nameIdFormatFor(request.nameIdPolicy?.format, app.config.nameIdFormat)
  if (!nameIdFormat)
    return statusAnswer(
      ctx,
      trail,
      app,
      pending,
      STATUS.invalidNameIdPolicy,
      `The broker issues emailAddress, persistent or transient NameIDs, not ${request.nameIdPolicy?.format?.slice(0, 256)}`,
    )
  pending.nameIdFormat = nameIdFormat
  const session = await currentSession(ctx, cookies)
  if (request.isPassive && (!session || request.forceAuthn))
    return statusAnswer(ctx, trail, app, pending, STATUS.noPassive, 'The user is not signed in, and the request allows no interaction')
  if (request.forceAuthn) {
    // A fresh upstream sign-in, whatever session the browser has.
    pending.authnAfter = ctx.clock().getTime()
    return park(ctx, pending, { force: true })
  }
  if (session) return answer(ctx, trail, app, session, pending)
  return park(ctx, pending, { force: false })
}

/** GET /sso/idp/launch/:app: an IdP-initiated sign-in to the app named by slug. */
export async function launchApp(ctx: RequestContext, trail: AuditTrail, slug: string, cookies: Record<string, string>): Promise<BrowserStep> {
  const app = await findEnabledApp(ctx.db, 'saml', slug)
  if (!app) throw new AppError('HANDOFF_APP_NOT_FOUND', undefined, { app: slug })
  const session = await currentSession(ctx, cookies)
  const pending: BrokerPending = { appId: app.id, requestId: null, relayState: null }
  return session ? answer(ctx, trail, app, session, pending) : park(ctx, pending, { force: false })
}

/** GET /sso/idp/resume/:key: back from the sign-in page with a session; answer the parked request. */
export async function resumeSignOn(ctx: RequestContext, trail: AuditTrail, key: string, cookies: Record<string, string>): Promise<BrowserStep> {
  const pending = await getBrokerPending(ctx.kv, key)
  if (!pending) throw new AppError('LOGIN_STATE_MISSING', undefined, { flow: 'broker' })
  const session = await currentSession(ctx, cookies)
  // ForceAuthn: a session from before the request does not count; sign in afresh.
  const fresh = session && (pending.authnAfter == null || session.createdAt >= pending.authnAfter)
  if (!session || !fresh) return signInFirst(`/sso/idp/resume/${key}`, { force: pending.authnAfter != null })
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

/** Parks the request while the customer signs in upstream (afresh, for ForceAuthn), then resumes it. */
async function park(ctx: RequestContext, pending: BrokerPending, options: { force: boolean }): Promise<BrowserStep> {
  const key = newRequestId(ctx.random)
  await putBrokerPending(ctx.kv, key, pending)
  return signInFirst(`/sso/idp/resume/${key}`, options)
}

/**
 * The NameID the app sees, in `format` (the request's NameIDPolicy, else the app's). Persistent:
 * an opaque, stable value per (user, app), an HMAC of the namespaced subject keyed by SSO_SECRET
 * (pairwise: two apps cannot correlate users by it). Transient: random, for this answer only.
 * Email: only an email in a verified domain of the user's organization (helpdesks key users by it).
 */
export async function brokerNameId(
  ctx: RequestContext,
  app: SamlApp,
  session: LiveSession,
  format: BrokerNameIdFormat = app.config.nameIdFormat,
): Promise<{ value: string; format: string }> {
  if (format === 'persistent') {
    const mac = await signValue(ctx.secret, PAIRWISE_PURPOSE, `${app.id}\n${session.subject}`)
    return { value: mac.slice(mac.lastIndexOf('.') + 1), format: NAMEID_PERSISTENT }
  }
  if (format === 'transient') return { value: newRequestId(ctx.random), format: NAMEID_FORMATS.transient }
  if (!session.email) throw new AppError('HANDOFF_EMAIL_REQUIRED', undefined, { appId: app.id, idpId: session.idpId })
  if (!session.emailVerified) throw new AppError('HANDOFF_EMAIL_UNVERIFIED', undefined, { appId: app.id, organizationId: session.organizationId })
  return { value: session.email, format: NAMEID_EMAIL }
}

/**
 * The SessionIndex the app gets for this session: stable for (app, session), so a LogoutRequest
 * that names it can be matched to the browser's session; opaque (an HMAC under SSO_SECRET).
 */
export async function brokerSessionIndex(ctx: RequestContext, app: SamlApp, session: LiveSession): Promise<string> {
  const mac = await signValue(ctx.secret, SESSION_INDEX_PURPOSE, `${app.id}\n${session.subject}\n${session.createdAt}`)
  return `_${mac.slice(mac.lastIndexOf('.') + 1)}`
}

/**
 * Answers the request with an error status instead of an assertion (core §3.2.2.2), signed, to
 * the app's ACS URL: what the SP asked for cannot be given. Audited as a failure naming why.
 */
async function statusAnswer(
  ctx: RequestContext,
  trail: AuditTrail,
  app: SamlApp,
  pending: BrokerPending,
  subStatus: string,
  message: string,
): Promise<BrowserStep> {
  const key = await signingKey(ctx, 'broker')
  const top = subStatus === STATUS.invalidNameIdPolicy ? STATUS.requester : STATUS.responder
  const xml = await buildStatusResponse({
    issuer: brokerEndpoints(ctx.origin).entityId,
    acsUrl: app.config.acsUrl,
    inResponseTo: pending.requestId!,
    status: top,
    subStatus,
    message,
    now: ctx.clock(),
    responseId: newRequestId(ctx.random),
    signing: { privateKey: key.privateKey, certificatePem: key.certificatePem },
  })
  await recordAudit(ctx, {
    action: trail.action,
    outcome: 'failure',
    code: 'HANDOFF_REQUEST_REFUSED',
    idpId: trail.idpId,
    subject: trail.subject,
    detail: { appId: app.id, inResponseTo: pending.requestId, status: subStatus, message },
  })
  const fields = { SAMLResponse: encodeIssuedResponse(xml), ...(pending.relayState ? { RelayState: pending.relayState } : {}) }
  return { navigation: autoPost(app.config.acsUrl, fields, 'Continuing to the help desk…'), cookies: [] }
}

/** Posts a fresh signed Response for `session` to the app's ACS. */
async function answer(ctx: RequestContext, trail: AuditTrail, app: SamlApp, session: LiveSession, pending: BrokerPending): Promise<BrowserStep> {
  trail.idpId = session.idpId
  trail.subject = session.subject
  const { config } = app
  const now = ctx.clock()
  const authnContext = brokerAuthnContext(session.authnContextClassRef)
  if (pending.requestId && !satisfiesAuthnContext(pending.requestedAuthnContext ?? null, authnContext))
    return statusAnswer(ctx, trail, app, pending, STATUS.noAuthnContext, `The user signed in with ${authnContext}, which does not meet the requested context`)
  const key = await signingKey(ctx, 'broker')
  const nameId = await brokerNameId(ctx, app, session, pending.nameIdFormat)
  const organization = await helpdeskOrganizationFor(ctx, session)
  const xml = await buildIssuedResponse({
    issuer: brokerEndpoints(ctx.origin).entityId,
    audience: config.entityId,
    acsUrl: config.acsUrl,
    inResponseTo: pending.requestId,
    nameId: nameId.value,
    nameIdFormat: nameId.format,
    sessionIndex: await brokerSessionIndex(ctx, app, session),
    attributes: issuedAttributes(config, session, organization),
    now,
    authnInstant: new Date(session.createdAt),
    responseId: newRequestId(ctx.random),
    assertionId: newRequestId(ctx.random),
    signing: { privateKey: key.privateKey, certificatePem: key.certificatePem },
    signResponse: config.signResponse,
    authnContextClassRef: authnContext,
    ...(config.encryptAssertions && config.encryptionCertificate
      ? { encryptFor: { certificatePem: config.encryptionCertificate, algorithm: config.encryptionAlgorithm ?? 'aes256-gcm' } }
      : {}),
  })
  await recordAudit(ctx, {
    action: 'handoff.saml',
    outcome: 'success',
    idpId: session.idpId,
    subject: session.subject,
    detail: { appId: app.id, inResponseTo: pending.requestId, nameIdFormat: nameId.format, authnContext, encrypted: config.encryptAssertions === true },
  })
  const fields = { SAMLResponse: encodeIssuedResponse(xml), ...(pending.relayState ? { RelayState: pending.relayState } : {}) }
  return { navigation: autoPost(config.acsUrl, fields, 'Continuing to the help desk…'), cookies: [] }
}
