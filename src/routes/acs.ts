/**
 * Where upstream IdPs answer a sign-in: POST /sso/acs (SAML HTTP-POST binding: SAMLResponse and
 * RelayState, to sso/acs.ts) and GET /sso/oidc/callback (OIDC: code and state, or error, to
 * sso/oidc-callback.ts).
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { readForm } from '../http/body'
import { requestCookies, respond } from '../http/respond'
import { audited, trailOf } from '../middleware/audited'
import { limitBody, MAX_SAML_BODY_BYTES } from '../middleware/body-limit'
import { acceptSamlResponse } from '../sso/acs'
import { acceptOidcCallback } from '../sso/oidc-callback'

export const acsRoutes = new Hono<AppEnv>()
  .post('/acs', audited('login'), limitBody(MAX_SAML_BODY_BYTES), async (c) => {
    const form = await readForm(c)
    const input = { samlResponse: form.SAMLResponse ?? '', relayState: form.RelayState ?? null, cookies: requestCookies(c) }
    return respond(c, await acceptSamlResponse(c.get('ctx'), trailOf(c), input))
  })
  .get('/oidc/callback', audited('login'), async (c) => {
    const q = (name: string) => c.req.query(name) ?? null
    const input = {
      idp: q('idp'),
      iss: q('iss'),
      state: q('state'),
      code: q('code'),
      error: q('error'),
      errorDescription: q('error_description'),
      cookies: requestCookies(c),
    }
    return respond(c, await acceptOidcCallback(c.get('ctx'), trailOf(c), input))
  })
