/**
 * Imported CryptoKeys kept per isolate, so a busy isolate imports each IdP certificate and each of
 * the gateway's own private keys once instead of on every request (an RSA-2048 private key import
 * costs ~0.2 ms of CPU, a public key ~0.1 ms). A bounded LRU: a flood of distinct keys evicts the
 * oldest and never grows memory. No clock: entries are only as old as the isolate.
 * Must never answer for other key bytes: callers key entries by the full key bytes (public
 * keys) or their SHA-256 (private keys), together with the algorithm the key is imported for.
 */
import { bytesToHex } from '../der'

/** What one cache holds: the import in flight or done, per key. */
export interface KeyCache {
  /** The cached key for `cacheKey`, or the result of `load()` (cached once it succeeds). */
  get(cacheKey: string, load: () => Promise<CryptoKey>): Promise<CryptoKey>
  /** Entries held now (never above the bound). */
  readonly size: number
}

/** A per-isolate LRU of at most `maxEntries` imported keys. A failed import is not kept. */
export function createKeyCache(maxEntries: number): KeyCache {
  const entries = new Map<string, Promise<CryptoKey>>()
  return {
    get(cacheKey, load) {
      let key = entries.get(cacheKey)
      if (key) {
        // Re-inserted at the end: Map order is the LRU order.
        entries.delete(cacheKey)
      } else {
        key = load()
        const pending = key
        // A failure is reported to its caller and forgotten, so the next call tries again.
        pending.catch(() => {
          if (entries.get(cacheKey) === pending) entries.delete(cacheKey)
        })
        const oldest = entries.keys().next()
        if (entries.size >= maxEntries && !oldest.done) entries.delete(oldest.value)
      }
      entries.set(cacheKey, key)
      return key
    },
    get size() {
      return entries.size
    },
  }
}

/** Hex SHA-256 of `bytes`: a cache key that names private key material without holding it. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
}
