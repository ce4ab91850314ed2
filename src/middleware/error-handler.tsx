/**
 * The one failure path: a known error becomes its status and stable code; anything else is a 500
 * `INTERNAL` with the request ID (the stack goes to the log only). On audited routes the failure
 * is written to the audit log with the admin's explanation and the expected/received values; the
 * customer sees only the code, a short text and the request ID. HTML for browsers, JSON
 * `{ error: { code, message, requestId } }` for API clients.
 */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { auditFailure } from '../audit/record'
import type { AppEnv } from '../env'
import { AppError, errorCode, errorInfo } from '../errors'
import { wantsHtml } from '../http/negotiate'
import { isSamlError } from '../saml/errors'
import { portalBranding } from '../sso/branding'
import { ErrorPage } from '../ui/error-page'

/**
 * hono's own exceptions (a malformed body, a wrong method) as the gateway's codes; a known error
 * wrapped by a library (drizzle wraps what D1 threw in its own error, as `cause`) as itself.
 */
function normalize(err: Error): Error {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) if (e instanceof AppError || isSamlError(e)) return e
  if (!(err instanceof HTTPException)) return err
  const code = err.status === 404 ? 'NOT_FOUND' : err.status === 405 ? 'METHOD_NOT_ALLOWED' : err.status === 413 ? 'REQUEST_TOO_LARGE' : 'BAD_REQUEST'
  return new AppError(code, err.message || code)
}

export const handleError: ErrorHandler<AppEnv> = async (thrown, c) => {
  const err = normalize(thrown)
  const code = errorCode(err)
  if (code === 'STORAGE_UNAVAILABLE') {
    console.error(JSON.stringify({ level: 'error', msg: 'storage unavailable', requestId: c.get('requestId'), ...(err as AppError).detail }))
  }
  if (code === 'INTERNAL') {
    console.error(JSON.stringify({ level: 'error', msg: 'unhandled', requestId: c.get('requestId'), error: String(err), stack: err.stack }))
  }
  const trail = c.get('trail')
  if (trail && c.get('ctx')) {
    try {
      await auditFailure(c.get('ctx'), trail, err)
    } catch (auditError) {
      // The audit store failing must not hide the original error from the client.
      console.error(JSON.stringify({ level: 'error', msg: 'audit write failed', requestId: c.get('requestId'), error: String(auditError) }))
    }
  }
  // A rate limit says when to come back (RFC 9110 §10.2.3).
  const retryAfter = err instanceof AppError ? err.detail.retryAfterSeconds : undefined
  if (errorInfo(code).status === 429 && typeof retryAfter === 'number') c.header('Retry-After', String(retryAfter))
  const exposed = (err instanceof AppError || isSamlError(err)) && errorInfo(code).exposeMessage
  const extra = exposed ? { message: err.message, field: (err as AppError).detail.field } : undefined
  return renderError(c, code, extra)
}

export const handleNotFound: NotFoundHandler<AppEnv> = (c) => renderError(c, 'NOT_FOUND')

export async function renderError(c: Context<AppEnv>, code: string, extra?: { message: string; field?: unknown }): Promise<Response> {
  const info = errorInfo(code)
  const message = extra?.message ?? info.user
  c.set('errorCode', code)
  const requestId = c.get('requestId')
  c.header('Cache-Control', 'no-store')
  const status = info.status as ContentfulStatusCode
  // Customers see the portal's branding and where to get help, with a reference to quote.
  if (wantsHtml(c.req.raw))
    return c.html(<ErrorPage code={code} message={message} requestId={requestId} branding={await portalBranding(c.get('ctx'))} />, status)
  const field = typeof extra?.field === 'string' ? { field: extra.field } : {}
  return c.json({ error: { code, message, ...field, requestId } }, status)
}
