/** GET /sso/health: liveness plus reachability of D1 (schema migrated) and KV; no secrets in the answer. */
import type { RequestContext } from './context'
import { checkStorage, type StorageCheck } from './store/health'

export interface Health {
  status: 'ok' | 'degraded'
  checks: { d1: StorageCheck; kv: StorageCheck }
  time: string
}

export async function gatewayHealth(ctx: RequestContext): Promise<Health> {
  const checks = await checkStorage(ctx.db, ctx.kv)
  return { status: checks.d1.ok && checks.kv.ok ? 'ok' : 'degraded', checks, time: ctx.clock().toISOString() }
}
