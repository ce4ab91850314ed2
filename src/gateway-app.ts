/**
 * The gateway Worker's app, on the portal's hostname: customer sign-in, ACS, logout, hand-offs,
 * the broker and the portal proxy; console paths go on to the console Worker (app.ts).
 */
import { Hono } from 'hono'
import type { Context } from 'hono'
import { finish, useBase } from './app-base'
import type { AppDeps } from './context'
import type { AppEnv } from './env'
import { errorInfo } from './errors'
import { wantsHtml } from './http/negotiate'
import { acsRoutes } from './routes/acs'
import { brokerRoutes } from './routes/broker'
import { gatewayInfoRoutes } from './routes/gateway-info'
import { handoffRoutes } from './routes/handoffs'
import { logoutRoutes } from './routes/logout'
import { portalRoutes } from './routes/portal'
import { signInRoutes } from './routes/sign-in'

/** Paths the console Worker serves; the gateway passes them on untouched. */
export const CONSOLE_PATHS = ['/sso/admin', '/sso/admin/*', '/sso/setup/*'] as const

/** Hands a console request to the console Worker: its CONSOLE binding, or the console app in process. */
export type ConsoleForward = (request: Request, env: Env, ctx: Context['executionCtx'] | undefined) => Promise<Response>

/**
 * The gateway Worker's app. Console paths go to `forward` before any middleware runs: the console
 * Worker gives them their request ID, log line, audit rows, headers and errors itself, so nothing
 * is done twice or overwritten here. When the console cannot be reached, a 503 CONSOLE_UNAVAILABLE.
 */
export function createGatewayApp(deps: AppDeps, forward: ConsoleForward): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const toConsole = async (c: Context<AppEnv>) => {
    let executionCtx: Context['executionCtx'] | undefined
    try {
      executionCtx = c.executionCtx
    } catch {
      // app.request() in tests: no ExecutionContext.
    }
    try {
      return await forward(c.req.raw, c.env, executionCtx)
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', msg: 'console unavailable', path: new URL(c.req.url).pathname, error: String(err) }))
      return consoleUnavailable(c.req.raw)
    }
  }
  for (const path of CONSOLE_PATHS) app.all(path, toConsole)
  useBase(app, deps)
  const sso = new Hono<AppEnv>()
  sso.route('/', gatewayInfoRoutes)
  sso.route('/', signInRoutes)
  sso.route('/', acsRoutes)
  sso.route('/', logoutRoutes)
  sso.route('/', handoffRoutes)
  sso.route('/', brokerRoutes)
  return finish(app, sso, portalRoutes)
}

/**
 * The answer when the console Worker cannot be reached (not deployed, or failing): no branding or
 * storage here, since this path runs before the gateway's context. The log line says what failed.
 */
function consoleUnavailable(request: Request): Response {
  const code = 'CONSOLE_UNAVAILABLE'
  const { status, user } = errorInfo(code)
  // The secure headers of every gateway page (app-base.ts), minus what a page without script needs.
  const headers = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  }
  if (wantsHtml(request))
    return new Response(`<!doctype html><meta charset="utf-8"><title>Unavailable</title><p>${user}</p><p>Code: ${code}</p>`, {
      status,
      headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' },
    })
  return Response.json({ error: { code, message: user } }, { status, headers })
}
