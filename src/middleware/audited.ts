/**
 * Marks a route as audited: a failure anywhere in it writes one audit row with this action
 * (the error handler does it, from the trail services fill in with the IdP and subject).
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { AuditAction } from '../audit/actions'
import { newTrail, type AuditTrail } from '../audit/record'
import type { AppEnv } from '../env'

export function audited(action: AuditAction): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('trail', newTrail(action))
    await next()
  }
}

/** Starts the trail from inside a handler, for routes whose action depends on the request (SLO). */
export function auditAs(c: Context<AppEnv>, action: AuditAction): AuditTrail {
  const trail = newTrail(action)
  c.set('trail', trail)
  return trail
}

/** The trail `audited()` started for this route. */
export function trailOf(c: Context<AppEnv>): AuditTrail {
  const trail = c.get('trail')
  if (!trail) throw new Error('route is not audited: mount audited(action) before the handler')
  return trail
}
