/**
 * The Hono environment: Worker bindings (typed by `wrangler types`) plus per-request variables.
 * Only routes and middleware read `c.env`; everything below them takes explicit arguments.
 */
import type { RequestLogVariables } from './middleware/request-log'

/** Injected dependencies: time and randomness are inputs, so tests can pin them. */
export interface AppDeps {
  clock: () => Date
  random: (bytes: number) => Uint8Array
}

export type AppVariables = RequestLogVariables & {
  requestId: string
  deps: AppDeps
  /** Who is acting on the admin API/UI (for the audit log). */
  adminActor?: string
  /** Set by requireAdminSession on admin console pages. */
  adminSession?: AdminSession
}

export interface AdminSession {
  actor: string
  csrf: string
  expiresAt: number
}

export interface AppEnv {
  Bindings: Env
  Variables: AppVariables
}
