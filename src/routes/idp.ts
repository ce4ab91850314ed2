/**
 * Broker mode: the gateway as the one SAML IdP of a hosted helpdesk (Jira Service Management,
 * Zammad, Freshdesk SAML). GET /sso/idp/metadata; GET|POST /sso/idp/sso takes the helpdesk's
 * AuthnRequest (signature checked when the app has certificates; ACS URL must match the app),
 * signs the customer in upstream when needed, and posts a signed Response back;
 * GET /sso/idp/launch/:app starts an IdP-initiated sign-in; GET|POST /sso/idp/slo takes the
 * helpdesk's LogoutRequest, fans the logout out to the upstream IdP and answers when it is done.
 */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { auditRequest, redirectToSignIn } from '../middleware/audit'
import { currentSession } from '../middleware/session'
import { deleteCookie, getCookie } from 'hono/cookie'
import { decodePostBinding, decodeRedirectBinding, encodeRedirectBinding, readRedirectQuery, verifyRedirectBindingSignature } from '../saml/bindings'
import { buildLogoutResponse, parseLogoutRequest, readClaimedIssuer, STATUS_SUCCESS, type ReceivedLogoutMessage } from '../saml/logout'
import { deleteSession, readSession, SESSION_COOKIE } from '../store/sessions'
import { startIdpLogout } from './slo'
import { verifyEnvelopedSignature } from '../saml/dsig/verify'
import { SamlError } from '../saml/errors'
import { buildIssuedResponse, encodeIssuedResponse } from '../saml/idp-response'
import { BINDINGS } from '../saml/metadata'
import { signSpMetadata } from '../saml/sp-metadata'
import { attr, firstChildNamed, isElementNamed, NS, textContent } from '../saml/xml/dom'
import { escapeXmlAttr } from '../saml/xml/escape'
import { importPrivateKey, parseCertificate } from '../saml/x509'
import { findEnabledApp, findSamlApp, getApp, SAML_APP_ATTRIBUTES, type AppRow, type SamlAppAttribute, type SamlAppConfig } from '../store/apps'
import type { Session } from '../store/sessions'
import { activeSpKey } from '../store/sp-keys'
import { autoPostPage } from '../ui/auto-post'
import { newRequestId } from './login-state'

const PENDING_PREFIX = 'idp-pending:'
const PENDING_TTL_SECONDS = 600

interface Pending {
  appId: string
  requestId: string | null
  relayState: string | null
}

function idpEntityId(c: Context<AppEnv>): string {
  return `${new URL(c.req.url).origin}/sso/idp/metadata`
}

async function signingKey(c: Context<AppEnv>) {
  return activeSpKey(c.env.DB, c.env.SSO_SECRET, 'signing', c.var.deps.clock(), new URL(c.req.url).host)
}

/** Reads the helpdesk's AuthnRequest (either binding), checks it against the app config. */
async function readAuthnRequest(c: Context<AppEnv>): Promise<{ app: AppRow; requestId: string; relayState: string | null }> {
  let doc
  let relayState: string | null
  let rawQuery: string | null = null
  if (c.req.method === 'GET') {
    rawQuery = new URL(c.req.url).search.slice(1)
    const message = readRedirectQuery(rawQuery)
    if (message.param !== 'SAMLRequest') throw new SamlError('SAML_NOT_SAML', 'Expected a SAMLRequest')
    doc = await decodeRedirectBinding(message.message)
    relayState = message.relayState
  } else {
    const form = await c.req.parseBody()
    if (typeof form.SAMLRequest !== 'string') throw new AppError('BAD_REQUEST', 'SAMLRequest is missing')
    doc = decodePostBinding(form.SAMLRequest)
    relayState = typeof form.RelayState === 'string' ? form.RelayState : null
  }
  const root = doc.documentElement!
  if (!isElementNamed(root, NS.samlp, 'AuthnRequest')) throw new SamlError('SAML_NOT_SAML', 'Not an AuthnRequest')
  const issuerEl = firstChildNamed(root, NS.saml, 'Issuer')
  const issuer = issuerEl ? textContent(issuerEl).trim() : ''
  const app = await findSamlApp(c.env.DB, issuer)
  if (!app) throw new AppError('HANDOFF_APP_NOT_FOUND', undefined, { issuer })
  const config = app.config as unknown as SamlAppConfig
  if (config.certificates.length) {
    const certs = config.certificates.map((p) => parseCertificate(p))
    if (rawQuery !== null) await verifyRedirectBindingSignature(rawQuery, certs, { allowSha1: false })
    else {
      const signature = firstChildNamed(root, NS.ds, 'Signature')
      if (!signature) throw new SamlError('SAML_SIGNATURE_MISSING', 'The AuthnRequest is not signed')
      await verifyEnvelopedSignature(root, signature, certs, { allowSha1: false })
    }
  }
  // The response only ever goes to the ACS URL configured for the app.
  const acs = attr(root, 'AssertionConsumerServiceURL')
  if (acs !== null && acs !== config.acsUrl)
    throw new SamlError('SAML_DESTINATION_MISMATCH', 'AssertionConsumerServiceURL is not the one configured for this app', {
      expected: config.acsUrl,
      received: acs,
    })
  const requestId = attr(root, 'ID')
  if (!requestId) throw new SamlError('SAML_NOT_SAML', 'The AuthnRequest has no ID')
  return { app, requestId, relayState }
}

