/**
 * Reads the portal session named by the session cookie (KV, keyed by the token's hash).
 */
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import type { AppEnv } from '../env'
import { readSession, SESSION_COOKIE, type Session } from '../store/sessions'

export async function currentSession(c: Context<AppEnv>): Promise<Session | null> {
  const token = getCookie(c, SESSION_COOKIE)
  return token ? readSession(c.env.SESSIONS, token, c.var.deps.clock()) : null
}
