/**
 * A provider's signing keys (its discovered `jwks_uri`), through jose's remote JWK set: cached per
 * isolate for an hour, fetched again when a token names an unknown `kid` (key rotation), but at
 * most once a minute (an attacker's made-up `kid`s cannot make us hammer the provider), with a
 * 5 s timeout. The fetch is injectable for tests.
 */
import { createRemoteJWKSet, customFetch, type FetchImplementation, type JWTVerifyGetKey } from 'jose'

export const JWKS_CACHE_MAX_AGE_MS = 3600_000
export const JWKS_REFETCH_COOLDOWN_MS = 60_000
export const JWKS_TIMEOUT_MS = 5_000

const sets = new Map<string, JWTVerifyGetKey>()

/** The key resolver for `jwksUri`, one per URI per isolate (its cache lives with it). */
export function providerKeys(jwksUri: string, fetcher?: FetchImplementation): JWTVerifyGetKey {
  const key = fetcher ? null : jwksUri
  const cached = key ? sets.get(key) : undefined
  if (cached) return cached
  const set = createRemoteJWKSet(new URL(jwksUri), {
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
    timeoutDuration: JWKS_TIMEOUT_MS,
    ...(fetcher ? { [customFetch]: fetcher } : {}),
  })
  if (key) {
    if (sets.size >= 100) sets.delete(sets.keys().next().value!)
    sets.set(key, set)
  }
  return set
}
