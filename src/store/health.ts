/**
 * Storage reachability for /sso/health: a read-only probe of D1 (counting a core table proves the
 * migrations were applied too) and of KV. Never writes.
 */
import { kvKeys } from './kv-keys'

export interface StorageCheck {
  ok: boolean
  ms: number
  error?: string
}

async function timed(probe: () => Promise<unknown>): Promise<StorageCheck> {
  const started = performance.now()
  try {
    await probe()
    return { ok: true, ms: Math.round(performance.now() - started) }
  } catch (err) {
    // The message names the failing store (e.g. "no such table: idps"); no secrets travel here.
    return { ok: false, ms: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err) }
  }
}

export async function checkStorage(db: D1Database, kv: KVNamespace): Promise<{ d1: StorageCheck; kv: StorageCheck }> {
  const [d1, kvCheck] = await Promise.all([timed(() => db.prepare('SELECT count(*) AS n FROM idps').first()), timed(() => kv.get(kvKeys.healthProbe()))])
  return { d1, kv: kvCheck }
}
