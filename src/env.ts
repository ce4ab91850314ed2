/**
 * The Hono environment: Worker bindings (typed by `wrangler types`) plus per-request variables.
 * Only routes and middleware read `c.env`; services get a RequestContext (context.ts).
 */
import type { AuditTrail } from './audit/record'
import type { AppDeps, RequestContext } from './context'
import type { RequestLogVariables } from './middleware/request-log'
import type { AdminSession } from './store/admin-sessions'

export type AppVariables = RequestLogVariables & {
  requestId: string
  /** The client's own X-Request-Id, kept apart from ours (middleware/request-id.ts). */
  clientRequestId?: string
  deps: AppDeps
  /** What services see of this request (middleware/context.ts). */
  ctx: RequestContext
  /** Set on audited routes: the audit row a failure of this request writes (middleware/audited.ts). */
  trail?: AuditTrail
  /** Set by requireAdminSession on admin console pages. */
  adminSession?: AdminSession
  /** Set with adminSession: the console's warning about the host it is opened on (admin/console-host.ts). */
  hostNotice?: string | null
}

export interface AppEnv {
  Bindings: Env
  Variables: AppVariables
}
