/**
 * Bounds every request body before anything reads or decodes it (hono's body-limit: Content-Length
 * first, else counted while streaming). Over the limit: 413 REQUEST_TOO_LARGE through the one
 * error handler.
 */
import { bodyLimit } from 'hono/body-limit'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { MAX_BASE64_MESSAGE_CHARS } from '../saml/limits'

/**
 * SAML endpoints (ACS, SLO, broker): the largest message the core accepts, base64 and
 * form-encoded (`+`, `/` and `=` may each become three characters), plus a RelayState.
 */
export const MAX_SAML_BODY_BYTES = 3 * MAX_BASE64_MESSAGE_CHARS + 16 * 1024
/** Admin JSON API and console forms: metadata XML pasted in fits (aggregates are fetched by URL). */
export const MAX_ADMIN_BODY_BYTES = 1024 * 1024
/** Everything else (the email form, logout): small forms only. */
export const MAX_FORM_BODY_BYTES = 16 * 1024

export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError('REQUEST_TOO_LARGE', `The request body is larger than ${maxBytes} bytes.`, { maxBytes })
    },
  })
}
