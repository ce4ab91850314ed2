/**
 * Login state bound to the browser that started the sign-in: one MAC'd cookie per pending
 * AuthnRequest or OIDC authorization request (`__Host-sso_login_<id>`; for OIDC the ID is the
 * `state`), holding the IdP, return path and expiry (OIDC: nonce and PKCE verifier too). It must be
 * `SameSite=None; Secure` because the IdP's ACS POST arrives cross-site. Single use: the ACS (or
 * the OIDC callback) clears it and records the request ID as consumed.
 */
import { base64url } from 'jose'
import { signValue, verifyValue } from '../crypto/mac'
import { clearCookie, setCookie, type CookieChange } from '../navigation'

export const LOGIN_COOKIE_PREFIX = '__Host-sso_login_'
export const LOGIN_STATE_TTL_SECONDS = 600
/** Pending logins kept per browser (several tabs); older ones are dropped so cookies stay small. */
export const MAX_PENDING_LOGINS = 3
const MAC_PURPOSE = 'login-state'

export interface LoginState {
  /** AuthnRequest ID we issued. */
  requestId: string
  idpId: string
  returnTo: string
  /** Test-connection run from the admin console: show the result, create no session. */
  test: boolean
  expiresAt: number
  /**
   * An OIDC sign-in: requestId is its `state`, and these are its `nonce` and PKCE verifier (kept
   * in this browser's HttpOnly cookie only, so a code taken elsewhere cannot be redeemed).
   */
  oidc?: { nonce: string; codeVerifier: string }
}

/** Request IDs (and other gateway IDs) are `_` + 40 hex chars: an xs:ID, safe in a cookie name. */
export function newRequestId(random: (n: number) => Uint8Array): string {
  return `_${[...random(20)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

/** Every valid, unexpired pending login among this browser's cookies (bad MACs and garbage are ignored). */
export async function readLoginStates(secret: string, cookies: Record<string, string>, now: Date): Promise<LoginState[]> {
  const out: LoginState[] = []
  for (const [name, value] of Object.entries(cookies)) {
    if (!name.startsWith(LOGIN_COOKIE_PREFIX)) continue
    const payload = await verifyValue(secret, MAC_PURPOSE, value)
    if (!payload) continue
    try {
      const state = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as LoginState
      // The cookie name and the signed content must agree (no swapping values between names).
      if (name === LOGIN_COOKIE_PREFIX + state.requestId && state.expiresAt > now.getTime()) out.push(state)
    } catch {
      // Signed by us but unreadable: cannot happen short of a key compromise; ignore it.
    }
  }
  return out
}

/** The cookie for a new pending login, and the clearing of the oldest ones beyond MAX_PENDING_LOGINS. */
export async function loginStateCookies(secret: string, state: LoginState, pending: LoginState[]): Promise<CookieChange[]> {
  const oldestFirst = [...pending].sort((a, b) => a.expiresAt - b.expiresAt)
  const dropped = oldestFirst.slice(0, Math.max(0, oldestFirst.length - (MAX_PENDING_LOGINS - 1))).map((old) => clearLoginState(old.requestId))
  const payload = base64url.encode(new TextEncoder().encode(JSON.stringify(state)))
  const cookie = setCookie(LOGIN_COOKIE_PREFIX + state.requestId, await signValue(secret, MAC_PURPOSE, payload), {
    sameSite: 'None',
    maxAge: LOGIN_STATE_TTL_SECONDS,
  })
  return [...dropped, cookie]
}

export function clearLoginState(requestId: string): CookieChange {
  return clearCookie(LOGIN_COOKIE_PREFIX + requestId, 'None')
}
