/**
 * The portal session as the browser holds it: the `__Host-sso_session` cookie (a random token)
 * and the KV entry it names. A new token at every login (no fixation); logout ends both.
 */
import type { RequestContext } from '../context'
import { clearCookie, setCookie, type CookieChange } from '../navigation'
import { createSession, deleteSession, readSession, type Session } from '../store/sessions'

export type { Session } from '../store/sessions'

export const SESSION_COOKIE = '__Host-sso_session'

/** The live session this browser's cookie names, or null. */
export async function currentSession(ctx: RequestContext, cookies: Record<string, string>): Promise<Session | null> {
  const token = cookies[SESSION_COOKIE]
  return token ? readSession(ctx.kv, token, ctx.clock()) : null
}

/** Stores `session` under a fresh token (ending this browser's previous session) and returns its cookie. */
export async function startSession(ctx: RequestContext, cookies: Record<string, string>, session: Session): Promise<CookieChange> {
  const previous = cookies[SESSION_COOKIE]
  if (previous) await deleteSession(ctx.kv, previous)
  const now = ctx.clock()
  const token = await createSession(ctx.kv, session, ctx.random, now)
  // Lax: the session must survive the top-level redirect back from the IdP; KV's floor is 60 s.
  return setCookie(SESSION_COOKIE, token, { sameSite: 'Lax', maxAge: Math.max(60, Math.floor((session.expiresAt - now.getTime()) / 1000)) })
}

/** Ends this browser's session (if any); returns what it was and the cookie clearing. */
export async function endSession(ctx: RequestContext, cookies: Record<string, string>): Promise<{ session: Session | null; cookie: CookieChange }> {
  const token = cookies[SESSION_COOKIE]
  const session = token ? await readSession(ctx.kv, token, ctx.clock()) : null
  if (token) await deleteSession(ctx.kv, token)
  return { session, cookie: clearCookie(SESSION_COOKIE) }
}

/** GET /sso/me: the signed-in identity as JSON. */
export function identityView(session: Session) {
  return {
    sub: session.nameId,
    nameIdFormat: session.nameIdFormat,
    email: session.email,
    name: session.displayName,
    groups: session.groups,
    idp: session.idpSlug,
    expiresAt: new Date(session.expiresAt).toISOString(),
  }
}
