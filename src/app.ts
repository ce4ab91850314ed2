/**
 * Builds the Hono app: request ID, request context, request log, secure headers on gateway pages,
 * the routers (one per surface), and the one error handler. Time and randomness are injected
 * (tests pin them). Gateway pages live under /sso/; everything else is the portal.
 */
import { Hono } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import type { AppDeps } from './context'
import type { AppEnv } from './env'
import { AppError } from './errors'
import { requestContext } from './middleware/context'
import { handleError, handleNotFound } from './middleware/error-handler'
import { requestIds } from './middleware/request-id'
import { requestLog } from './middleware/request-log'
import { acsRoutes } from './routes/acs'
import { adminApiRoutes } from './routes/admin-api'
import { adminConsoleRoutes } from './routes/admin-console'
import { adminAppRoutes } from './routes/admin-apps'
import { adminEventRoutes } from './routes/admin-events'
import { adminOrganizationRoutes } from './routes/admin-organizations'
import { brokerRoutes } from './routes/broker'
import { gatewayInfoRoutes } from './routes/gateway-info'
import { handoffRoutes } from './routes/handoffs'
import { logoutRoutes } from './routes/logout'
import { portalRoutes } from './routes/portal'
import { setupRoutes } from './routes/setup'
import { signInRoutes } from './routes/sign-in'

/** CSP source for the auto-post page's inline script (ui/auto-post.tsx AUTO_POST_SCRIPT); a test recomputes it. */
export const AUTO_POST_SCRIPT_HASH = "'sha256-ePniVEkSivX/c7XWBGafqh8tSpiRrKiqYeqbG7N1TOE='"
/** CSP source for the copy buttons' inline script (ui/copy-button.tsx COPY_SCRIPT); a test recomputes it. */
export const COPY_SCRIPT_HASH = "'sha256-dcV+vj84rITHS+hPoCzRh7ZuJ+30xu3V7CYVMxoZ/aQ='"

export const defaultDeps: AppDeps = {
  clock: () => new Date(),
  random: (n) => crypto.getRandomValues(new Uint8Array(n)),
}

export function createApp(deps: AppDeps = defaultDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.use(requestIds())
  app.use(requestContext(deps))
  app.use(requestLog())
  // Gateway pages get strict headers; portal responses pass through as the portal sent them.
  app.use(
    '/sso/*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: [AUTO_POST_SCRIPT_HASH, COPY_SCRIPT_HASH],
        imgSrc: ["'self'", 'https:', 'data:'],
        formAction: ["'self'", 'https:', 'http:'],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
    }),
  )

  const sso = new Hono<AppEnv>()
  sso.route('/', gatewayInfoRoutes)
  sso.route('/', signInRoutes)
  sso.route('/', acsRoutes)
  sso.route('/', logoutRoutes)
  sso.route('/', handoffRoutes)
  sso.route('/', brokerRoutes)
  sso.route('/', setupRoutes)
  sso.route('/admin/api', adminApiRoutes)
  sso.route('/admin', adminOrganizationRoutes)
  sso.route('/admin', adminAppRoutes)
  sso.route('/admin', adminEventRoutes)
  sso.route('/admin', adminConsoleRoutes)
  sso.all('*', () => {
    throw new AppError('NOT_FOUND')
  })
  app.route('/sso', sso)
  app.route('/', portalRoutes)

  app.onError(handleError)
  app.notFound(handleNotFound)
  return app
}
