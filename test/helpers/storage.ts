// Test helpers (workerd) for store tests over the real D1 and KV bindings. Storage is isolated per
// test file, not per test, so tests clear what they use; nothing here replaces a binding's behavior.

/** Every key in `kv` with its expiration (seconds since the epoch, when it has one). */
export async function listAllKeys(kv: KVNamespace): Promise<{ name: string; expiration?: number }[]> {
  const keys: { name: string; expiration?: number }[] = []
  let cursor: string | undefined
  do {
    const page = await kv.list(cursor ? { cursor } : {})
    keys.push(...page.keys.map((k) => ({ name: k.name, ...(k.expiration === undefined ? {} : { expiration: k.expiration }) })))
    cursor = page.list_complete ? undefined : page.cursor
  } while (cursor)
  return keys
}

/** Deletes every key in `kv`. */
export async function clearKv(kv: KVNamespace): Promise<void> {
  for (const key of await listAllKeys(kv)) await kv.delete(key.name)
}

/**
 * The same KV namespace, recording the key of every read (get, getWithMetadata) and the options of
 * every list, so a test can show that a malformed input cost no lookup. Calls go to the real binding.
 */
export function recordingKv(kv: KVNamespace): { kv: KVNamespace; reads: string[] } {
  const reads: string[] = []
  const proxy = new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown
      if (typeof value !== 'function') return value
      const fn = (value as (...args: unknown[]) => unknown).bind(target)
      if (property === 'get' || property === 'getWithMetadata' || property === 'list')
        return (...args: unknown[]) => {
          reads.push(property === 'list' ? `list:${JSON.stringify(args[0] ?? {})}` : String(args[0]))
          return fn(...args)
        }
      return fn
    },
  })
  return { kv: proxy, reads }
}

/**
 * Another isolate's view of the same database: the same D1, but not the same binding object, so a
 * per-isolate cache keyed by the binding (settings, the JWT signing key) starts empty.
 */
export function anotherIsolate(d1: D1Database): D1Database {
  return new Proxy(d1, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

/**
 * The same KV namespace as another Cloudflare location sees it: the first read of each key is
 * cached there and served again, whatever was written or deleted since (KV's cacheTtl: "up to
 * 60 seconds or more"). Writes go through. For tests of what KV's eventual consistency allows.
 */
export function otherLocationKv(kv: KVNamespace): KVNamespace {
  const cache = new Map<string, unknown>()
  return new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown
      if (typeof value !== 'function') return value
      const fn = (value as (...args: unknown[]) => unknown).bind(target)
      if (property !== 'get') return fn
      return async (key: string, ...rest: unknown[]) => {
        const cacheKey = `${key}\u0000${JSON.stringify(rest)}`
        if (!cache.has(cacheKey)) cache.set(cacheKey, await fn(key, ...rest))
        return cache.get(cacheKey)
      }
    },
  })
}

/** SHA-256 (lowercase hex) of a string, computed here independently of src/crypto/token.ts. */
export async function sha256Hex(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * The same D1, a new binding object (so per-isolate caches keyed by it start cold), recording
 * every call that reaches the database: prepare, batch, exec.
 */
export function countingD1(d1: D1Database): { db: D1Database; calls: string[] } {
  const calls: string[] = []
  const db = new Proxy(d1, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown
      if (typeof value !== 'function') return value
      const fn = (value as (...args: unknown[]) => unknown).bind(target)
      return (...args: unknown[]) => {
        if (property === 'prepare' || property === 'batch' || property === 'exec') calls.push(String(property))
        return fn(...args)
      }
    },
  })
  return { db, calls }
}

/**
 * A D1 outage in miniature: statements whose SQL matches `fails` throw as D1 does (at run time,
 * as the runtime does); with `delayMs`, every statement answers that much later.
 */
export function faultyD1(d1: D1Database, options: { fails?: RegExp; delayMs?: number }): D1Database {
  const RUNS = ['first', 'all', 'run', 'raw']
  const wrap = (statement: D1PreparedStatement, failing: boolean): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown
        if (typeof value !== 'function') return value
        const fn = value as (...args: unknown[]) => unknown
        if (property === 'bind') return (...args: unknown[]) => wrap(fn.apply(target, args) as D1PreparedStatement, failing)
        if (RUNS.includes(String(property)))
          return async (...args: unknown[]) => {
            if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs))
            if (failing) throw new Error('D1_ERROR: simulated outage: Network connection lost.')
            return fn.apply(target, args)
          }
        return fn.bind(target)
      },
    })
  return new Proxy(d1, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown
      if (typeof value !== 'function') return value
      const fn = (value as (...args: unknown[]) => unknown).bind(target)
      if (property === 'prepare') return (sql: string) => wrap(fn(sql) as D1PreparedStatement, options.fails?.test(sql) ?? false)
      if (property === 'batch')
        return async (list: D1PreparedStatement[]) => {
          // A batch with a failing statement fails whole, as D1's does (one transaction).
          if (options.fails && list.some((s) => options.fails!.test(String((s as unknown as { statement?: string }).statement ?? ''))))
            throw new Error('D1_ERROR: simulated outage: Network connection lost.')
          return fn(list)
        }
      return fn
    },
  })
}

/** A KV outage in miniature: the named operations throw as KV does. */
export function faultyKv(kv: KVNamespace, fails: ('get' | 'put' | 'delete' | 'list')[]): KVNamespace {
  return new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown
      if (typeof value !== 'function') return value
      if ((fails as string[]).includes(String(property)))
        return async () => {
          throw new Error(`KV ${String(property).toUpperCase()} failed: 503 Service Unavailable`)
        }
      return (value as (...args: unknown[]) => unknown).bind(target)
    },
  })
}
