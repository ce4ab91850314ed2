/**
 * Login state bound to the browser that started the sign-in: one MAC'd cookie per pending
 * AuthnRequest (`__Host-sso_login_<id>`), holding the IdP, return path and expiry. It must be
 * `SameSite=None; Secure` because the IdP's ACS POST arrives cross-site. Single use: the ACS
 * deletes it and records the request ID as consumed.
 */
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { signValue, verifyValue } from '../crypto/mac'
import { fromBase64Url, toBase64Url } from '../crypto/secret-box'
import type { AppEnv } from '../env'

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
}

/** Request IDs are `_` + 40 hex chars: safe in a cookie name. */
export function newRequestId(random: (n: number) => Uint8Array): string {
  return `_${[...random(20)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

export async function setLoginState(c: Context<AppEnv>, state: LoginState): Promise<void> {
  const pending = (await readLoginStates(c)).sort((a, b) => a.expiresAt - b.expiresAt)
  for (const old of pending.slice(0, Math.max(0, pending.length - (MAX_PENDING_LOGINS - 1)))) clearLoginState(c, old.requestId)
  const payload = toBase64Url(new TextEncoder().encode(JSON.stringify(state)))
  setCookie(c, LOGIN_COOKIE_PREFIX + state.requestId, await signValue(c.env.SSO_SECRET, MAC_PURPOSE, payload), {
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'None',
    maxAge: LOGIN_STATE_TTL_SECONDS,
  })
}

/** Every valid, unexpired pending login of this browser (bad MACs and garbage are ignored). */
export async function readLoginStates(c: Context<AppEnv>): Promise<LoginState[]> {
  const now = c.var.deps.clock().getTime()
  const out: LoginState[] = []
  for (const [name, value] of Object.entries(getCookie(c))) {
    if (!name.startsWith(LOGIN_COOKIE_PREFIX)) continue
    const payload = await verifyValue(c.env.SSO_SECRET, MAC_PURPOSE, value)
    if (!payload) continue
    try {
      const state = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as LoginState
      // The cookie name and the signed content must agree (no swapping values between names).
      if (name === LOGIN_COOKIE_PREFIX + state.requestId && state.expiresAt > now) out.push(state)
    } catch {
      // Signed by us but unreadable: cannot happen short of a key compromise; ignore it.
    }
  }
  return out
}

export function clearLoginState(c: Context<AppEnv>, requestId: string): void {
  deleteCookie(c, LOGIN_COOKIE_PREFIX + requestId, { path: '/', secure: true, sameSite: 'None' })
}
