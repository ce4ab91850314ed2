/**
 * Structured request log: exactly one JSON line per request (method, path, status, ms, code,
 * our request ID, and the client's own X-Request-Id apart). Never logs query strings, bodies, cookies or headers: SAML messages and tokens
 * travel there.
 */
import type { MiddlewareHandler } from 'hono'

export interface RequestLogVariables {
  /** Stable error code of the response, set by the error handler; logged and audited. */
  errorCode?: string
}

export interface RequestLogLine {
  level: 'info' | 'warn' | 'error'
  msg: 'request'
  requestId: string
  /** The client's own X-Request-Id, when it sent a sane one: never taken as ours. */
  clientRequestId?: string
  method: string
  path: string
  status: number
  ms: number
  code?: string
}

export function requestLog(write: (line: string) => void = (line) => console.log(line)): MiddlewareHandler<{
  Variables: RequestLogVariables & { requestId: string; clientRequestId?: string }
}> {
  return async (c, next) => {
    const started = performance.now()
    await next()
    const status = c.res.status
    const line: RequestLogLine = {
      level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      msg: 'request',
      requestId: c.get('requestId'),
      method: c.req.method,
      // A setup link's token is a credential: the log keeps only that it was one.
      path: c.req.path.replace(/^\/sso\/setup\/[^/]+/, '/sso/setup/<token>'),
      status,
      // performance.now() in workerd advances only across I/O; still the best in-Worker figure.
      ms: Math.round((performance.now() - started) * 10) / 10,
    }
    if (c.get('clientRequestId')) line.clientRequestId = c.get('clientRequestId')
    if (c.get('errorCode')) line.code = c.get('errorCode')
    write(JSON.stringify(line))
  }
}
