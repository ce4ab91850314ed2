/**
 * Broker mode, the gateway as a hosted helpdesk's one SAML IdP: GET /sso/idp/metadata; GET|POST
 * /sso/idp/sso (the helpdesk's AuthnRequest); GET /sso/idp/resume/:key (after the customer signed
 * in); GET /sso/idp/launch/:app (IdP-initiated); GET|POST /sso/idp/slo and /sso/idp/slo/done/:key
 * (logout started at the helpdesk). Services: src/broker/.
 */
import { Hono, type Context } from 'hono'
import { receiveAppLogout, finishAppLogout } from '../broker/logout'
import { brokerMetadata } from '../broker/metadata'
import { launchApp, receiveAuthnRequest, resumeSignOn } from '../broker/sign-on'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { readForm } from '../http/body'
import { startedHere } from '../http/fetch-site'
import { requestCookies, respond } from '../http/respond'
import { audited, trailOf } from '../middleware/audited'
import { limitBody, MAX_SAML_BODY_BYTES } from '../middleware/body-limit'
import type { ReceivedMessage } from '../saml/received-message'

/** The helpdesk's SAMLRequest in either binding. */
async function receivedRequest(c: Context<AppEnv>): Promise<ReceivedMessage> {
  if (c.req.method === 'GET') return { binding: 'redirect', rawQuery: new URL(c.req.url).search.slice(1) }
  const form = await readForm(c)
  if (form.SAMLRequest === undefined) throw new AppError('BAD_REQUEST', 'SAMLRequest is missing')
  return { binding: 'post', value: form.SAMLRequest, relayState: form.RelayState ?? null }
}

export const brokerRoutes = new Hono<AppEnv>()
  .get('/idp/metadata', async (c) => {
    const xml = await brokerMetadata(c.get('ctx'), { signed: c.req.query('signed') !== undefined, app: c.req.query('app') })
    c.header('Cache-Control', 'public, max-age=300')
    return c.body(xml, 200, { 'Content-Type': 'application/samlmetadata+xml; charset=utf-8' })
  })
  .on(['GET', 'POST'], '/idp/sso', audited('handoff.saml'), limitBody(MAX_SAML_BODY_BYTES), async (c) =>
    respond(c, await receiveAuthnRequest(c.get('ctx'), trailOf(c), await receivedRequest(c), requestCookies(c))),
  )
  .get('/idp/resume/:key', audited('handoff.saml'), async (c) =>
    respond(c, await resumeSignOn(c.get('ctx'), trailOf(c), c.req.param('key'), requestCookies(c))),
  )
  .get('/idp/launch/:app', audited('handoff.saml'), async (c) => respond(c, await launchApp(c.get('ctx'), trailOf(c), c.req.param('app'), requestCookies(c))))
  .on(['GET', 'POST'], '/idp/slo', audited('logout.app-initiated'), limitBody(MAX_SAML_BODY_BYTES), async (c) =>
    respond(c, await receiveAppLogout(c.get('ctx'), trailOf(c), await receivedRequest(c), requestCookies(c), startedHere(c.req.raw, c.get('ctx').origin))),
  )
  .get('/idp/slo/done/:key', audited('logout.app-initiated'), async (c) => respond(c, await finishAppLogout(c.get('ctx'), c.req.param('key'))))
