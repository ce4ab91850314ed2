/**
 * Domain verification over DNS: the TXT record `_edge-sso-challenge.<domain>` must hold
 * `edge-sso-verify=<token>`. Lookups go through an injectable resolver (tests and `npm start` use
 * a local one; deployed, DNS-over-HTTPS at DOH_URL, see outbound/doh.ts).
 */
import type { TxtResolver } from '../outbound/doh'

export function challengeName(domain: string): string {
  return `_edge-sso-challenge.${domain}`
}

export function challengeValue(token: string): string {
  return `edge-sso-verify=${token}`
}

export type ChallengeResult = { verified: true } | { verified: false; reason: string }

/** Looks the challenge up: verified when one TXT record is exactly the expected value. */
export async function checkChallenge(resolve: TxtResolver, domain: string, token: string): Promise<ChallengeResult> {
  let records: string[]
  try {
    records = await resolve(challengeName(domain))
  } catch (err) {
    return { verified: false, reason: err instanceof Error ? err.message : 'the DNS lookup failed' }
  }
  if (records.includes(challengeValue(token))) return { verified: true }
  if (records.length === 0) return { verified: false, reason: `no TXT record at ${challengeName(domain)} yet` }
  return { verified: false, reason: `${challengeName(domain)} has TXT records, but none is ${challengeValue(token)}` }
}
