/**
 * Starts a sign-in at an OIDC IdP (authorization code flow with PKCE S256): a fresh state (the
 * login-state ID), nonce and code verifier, bound to this browser by the same login-state cookie
 * as a SAML sign-in, then the browser goes to the provider's authorization endpoint with the
 * redirect URI `/sso/oidc/callback`.
 */
import { base64url } from 'jose'
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { redirectTo, type BrowserStep } from '../navigation'
import { authorizationUrl } from '../oidc/authorize'
import { pkcePair } from '../oidc/pkce'
import type { IdpRow } from '../store/idps'
import { LOGIN_STATE_TTL_SECONDS, loginStateCookies, newRequestId, readLoginStates, type LoginState } from './login-state'

export const OIDC_CALLBACK_PATH = '/sso/oidc/callback'

/**
 * The redirect URI registered at an OIDC provider: the one callback path, naming the IdP
 * (`?idp=<slug>`; slugs never change). One URI per IdP is what defeats an IdP mix-up (RFC 9700
 * §4.4): another tenant's provider cannot have the browser bring back a code issued for this IdP
 * under its own sign-in's state, because the provider sends it to this IdP's URI only.
 */
export function oidcRedirectUri(origin: string, slug: string): string {
  return `${origin}${OIDC_CALLBACK_PATH}?idp=${encodeURIComponent(slug)}`
}

export async function startOidcSignIn(
  ctx: RequestContext,
  idp: IdpRow,
  returnTo: string,
  cookies: Record<string, string>,
  options: { test?: boolean; forceAuthn?: boolean; requestId?: string },
): Promise<BrowserStep> {
  if (!idp.oidcEndpoints || !idp.clientId) throw new AppError('LOGIN_IDP_NOT_FOUND', 'The OIDC IdP has no discovered endpoints', { idpId: idp.id })
  const now = ctx.clock()
  const { verifier, challenge } = await pkcePair(ctx.random)
  const state: LoginState = {
    requestId: options.requestId ?? newRequestId(ctx.random),
    idpId: idp.id,
    returnTo,
    test: options.test ?? false,
    expiresAt: now.getTime() + LOGIN_STATE_TTL_SECONDS * 1000,
    oidc: { nonce: base64url.encode(ctx.random(32)), codeVerifier: verifier },
  }
  const stateCookies = await loginStateCookies(ctx.secret, state, await readLoginStates(ctx.secret, cookies, now))
  const url = authorizationUrl(idp.oidcEndpoints.authorizationEndpoint, {
    clientId: idp.clientId,
    redirectUri: oidcRedirectUri(ctx.origin, idp.slug),
    scopes: idp.scopes,
    state: state.requestId,
    nonce: state.oidc!.nonce,
    codeChallenge: challenge,
    // A helpdesk's ForceAuthn (broker mode), or a test run: the provider signs the user in afresh.
    forceLogin: options.forceAuthn ?? false,
  })
  return { navigation: redirectTo(url), cookies: stateCookies }
}
