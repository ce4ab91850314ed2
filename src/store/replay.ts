/**
 * Replay protection: one unique insert per accepted assertion (and per AuthnRequest and
 * LogoutRequest ID used),
 * in D1 because it is strongly consistent (KV is not). Rows live until the assertion expires.
 */
import { and, eq, lt } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { consumedAssertions } from './schema'
import { insertInto } from './statements'

/** Request IDs share the table under this pseudo-issuer: each login state is single use. */
export const AUTHN_REQUEST_ISSUER = 'urn:edge-sso:authn-request'

/** LogoutRequest IDs (from IdPs and helpdesk apps) share the table under their issuer, prefixed. */
export function logoutRequestIssuer(issuer: string): string {
  return `urn:edge-sso:logout-request:${issuer}`
}

// Every sign-in consumes one or two: a prepared statement (statements.ts).
const insertConsumed = insertInto(consumedAssertions, 'ON CONFLICT DO NOTHING RETURNING "assertion_id"')

/** True when this (issuer, id) was unused and is now consumed; false on a replay. */
export async function consumeOnce(d1: D1Database, issuer: string, id: string, expiresAt: Date, now: Date): Promise<boolean> {
  const rows = await insertConsumed(d1, { issuer, assertionId: id, expiresAt, consumedAt: now }).raw()
  return rows.length === 1
}

/**
 * Gives (issuer, id) back: for a login that consumed it but could not write its session (storage
 * failed), so the user's retry with the same response is not refused as a replay.
 */
export async function releaseConsumed(d1: D1Database, issuer: string, id: string): Promise<void> {
  await drizzle(d1)
    .delete(consumedAssertions)
    .where(and(eq(consumedAssertions.issuer, issuer), eq(consumedAssertions.assertionId, id)))
}

/** Deletes replay rows whose assertion can no longer be accepted; returns how many went. */
export async function pruneConsumed(d1: D1Database, now: Date): Promise<number> {
  const rows = await drizzle(d1).delete(consumedAssertions).where(lt(consumedAssertions.expiresAt, now)).returning({ id: consumedAssertions.assertionId })
  return rows.length
}
