/** POST /sso/acs (HTTP-POST binding): the IdP's SAMLResponse and RelayState, to sso/acs.ts. */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { readForm } from '../http/body'
import { requestCookies, respond } from '../http/respond'
import { audited, trailOf } from '../middleware/audited'
import { limitBody, MAX_SAML_BODY_BYTES } from '../middleware/body-limit'
import { acceptSamlResponse } from '../sso/acs'

export const acsRoutes = new Hono<AppEnv>().post('/acs', audited('login'), limitBody(MAX_SAML_BODY_BYTES), async (c) => {
  const form = await readForm(c)
  const input = { samlResponse: form.SAMLResponse ?? '', relayState: form.RelayState ?? null, cookies: requestCookies(c) }
  return respond(c, await acceptSamlResponse(c.var.ctx, trailOf(c), input))
})
