/**
 * The one error handler: a known error becomes its status + stable code; anything else is a 500
 * `INTERNAL` with the request ID. Stacks go to the log only, never to the client. HTML for
 * browsers, JSON `{ error: { code, message, requestId } }` for API clients.
 */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { AppEnv } from '../env'
import { AppError, errorInfo } from '../errors'
import { isSamlError } from '../saml/errors'
import { ErrorPage } from '../ui/error-page'
import { wantsHtml } from './negotiate'

export const handleError: ErrorHandler<AppEnv> = (err, c) => {
  let code = 'INTERNAL'
  if (err instanceof AppError || isSamlError(err)) code = err.code
  else if (err instanceof HTTPException) code = err.status === 404 ? 'NOT_FOUND' : err.status === 405 ? 'METHOD_NOT_ALLOWED' : 'BAD_REQUEST'
  if (code === 'INTERNAL') {
    console.error(JSON.stringify({ level: 'error', msg: 'unhandled', requestId: c.var.requestId, error: String(err), stack: err.stack }))
  }
  const exposed = (err instanceof AppError || isSamlError(err)) && errorInfo(code).exposeMessage
  const extra = exposed ? { message: err.message, field: (err as AppError).detail.field } : undefined
  return renderError(c, code, extra)
}

export const handleNotFound: NotFoundHandler<AppEnv> = (c) => renderError(c, 'NOT_FOUND')

export function renderError(c: Context<AppEnv>, code: string, extra?: { message: string; field?: unknown }): Response | Promise<Response> {
  const info = errorInfo(code)
  const message = extra?.message ?? info.user
  c.set('errorCode', code)
  const requestId = c.var.requestId
  c.header('Cache-Control', 'no-store')
  const status = info.status as ContentfulStatusCode
  if (wantsHtml(c.req.raw)) {
    return c.html(<ErrorPage code={code} message={message} hint={info.admin} requestId={requestId} />, status)
  }
  const field = typeof extra?.field === 'string' ? { field: extra.field } : {}
  return c.json({ error: { code, message, ...field, requestId } }, status)
}
