/**
 * Storage reachability for /sso/health: a read-only probe of D1 (counting a core table proves the
 * migrations were applied too) and of KV. Never writes.
 */
import { kvKeys } from './kv-keys'

/** What a failing check says publicly: a stable code, never the store's own message. */
export type StorageErrorCode = 'D1_SCHEMA_MISSING' | 'D1_UNAVAILABLE' | 'KV_UNAVAILABLE'

export interface StorageCheck {
  ok: boolean
  ms: number
  code?: StorageErrorCode
  /** The store's own message, for the operator's log only (health.ts never sends it). */
  detail?: string
}

async function timed(probe: () => Promise<unknown>, codeOf: (message: string) => StorageErrorCode): Promise<StorageCheck> {
  const started = performance.now()
  try {
    await probe()
    return { ok: true, ms: Math.round(performance.now() - started) }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    return { ok: false, ms: Math.round(performance.now() - started), code: codeOf(message), detail: message.slice(0, 300) }
  }
}

export async function checkStorage(db: D1Database, kv: KVNamespace): Promise<{ d1: StorageCheck; kv: StorageCheck }> {
  const [d1, kvCheck] = await Promise.all([
    timed(
      () => db.prepare('SELECT count(*) AS n FROM idps').first(),
      (m) => (/no such table/i.test(m) ? 'D1_SCHEMA_MISSING' : 'D1_UNAVAILABLE'),
    ),
    timed(
      () => kv.get(kvKeys.healthProbe()),
      () => 'KV_UNAVAILABLE',
    ),
  ])
  return { d1, kv: kvCheck }
}
