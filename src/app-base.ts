/**
 * What both Workers' apps share (app.ts): request ID, request context, request log, secure headers
 * on gateway pages, the /sso/ fallback and the one error handler. Time and randomness are injected
 * (tests pin them).
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

/** CSP source for the auto-post page's inline script (ui/auto-post.tsx AUTO_POST_SCRIPT); a test recomputes it. */
export const AUTO_POST_SCRIPT_HASH = "'sha256-ePniVEkSivX/c7XWBGafqh8tSpiRrKiqYeqbG7N1TOE='"
/** CSP source for the copy buttons' inline script (ui/copy-button.tsx COPY_SCRIPT); a test recomputes it. */
export const COPY_SCRIPT_HASH = "'sha256-dcV+vj84rITHS+hPoCzRh7ZuJ+30xu3V7CYVMxoZ/aQ='"

export const defaultDeps: AppDeps = {
  clock: () => new Date(),
  random: (n) => crypto.getRandomValues(new Uint8Array(n)),
}

/** What a request gets before the routes: IDs, context, log line, and strict headers on /sso/ pages. */
export function useBase(app: Hono<AppEnv>, deps: AppDeps): Hono<AppEnv> {
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
  return app
}

/** Mounts the /sso/ routers (anything else under /sso/ is NOT_FOUND), then `rest`, and the one error handler. */
export function finish(app: Hono<AppEnv>, sso: Hono<AppEnv>, rest?: Hono<AppEnv>): Hono<AppEnv> {
  sso.all('*', () => {
    throw new AppError('NOT_FOUND')
  })
  app.route('/sso', sso)
  if (rest) app.route('/', rest)
  app.onError(handleError)
  app.notFound(handleNotFound)
  return app
}
