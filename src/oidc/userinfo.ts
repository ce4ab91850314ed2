/**
 * The userinfo request (OIDC Core §5.3): read only when the ID token lacks a claim the gateway
 * maps (email, names, groups), with the access token as a Bearer credential, bounded and with a
 * timeout, no redirects. JSON answers only (a signed or encrypted userinfo JWT is not used: the
 * ID token stays the authority). Its `sub` must equal the token's, which oidcIdentity checks.
 */
import { AppError } from '../errors'
import { readCappedText } from '../outbound/read-capped'

export const MAX_USERINFO_BYTES = 64 * 1024
export const USERINFO_TIMEOUT_MS = 10_000

/** Whether the verified claims lack something `claimNames` would be read from (then userinfo is worth a request). */
export function lacksClaims(claims: Record<string, unknown>, claimNames: string[]): boolean {
  return claimNames.some((name) => claims[name] === undefined)
}

export async function fetchUserinfo(endpoint: string, accessToken: string, fetcher: typeof fetch = fetch): Promise<Record<string, unknown>> {
  const failed = (reason: string, detail: Record<string, unknown> = {}) =>
    new AppError('OIDC_USERINFO_FAILED', `The userinfo endpoint ${reason}`, { userinfoEndpoint: endpoint, ...detail })
  let res: Response
  try {
    res = await fetcher(endpoint, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(USERINFO_TIMEOUT_MS),
    })
  } catch {
    throw failed('could not be reached')
  }
  if (!res.ok) {
    await res.body?.cancel()
    throw failed(`answered HTTP ${res.status}`, { status: res.status })
  }
  const text = await readCappedText(res, MAX_USERINFO_BYTES)
  let parsed: unknown = null
  try {
    parsed = text === null ? null : JSON.parse(text)
  } catch {
    parsed = null
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw failed('did not answer a JSON object', { tooLarge: text === null })
  return parsed as Record<string, unknown>
}
