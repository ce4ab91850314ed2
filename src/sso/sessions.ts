/**
 * The portal session as the browser holds it: the `__Host-sso_session` cookie (a random token),
 * the KV entry it names and its index row. A new token at every login (no fixation); logout ends
 * all of it. A session counts only while its IdP and organization may still speak (tenancy.ts).
 */
import type { RequestContext } from '../context'
import { clearCookie, setCookie, type CookieChange } from '../navigation'
import { createSession, deleteSession, readSession, readSessionEntry, type Session } from '../store/sessions'
import { liveSession } from './tenancy'

export type { Session } from '../store/sessions'

/** A session that passed the tenant check: its organization and namespaced subject are known. */
export type LiveSession = Session & { organizationId: string; organizationSlug: string; subject: string }

export const SESSION_COOKIE = '__Host-sso_session'

/** The live session this browser's cookie names, or null (none, expired, or its tenant was disabled). */
export async function currentSession(ctx: RequestContext, cookies: Record<string, string>): Promise<LiveSession | null> {
  const token = cookies[SESSION_COOKIE]
  const entry = token ? await readSessionEntry(ctx.kv, token, ctx.clock()) : null
  return entry ? liveSession(ctx, entry.session, entry.tokenHash) : null
}

/** Stores `session` under a fresh token (ending this browser's previous session) and returns its cookie. */
export async function startSession(
  ctx: RequestContext,
  cookies: Record<string, string>,
  session: Session & { organizationId: string; subject: string },
): Promise<CookieChange> {
  const previous = cookies[SESSION_COOKIE]
  if (previous) await deleteSession(ctx, previous, ctx.clock())
  const now = ctx.clock()
  const token = await createSession(ctx, session, ctx.random, now)
  // Lax: the session must survive the top-level redirect back from the IdP; KV's floor is 60 s.
  return setCookie(SESSION_COOKIE, token, { sameSite: 'Lax', maxAge: Math.max(60, Math.floor((session.expiresAt - now.getTime()) / 1000)) })
}

/** Ends this browser's session (if any); returns what it was and the cookie clearing. */
export async function endSession(ctx: RequestContext, cookies: Record<string, string>): Promise<{ session: Session | null; cookie: CookieChange }> {
  const token = cookies[SESSION_COOKIE]
  const session = token ? await readSession(ctx.kv, token, ctx.clock()) : null
  if (token) await deleteSession(ctx, token, ctx.clock())
  return { session, cookie: clearCookie(SESSION_COOKIE) }
}

/** GET /sso/me: the signed-in identity as JSON; `sub` is the namespaced subject. */
export function identityView(session: LiveSession) {
  return {
    sub: session.subject,
    nameId: session.nameId,
    nameIdFormat: session.nameIdFormat,
    email: session.email,
    name: session.displayName,
    groups: session.groups,
    idp: session.idpSlug,
    org: session.organizationSlug,
    expiresAt: new Date(session.expiresAt).toISOString(),
  }
}
