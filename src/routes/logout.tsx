/**
 * GET/POST /sso/logout: end the session here, then SAML logout at the IdP when it has an SLO URL
 * (asked from another site, a page asks the user first).
 * GET/POST /sso/slo: the IdP's LogoutResponse, or an IdP-initiated LogoutRequest (sso/logout.ts);
 * GET /sso/slo?state=…: an OIDC provider back from its end_session_endpoint.
 */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { readForm } from '../http/body'
import { startedHere } from '../http/fetch-site'
import { applyCookies, requestCookies, respond } from '../http/respond'
import { auditAs } from '../middleware/audited'
import { limitBody, MAX_FORM_BODY_BYTES, MAX_SAML_BODY_BYTES } from '../middleware/body-limit'
import type { ReceivedMessage } from '../saml/received-message'
import { finishOidcLogout, logOut, receiveSloMessage, type LogoutOutcome } from '../sso/logout'
import { SignedOutPage } from '../ui/signed-out'

function render(c: Context<AppEnv>, outcome: LogoutOutcome) {
  if (outcome.kind === 'navigate') return respond(c, outcome.step)
  applyCookies(c, outcome.cookies)
  c.header('Cache-Control', 'no-store')
  return c.html(<SignedOutPage {...outcome.page} />)
}

async function logout(c: Context<AppEnv>) {
  return render(c, await logOut(c.get('ctx'), requestCookies(c), startedHere(c.req.raw, c.get('ctx').origin)))
}

async function slo(c: Context<AppEnv>) {
  let message: ReceivedMessage
  let isResponse: boolean
  if (c.req.method === 'GET') {
    // An OIDC provider back from its end_session_endpoint: only a state, no SAML message.
    const state = c.req.query('state')
    if (state !== undefined && c.req.query('SAMLResponse') === undefined && c.req.query('SAMLRequest') === undefined)
      return render(c, await finishOidcLogout(c.get('ctx'), state, requestCookies(c)))
    isResponse = c.req.query('SAMLResponse') !== undefined
    if (!isResponse && c.req.query('SAMLRequest') === undefined) throw new AppError('BAD_REQUEST', 'SAMLRequest or SAMLResponse is missing')
    message = { binding: 'redirect', rawQuery: new URL(c.req.url).search.slice(1) }
  } else {
    const form = await readForm(c)
    const value = form.SAMLResponse ?? form.SAMLRequest
    if (!value) throw new AppError('BAD_REQUEST', 'SAMLRequest or SAMLResponse is missing')
    isResponse = form.SAMLResponse !== undefined
    message = { binding: 'post', value, relayState: form.RelayState ?? null }
  }
  const trail = auditAs(c, isResponse ? 'logout.idp-response' : 'logout.idp-initiated')
  return render(c, await receiveSloMessage(c.get('ctx'), trail, message, isResponse, requestCookies(c)))
}

export const logoutRoutes = new Hono<AppEnv>()
  .get('/logout', logout)
  .post('/logout', limitBody(MAX_FORM_BODY_BYTES), logout)
  .get('/slo', slo)
  .post('/slo', limitBody(MAX_SAML_BODY_BYTES), slo)
