/**
 * Failed admin sign-ins per client IP, counted in KV for ADMIN_FAILURE_WINDOW_SECONDS. A
 * throttle, not the defense (the token's entropy is): KV is eventually consistent, so parallel
 * guesses can each read a stale count (docs/storage.md).
 */
import { ADMIN_FAILURE_WINDOW_SECONDS, kvKeys } from './kv-keys'

export async function countAdminFailures(kv: KVNamespace, ip: string): Promise<number> {
  return Number((await kv.get(kvKeys.adminFailures(ip))) ?? '0') || 0
}

/** Adds one failure for `ip`; returns the new count. */
export async function addAdminFailure(kv: KVNamespace, ip: string): Promise<number> {
  const count = (await countAdminFailures(kv, ip)) + 1
  await kv.put(kvKeys.adminFailures(ip), String(count), { expirationTtl: ADMIN_FAILURE_WINDOW_SECONDS })
  return count
}
