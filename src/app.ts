/**
 * The apps of both Workers, and both in one (createApp). Gateway pages live under /sso/;
 * everything else is the portal. What each request gets before its routes is in app-base.ts.
 *
 * Two Workers (docs/architecture.md, "Two Workers"): the gateway on the portal's hostname serves
 * customers (sign-in, ACS, logout, hand-offs, broker, proxy) and passes the admin console and the
 * setup links (CONSOLE_PATHS) untouched to the console Worker behind its CONSOLE service binding.
 * So a customer's request never loads the console's code (the gateway's bundle stays small, issue
 * 15), and the console is reachable only through the gateway (no route, no workers.dev).
 * `createApp` composes both in one app, for tests and tools that call them in process.
 */
import type { Hono } from 'hono'
import { defaultDeps } from './app-base'
import { createConsoleApp } from './console-app'
import type { AppDeps } from './context'
import type { AppEnv } from './env'
import { createGatewayApp } from './gateway-app'

export { AUTO_POST_SCRIPT_HASH, COPY_SCRIPT_HASH, defaultDeps } from './app-base'
export { CONSOLE_PATHS, createGatewayApp } from './gateway-app'
export { createConsoleApp } from './console-app'

/** Both apps in one, the console called in process: what tests and in-process tools use. */
export function createApp(deps: AppDeps = defaultDeps): Hono<AppEnv> {
  const consoleApp = createConsoleApp(deps)
  return createGatewayApp(deps, (request, env, ctx) => Promise.resolve(consoleApp.fetch(request, env, ctx)))
}
