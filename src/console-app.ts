/**
 * The console Worker's app (app.ts): the admin console and API, and the customer IT's setup links.
 */
import { Hono } from 'hono'
import { finish, useBase } from './app-base'
import type { AppDeps } from './context'
import type { AppEnv } from './env'
import { adminApiRoutes } from './routes/admin-api'
import { adminConsoleRoutes } from './routes/admin-console'
import { adminAppRoutes } from './routes/admin-apps'
import { adminEventRoutes } from './routes/admin-events'
import { adminOrganizationRoutes } from './routes/admin-organizations'
import { setupRoutes } from './routes/setup'

/** The console Worker's app: the admin console and API, and the customer IT's setup links. */
export function createConsoleApp(deps: AppDeps): Hono<AppEnv> {
  const app = useBase(new Hono<AppEnv>(), deps)
  const sso = new Hono<AppEnv>()
  sso.route('/', setupRoutes)
  sso.route('/admin/api', adminApiRoutes)
  sso.route('/admin', adminOrganizationRoutes)
  sso.route('/admin', adminAppRoutes)
  sso.route('/admin', adminEventRoutes)
  sso.route('/admin', adminConsoleRoutes)
  return finish(app, sso)
}