/** Posts a fresh signed Response for `session` to the app's ACS. */
async function answer(c: Context<AppEnv>, app: AppRow, session: Session, pending: Pending): Promise<Response> {
  const config = app.config as unknown as SamlAppConfig
  const now = c.var.deps.clock()
  const key = await signingKey(c)
  const privateKey = await importPrivateKey(key.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
  const [firstName, ...last] = (session.displayName ?? '').split(' ')
  const persistent = config.nameIdFormat === 'persistent'
  const xml = await buildIssuedResponse({
    issuer: idpEntityId(c),
    audience: config.entityId,
    acsUrl: config.acsUrl,
    inResponseTo: pending.requestId,
    nameId: persistent ? `${session.idpSlug}:${session.nameId}` : (session.email ?? session.nameId),
    nameIdFormat: persistent ? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' : 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    sessionIndex: newRequestId(c.var.deps.random),
    attributes: appAttributes(config, session, firstName ?? '', last.join(' ')),
    now,
    authnInstant: new Date(session.createdAt),
    responseId: newRequestId(c.var.deps.random),
    assertionId: newRequestId(c.var.deps.random),
    signing: { privateKey, certificatePem: key.certificatePem },
    signResponse: config.signResponse,
  })
  await auditRequest(c, {
    action: 'handoff.saml',
    idpId: session.idpId,
    subject: session.nameId,
    outcome: 'success',
    detail: { appId: app.id, inResponseTo: pending.requestId },
  })
  c.header('Cache-Control', 'no-store')
  return c.html(
    autoPostPage(
      config.acsUrl,
      { SAMLResponse: encodeIssuedResponse(xml), ...(pending.relayState ? { RelayState: pending.relayState } : {}) },
      'Continuing to the help desk…',
    ),
  )
}

/** The attributes for the app, under the names it expects (a field named '' is left out). */
function appAttributes(config: SamlAppConfig, session: Session, firstName: string, lastName: string): Record<string, string[]> {
  const orgs = config.organizationMap ?? {}
  const organization = orgs[session.idpSlug] ?? session.groups.map((g) => orgs[g]).find(Boolean)
  const values: Record<SamlAppAttribute, string[]> = {
    email: session.email ? [session.email] : [],
    firstName: firstName ? [firstName] : [],
    lastName: lastName ? [lastName] : [],
    displayName: session.displayName ? [session.displayName] : [],
    groups: session.groups,
    upstreamIdp: [session.idpSlug],
    organization: organization ? [organization] : [],
  }
  const out: Record<string, string[]> = {}
  for (const field of SAML_APP_ATTRIBUTES) {
    const name = config.attributeNames?.[field] ?? field
    if (name && values[field].length) out[name] = values[field]
  }
  return out
}

/** Signed in: answer now. Else park the request and go through the sign-in page first. */
async function answerOrSignIn(c: Context<AppEnv>, app: AppRow, pending: Pending): Promise<Response> {
  const session = await currentSession(c)
  if (session) return answer(c, app, session, pending)
  const key = newRequestId(c.var.deps.random)
  await c.env.SESSIONS.put(PENDING_PREFIX + key, JSON.stringify(pending), { expirationTtl: PENDING_TTL_SECONDS })
  return redirectToSignIn(c, `/sso/idp/resume/${key}`)
}

export const idpRoutes = new Hono<AppEnv>()
  .get('/idp/metadata', async (c) => {
    const key = await signingKey(c)
    const origin = new URL(c.req.url).origin
    const b64 = key.certificatePem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
    const xml =
      `<md:EntityDescriptor xmlns:md="${NS.md}" ID="${newRequestId(c.var.deps.random)}" entityID="${escapeXmlAttr(idpEntityId(c))}">` +
      `<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="${NS.samlp}">` +
      `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="${NS.ds}"><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
      `<md:SingleLogoutService Binding="${BINDINGS.redirect}" Location="${origin}/sso/idp/slo"/><md:SingleLogoutService Binding="${BINDINGS.post}" Location="${origin}/sso/idp/slo"/>` +
      `<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat><md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>` +
      `<md:SingleSignOnService Binding="${BINDINGS.redirect}" Location="${origin}/sso/idp/sso"/><md:SingleSignOnService Binding="${BINDINGS.post}" Location="${origin}/sso/idp/sso"/>` +
      `</md:IDPSSODescriptor></md:EntityDescriptor>`
    // ?signed: an enveloped signature with the same key, for SPs that only import signed metadata.
    const body =
      c.req.query('signed') === undefined
        ? xml
        : await signSpMetadata(xml, {
            privateKey: await importPrivateKey(key.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }),
            certificatePem: key.certificatePem,
          })
    c.header('Cache-Control', 'public, max-age=300')
    return c.body(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, 200, { 'Content-Type': 'application/samlmetadata+xml; charset=utf-8' })
  })
  .on(['GET', 'POST'], '/idp/sso', async (c) => {
    const { app, requestId, relayState } = await readAuthnRequest(c)
    return answerOrSignIn(c, app, { appId: app.id, requestId, relayState })
  })
  .get('/idp/resume/:key', async (c) => {
    const key = c.req.param('key')
    const pending = /^_[0-9a-f]{40}$/.test(key) ? await c.env.SESSIONS.get<Pending>(PENDING_PREFIX + key, 'json') : null
    if (!pending) throw new AppError('LOGIN_STATE_MISSING', undefined, { flow: 'idp' })
    const session = await currentSession(c)
    if (!session) return redirectToSignIn(c, `/sso/idp/resume/${key}`)
    await c.env.SESSIONS.delete(PENDING_PREFIX + key)
    return answer(c, await findSamlAppById(c, pending.appId), session, pending)
  })
  .on(['GET', 'POST'], '/idp/slo', async (c) => {
    // Logout started at the helpdesk: end our session, fan out to the upstream IdP, then answer.
    const message: ReceivedLogoutMessage =
      c.req.method === 'GET'
        ? { binding: 'redirect', rawQuery: new URL(c.req.url).search.slice(1) }
        : await (async () => {
            const form = await c.req.parseBody()
            if (typeof form.SAMLRequest !== 'string') throw new AppError('BAD_REQUEST', 'SAMLRequest is missing')
            return { binding: 'post' as const, value: form.SAMLRequest, relayState: typeof form.RelayState === 'string' ? form.RelayState : null }
          })()
    const issuer = await readClaimedIssuer(message)
    const app = issuer ? await findSamlApp(c.env.DB, issuer) : null
    if (!app) throw new AppError('HANDOFF_APP_NOT_FOUND', undefined, { issuer })
    const config = app.config as unknown as SamlAppConfig
    if (!config.sloUrl) throw new AppError('SAML_LOGOUT_INVALID', 'This app has no SLO URL to answer to', { appId: app.id })
    const info = await parseLogoutRequest(message, {
      idp: { entityId: config.entityId, certificates: config.certificates },
      sloUrl: `${new URL(c.req.url).origin}/sso/idp/slo`,
      now: c.var.deps.clock(),
      requireSignature: config.certificates.length > 0,
    })
    const key = newRequestId(c.var.deps.random)
    await c.env.SESSIONS.put(PENDING_PREFIX + key, JSON.stringify({ appId: app.id, requestId: info.id, relayState: info.relayState }), {
      expirationTtl: PENDING_TTL_SECONDS,
    })
    const token = getCookie(c, SESSION_COOKIE)
    const session = token ? await readSession(c.env.SESSIONS, token, c.var.deps.clock()) : null
    if (token) await deleteSession(c.env.SESSIONS, token)
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true })
    await auditRequest(c, {
      action: 'logout.app-initiated',
      idpId: session?.idpId ?? null,
      subject: session?.nameId ?? null,
      outcome: 'success',
      detail: { appId: app.id },
    })
    const done = `/sso/idp/slo/done/${key}`
    return (session ? await startIdpLogout(c, session, done) : null) ?? c.redirect(done, 302)
  })
  .get('/idp/slo/done/:key', async (c) => {
    const key = c.req.param('key')
    const pending = /^_[0-9a-f]{40}$/.test(key) ? await c.env.SESSIONS.get<Pending>(PENDING_PREFIX + key, 'json') : null
    if (!pending || !pending.requestId) throw new AppError('LOGIN_STATE_MISSING', undefined, { flow: 'idp-logout' })
    await c.env.SESSIONS.delete(PENDING_PREFIX + key)
    const app = await findSamlAppById(c, pending.appId)
    const config = app.config as unknown as SamlAppConfig
    const now = c.var.deps.clock()
    const signing = await signingKey(c)
    const xml = buildLogoutResponse({
      id: newRequestId(c.var.deps.random),
      issueInstant: now,
      destination: config.sloUrl!,
      issuer: idpEntityId(c),
      inResponseTo: pending.requestId,
      statusCode: STATUS_SUCCESS,
    })
    const privateKey = await importPrivateKey(signing.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
    const query = await encodeRedirectBinding({ xml, param: 'SAMLResponse', relayState: pending.relayState, signing: { privateKey } })
    c.header('Cache-Control', 'no-store')
    return c.redirect(`${config.sloUrl}${config.sloUrl!.includes('?') ? '&' : '?'}${query}`, 302)
  })
  .get('/idp/launch/:app', async (c) => {
    const app = await findEnabledApp(c.env.DB, 'saml', c.req.param('app'))
    if (!app) throw new AppError('HANDOFF_APP_NOT_FOUND')
    return answerOrSignIn(c, app, { appId: app.id, requestId: null, relayState: null })
  })

async function findSamlAppById(c: Context<AppEnv>, id: string): Promise<AppRow> {
  const app = await getApp(c.env.DB, id)
  if (!app || !app.enabled || app.kind !== 'saml') throw new AppError('HANDOFF_APP_NOT_FOUND')
  return app
}
