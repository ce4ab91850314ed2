/**
 * Our own request ID for every request (a random UUID, in `X-Request-Id` of the answer, the log
 * line, the audit row and the error page). A client's `X-Request-Id` is never taken for it: an
 * attacker could otherwise choose the ID an audit row or a support ticket is found by. The
 * client's value, when it looks like an ID, is kept apart as `clientRequestId` for the log.
 */
import type { MiddlewareHandler } from 'hono'

/** A client ID worth logging: short, and only characters that cannot forge a log line. */
const CLIENT_REQUEST_ID = /^[\w.:=-]{1,128}$/

export interface RequestIdVariables {
  requestId: string
  clientRequestId?: string
}

export function requestIds(): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  return async (c, next) => {
    const id = crypto.randomUUID()
    c.set('requestId', id)
    const theirs = c.req.header('x-request-id')
    if (theirs && CLIENT_REQUEST_ID.test(theirs)) c.set('clientRequestId', theirs)
    c.header('X-Request-Id', id)
    await next()
  }
}
