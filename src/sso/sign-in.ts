/**
 * Starts a sign-in at an upstream IdP (an OIDC one: sso/oidc-sign-in.ts): builds the AuthnRequest, binds its ID and the return path
 * to this browser (login-state cookie), and sends the browser to the IdP with the IdP's binding
 * (HTTP-Redirect, or HTTP-POST through the auto-submitting page), signed when the IdP wants it.
 */
import type { RequestContext } from '../context'
import { autoPost, redirectTo, type BrowserStep } from '../navigation'
import { buildAuthnRequest } from '../saml/authn-request'
import { encodeRedirectBinding, signPostMessage } from '../saml/bindings'
import { encodeBase64, utf8Encode } from '../saml/encoding'
import type { IdpRow } from '../store/idps'
import { LOGIN_STATE_TTL_SECONDS, loginStateCookies, newRequestId, readLoginStates } from './login-state'
import { startOidcSignIn } from './oidc-sign-in'
import { signingKey } from './signing-key'
import { spEndpoints } from './sp-endpoints'

/** Appends a query to a URL that may already have one (IdP SSO URLs often do). */
export function withQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`
}

export async function startSignIn(
  ctx: RequestContext,
  idp: IdpRow,
  returnTo: string,
  cookies: Record<string, string>,
  options: { test?: boolean; forceAuthn?: boolean; requestId?: string } = {},
): Promise<BrowserStep> {
  if (idp.protocol === 'oidc') return startOidcSignIn(ctx, idp, returnTo, cookies, options)
  const now = ctx.clock()
  const sp = await spEndpoints(ctx)
  // A caller may choose the ID (a setup link records its test's); it is fresh either way.
  const requestId = options.requestId ?? newRequestId(ctx.random)
  const xml = buildAuthnRequest({
    id: requestId,
    issueInstant: now,
    destination: idp.ssoUrl,
    spEntityId: sp.entityId,
    acsUrl: sp.acsUrl,
    nameIdFormat: idp.nameIdFormat,
    // A helpdesk's ForceAuthn (broker mode) is passed on: the IdP must not reuse its own session.
    forceAuthn: options.forceAuthn ?? false,
  })
  const pending = await readLoginStates(ctx.secret, cookies, now)
  const state = { requestId, idpId: idp.id, returnTo, test: options.test ?? false, expiresAt: now.getTime() + LOGIN_STATE_TTL_SECONDS * 1000 }
  const stateCookies = await loginStateCookies(ctx.secret, state, pending)
  const key = idp.signAuthnRequests ? await signingKey(ctx, 'signing') : null
  if (idp.ssoBinding === 'post') {
    const message = key ? await signPostMessage(xml, { privateKey: key.privateKey, certificatePem: key.certificatePem }) : xml
    return {
      navigation: autoPost(idp.ssoUrl, { SAMLRequest: encodeBase64(utf8Encode(message)) }, "Continuing to your organization's sign-in…"),
      cookies: stateCookies,
    }
  }
  const query = await encodeRedirectBinding({ xml, param: 'SAMLRequest', signing: key ? { privateKey: key.privateKey } : null })
  return { navigation: redirectTo(withQuery(idp.ssoUrl, query)), cookies: stateCookies }
}

/**
 * Sends the browser to the sign-in page, to come back to `returnTo` (a same-origin path); with
 * `force`, the IdP is asked for a fresh sign-in (ForceAuthn), not its existing session.
 */
export function signInFirst(returnTo: string, options: { force?: boolean } = {}): BrowserStep {
  return { navigation: redirectTo(`/sso/login?return_to=${encodeURIComponent(returnTo)}${options.force ? '&force' : ''}`), cookies: [] }
}
