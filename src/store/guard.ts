/**
 * D1 and KV as the services get them: the same bindings, except that a failure of the storage
 * itself (unavailable, overloaded, a network error inside Cloudflare) becomes one AppError,
 * STORAGE_UNAVAILABLE (503), naming the store and the operation, instead of a 500 with whatever
 * the runtime threw. Constraint violations pass through unchanged (the store turns them into
 * 409s). One wrapper per binding object, so caches keyed by the binding keep working.
 */
import { AppError } from '../errors'

type Store = 'D1' | 'KV'

/** A SQLite constraint (UNIQUE, NOT NULL, CHECK): the caller's business, not an outage. */
const CONSTRAINT = /constraint|UNIQUE|SQLITE_CONSTRAINT/i

async function guarded<T>(store: Store, op: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    if (err instanceof AppError || (err instanceof Error && CONSTRAINT.test(`${err.message} ${String(err.cause ?? '')}`))) throw err
    const reason = (err instanceof Error ? err.message : String(err)).slice(0, 200)
    // The reason is for the log and the health check (no such table: migrations missing), never a customer.
    throw new AppError('STORAGE_UNAVAILABLE', `${store} ${op} failed: ${reason}`, { store, op, reason })
  }
}

const STATEMENT_RUNS = new Set(['first', 'all', 'run', 'raw'])
/** Our statement wrappers → the runtime's statements (D1's batch takes only its own). */
const statements = new WeakMap<object, D1PreparedStatement>()

function guardStatement(statement: D1PreparedStatement): D1PreparedStatement {
  const wrapped = new Proxy(statement, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown
      if (typeof value !== 'function') return value
      const fn = value as (...args: unknown[]) => unknown
      if (property === 'bind') return (...args: unknown[]) => guardStatement(fn.apply(target, args) as D1PreparedStatement)
      if (STATEMENT_RUNS.has(String(property))) return (...args: unknown[]) => guarded('D1', String(property), () => fn.apply(target, args) as Promise<unknown>)
      return fn.bind(target)
    },
  })
  statements.set(wrapped, statement)
  return wrapped
}

/** One wrapper per binding object (caches keyed by the binding keep working); `wrap(name, fn, target)` replaces a method or returns null to keep it. */
function wrapOnce<T extends object>(
  cache: WeakMap<T, T>,
  binding: T,
  wrap: (property: string, fn: (...args: unknown[]) => unknown, target: T) => ((...args: never[]) => unknown) | null,
): T {
  let wrapped = cache.get(binding)
  if (!wrapped) {
    wrapped = new Proxy(binding, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown
        if (typeof value !== 'function') return value
        const fn = value as (...args: unknown[]) => unknown
        return wrap(String(property), fn, target) ?? fn.bind(target)
      },
    })
    cache.set(binding, wrapped)
  }
  return wrapped
}

const d1s = new WeakMap<D1Database, D1Database>()
const kvs = new WeakMap<KVNamespace, KVNamespace>()
const KV_OPS = new Set(['get', 'getWithMetadata', 'put', 'delete', 'list'])

export function guardD1(d1: D1Database): D1Database {
  return wrapOnce(d1s, d1, (property, fn, target) => {
    if (property === 'prepare') return (sql: string) => guardStatement(fn.call(target, sql) as D1PreparedStatement)
    // D1's batch takes only its own statements: ours go back to theirs.
    if (property === 'batch')
      return (list: D1PreparedStatement[]) =>
        guarded(
          'D1',
          'batch',
          () =>
            fn.call(
              target,
              list.map((st) => statements.get(st) ?? st),
            ) as Promise<unknown>,
        )
    if (property === 'exec') return (sql: string) => guarded('D1', 'exec', () => fn.call(target, sql) as Promise<unknown>)
    return null
  })
}

export function guardKv(kv: KVNamespace): KVNamespace {
  return wrapOnce(kvs, kv, (property, fn, target) =>
    KV_OPS.has(property) ? (...args: unknown[]) => guarded('KV', property, () => fn.apply(target, args) as Promise<unknown>) : null,
  )
}
