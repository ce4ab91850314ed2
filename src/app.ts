/**
 * Builds the Hono app. Time and randomness are injected (tests pin them). Gateway pages live
 * under /sso/; everything else is the portal. One error handler for the whole app.
 */
import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import type { AppDeps, AppEnv } from './env'
import { AppError } from './errors'
import { handleError, handleNotFound } from './middleware/error-handler'
import { requestLog } from './middleware/request-log'
import { adminApiRoutes } from './routes/admin-api'
import { adminAppRoutes } from './routes/admin-apps'
import { adminUiRoutes } from './routes/admin-ui'
import { acsRoutes } from './routes/acs'
import { handoffRoutes } from './routes/handoff'
import { healthRoutes } from './routes/health'
import { idpRoutes } from './routes/idp'
import { logoutRoutes } from './routes/logout'
import { identityRoutes } from './routes/identity'
import { portalRoutes } from './routes/portal'
import { spMetadataRoutes } from './routes/sp-metadata'
import { ssoRoutes } from './routes/sso'

/** CSP source for the one inline script; a test recomputes it from POST_FORM_SCRIPT. */
export const POST_FORM_SCRIPT_HASH = "'sha256-ePniVEkSivX/c7XWBGafqh8tSpiRrKiqYeqbG7N1TOE='"

export const defaultDeps: AppDeps = {
  clock: () => new Date(),
  random: (n) => crypto.getRandomValues(new Uint8Array(n)),
}

export function createApp(deps: AppDeps = defaultDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.use(requestId({ headerName: 'X-Request-Id' }))
  app.use(async (c, next) => {
    c.set('deps', deps)
    await next()
  })
  app.use(requestLog())
  // Gateway pages get strict headers; portal responses pass through as the portal sent them.
  app.use(
    '/sso/*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        // Only the HTTP-POST binding's auto-submit (saml/authn-request.ts POST_FORM_SCRIPT), by hash.
        scriptSrc: [POST_FORM_SCRIPT_HASH],
        imgSrc: ["'self'", 'https:', 'data:'],
        formAction: ["'self'", 'https:', 'http:'],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
    }),
  )

  const sso = new Hono<AppEnv>()
  sso.route('/', healthRoutes)
  sso.route('/', ssoRoutes)
  sso.route('/', identityRoutes)
  sso.route('/', acsRoutes)
  sso.route('/', logoutRoutes)
  sso.route('/', spMetadataRoutes)
  sso.route('/', handoffRoutes)
  sso.route('/', idpRoutes)
  sso.route('/admin/api/apps', adminAppRoutes)
  sso.route('/admin/api', adminApiRoutes)
  sso.route('/admin', adminUiRoutes)
  sso.all('*', () => {
    throw new AppError('NOT_FOUND')
  })
  app.route('/sso', sso)
  app.route('/', portalRoutes)

  app.onError(handleError)
  app.notFound(handleNotFound)
  return app
}
