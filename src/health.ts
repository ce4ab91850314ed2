/**
 * GET /sso/health: liveness plus reachability of D1 (schema migrated) and KV. The answer is
 * public: a failing check says a stable code (D1_SCHEMA_MISSING, D1_UNAVAILABLE, KV_UNAVAILABLE),
 * never the store's message, which goes to the operator's log (`wrangler tail`) instead.
 */
import type { RequestContext } from './context'
import { checkStorage, type StorageCheck } from './store/health'

export type PublicCheck = Omit<StorageCheck, 'detail'>

export interface Health {
  status: 'ok' | 'degraded'
  checks: { d1: PublicCheck; kv: PublicCheck }
  time: string
}

export async function gatewayHealth(ctx: RequestContext, log: (line: string) => void = (line) => console.error(line)): Promise<Health> {
  const { d1, kv } = await checkStorage(ctx.db, ctx.kv)
  for (const [store, check] of [['d1', d1] as const, ['kv', kv] as const])
    if (!check.ok) log(JSON.stringify({ level: 'error', msg: 'health', requestId: ctx.requestId, store, code: check.code, detail: check.detail }))
  const open = ({ detail: _detail, ...rest }: StorageCheck): PublicCheck => rest
  return { status: d1.ok && kv.ok ? 'ok' : 'degraded', checks: { d1: open(d1), kv: open(kv) }, time: ctx.clock().toISOString() }
}
