/**
 * Single logout with the IdP (SAML profiles §4.4), both bindings. Outbound: after the local
 * logout, a signed LogoutRequest to the IdP's SLO URL, its ID bound to this browser. Inbound at
 * /sso/slo: the IdP's LogoutResponse to our request, or an IdP-initiated LogoutRequest (signature
 * required) that ends every matching session and is answered with a signed LogoutResponse.
 */
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { signValue, verifyValue } from '../crypto/mac'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { buildPostForm, encodeRedirectBinding, signPostMessage } from '../saml/bindings'
import { encodeBase64, utf8Encode } from '../saml/encoding'
import {
  buildLogoutRequest,
  buildLogoutResponse,
  parseLogoutRequest,
  parseLogoutResponse,
  readClaimedIssuer,
  STATUS_SUCCESS,
  type ReceivedLogoutMessage,
} from '../saml/logout'
import { importPrivateKey } from '../saml/x509'
import { findIdpByEntityId, getIdp, type IdpRow } from '../store/idps'
import { endSessionsFor, type Session } from '../store/sessions'
import { activeSpKey } from '../store/sp-keys'
import { newRequestId } from './login-state'
import { spEndpoints } from './sp-config'

const LOGOUT_COOKIE = '__Host-sso_logout'
const LOGOUT_STATE_TTL_SECONDS = 600
const MAC_PURPOSE = 'logout-state'

async function spSigningKey(c: Context<AppEnv>, now: Date) {
  const sp = await spEndpoints(c)
  const key = await activeSpKey(c.env.DB, c.env.SSO_SECRET, 'signing', now, new URL(sp.origin).host)
  return { sp, key, privateKey: await importPrivateKey(key.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }) }
}

/** Sends a signed SAML message to the IdP's SLO endpoint with the IdP's SLO binding. */
async function sendToIdp(c: Context<AppEnv>, idp: IdpRow, param: 'SAMLRequest' | 'SAMLResponse', xml: string, relayState: string | null, now: Date) {
  const { key, privateKey } = await spSigningKey(c, now)
  c.header('Cache-Control', 'no-store')
  if (idp.sloBinding === 'post') {
    const signed = await signPostMessage(xml, { privateKey, certificatePem: key.certificatePem })
    return c.html(buildPostForm({ action: idp.sloUrl!, field: param, value: encodeBase64(utf8Encode(signed)), relayState }))
  }
  const query = await encodeRedirectBinding({ xml, param, relayState, signing: { privateKey } })
  return c.redirect(`${idp.sloUrl}${idp.sloUrl!.includes('?') ? '&' : '?'}${query}`, 302)
}

/** SP-initiated SLO for a session that just ended locally; null when the IdP has no SLO URL. */
export async function startIdpLogout(c: Context<AppEnv>, session: Session, next: string | null = null): Promise<Response | null> {
  const idp = await getIdp(c.env.DB, session.idpId)
  if (!idp?.sloUrl || !idp.enabled) return null
  const now = c.var.deps.clock()
  const { sp } = await spSigningKey(c, now)
  const requestId = newRequestId(c.var.deps.random)
  const xml = buildLogoutRequest({
    id: requestId,
    issueInstant: now,
    destination: idp.sloUrl,
    issuer: sp.entityId,
    nameId: session.nameId,
    nameIdFormat: session.nameIdFormat,
    sessionIndex: session.sessionIndex,
  })
  // `next`: a same-origin path to continue to once the IdP answered (broker-mode logout fan-out).
  const state = JSON.stringify({ requestId, idpId: idp.id, next, expiresAt: now.getTime() + LOGOUT_STATE_TTL_SECONDS * 1000 })
  // SameSite=None: the IdP may answer with a cross-site POST (HTTP-POST binding), where Lax is not sent.
  setCookie(c, LOGOUT_COOKIE, await signValue(c.env.SSO_SECRET, MAC_PURPOSE, encodeBase64(utf8Encode(state))), {
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'None',
    maxAge: LOGOUT_STATE_TTL_SECONDS,
  })
  return sendToIdp(c, idp, 'SAMLRequest', xml, null, now)
}

async function pendingLogout(c: Context<AppEnv>): Promise<{ requestId: string; idpId: string; next?: string | null } | null> {
  const value = getCookie(c, LOGOUT_COOKIE)
  const payload = value ? await verifyValue(c.env.SSO_SECRET, MAC_PURPOSE, value) : null
  if (!payload) return null
  const state = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (ch) => ch.charCodeAt(0)))) as {
    requestId: string
    idpId: string
    next?: string | null
    expiresAt: number
  }
  return state.expiresAt > c.var.deps.clock().getTime() ? state : null
}

export type SloOutcome =
  | { kind: 'response'; idp: IdpRow; ok: boolean; next: string | null; response: null }
  | { kind: 'request'; idp: IdpRow; ended: number; nameId: string; response: Response }

/** Handles whatever the IdP sent to /sso/slo. */
export async function handleSlo(c: Context<AppEnv>, message: ReceivedLogoutMessage, isResponse: boolean): Promise<SloOutcome> {
  const now = c.var.deps.clock()
  const issuer = await readClaimedIssuer(message)
  const idp = issuer ? await findIdpByEntityId(c.env.DB, issuer) : null
  if (!idp) throw new AppError('LOGIN_UNKNOWN_ISSUER', undefined, { issuer })
  const sp = await spEndpoints(c)
  const check = {
    idp: { entityId: idp.entityId, certificates: idp.certificates, allowSha1: idp.allowSha1 || sp.settings.allowSha1 },
    sloUrl: sp.sloUrl,
    now,
    clockSkewSeconds: idp.clockSkewSeconds,
  }
  if (isResponse) {
    const pending = await pendingLogout(c)
    if (!pending || pending.idpId !== idp.id) throw new AppError('LOGIN_STATE_MISSING', undefined, { flow: 'logout' })
    deleteCookie(c, LOGOUT_COOKIE, { path: '/', secure: true, sameSite: 'None' })
    // Our session is already gone; an unsigned LogoutResponse (many IdPs) can only confirm that.
    const info = await parseLogoutResponse(message, { ...check, expectedRequestId: pending.requestId, requireSignature: false })
    return { kind: 'response', idp, ok: info.statusCode === STATUS_SUCCESS, next: pending.next ?? null, response: null }
  }
  // IdP-initiated: it ends sessions, so its signature is required.
  const info = await parseLogoutRequest(message, check)
  const ended = await endSessionsFor(c.env.SESSIONS, idp.id, info.nameId, info.sessionIndexes)
  const xml = buildLogoutResponse({
    id: newRequestId(c.var.deps.random),
    issueInstant: now,
    destination: idp.sloUrl ?? '',
    issuer: sp.entityId,
    inResponseTo: info.id,
    statusCode: STATUS_SUCCESS,
  })
  if (!idp.sloUrl) throw new AppError('SAML_LOGOUT_INVALID', 'The IdP has no SLO URL to answer to', { idpId: idp.id })
  return { kind: 'request', idp, ended, nameId: info.nameId, response: await sendToIdp(c, idp, 'SAMLResponse', xml, info.relayState, now) }
}
