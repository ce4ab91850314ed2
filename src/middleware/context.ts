/**
 * Builds the RequestContext services work with, once per request: bindings, the master secret,
 * the injected clock and randomness, the gateway origin, and the client's IP and user agent for
 * the audit log. Admin middleware replaces the actor once it knows who acts.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { DEFAULT_DOH_URL, dohTxtResolver } from '../outbound/doh'
import type { AppDeps, RequestContext } from '../context'
import type { AppEnv } from '../env'
import { requireSsoSecret } from '../secrets'
import { guardD1, guardKv } from '../store/guard'

export function clientIp(c: Context<AppEnv>): string {
  return c.req.header('cf-connecting-ip') ?? '127.0.0.1'
}

/** The request's waitUntil (events/emit.ts delivers webhooks in it); none when the app runs without an ExecutionContext. */
function backgroundOf(c: Context<AppEnv>): Pick<RequestContext, 'waitUntil'> {
  let executionCtx: Context<AppEnv>['executionCtx']
  try {
    executionCtx = c.executionCtx
  } catch {
    // hono throws when app.fetch got no ExecutionContext (app.request in tests): the cron delivers instead.
    return {}
  }
  return { waitUntil: (promise) => executionCtx.waitUntil(promise) }
}

export function requestContext(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let secret: string
    try {
      secret = requireSsoSecret(c.env.SSO_SECRET)
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', msg: 'configuration', requestId: c.get('requestId'), error: (err as Error).message }))
      throw err
    }
    c.set('deps', deps)
    c.set('ctx', {
      // Storage failures become STORAGE_UNAVAILABLE (503) with the store and operation (store/guard.ts).
      db: guardD1(c.env.DB),
      kv: guardKv(c.env.SESSIONS),
      rateLimiter: c.env.RATE_LIMITER,
      secret,
      clock: deps.clock,
      random: deps.random,
      resolveTxt: deps.resolveTxt ?? dohTxtResolver(c.env.DOH_URL || DEFAULT_DOH_URL),
      origin: new URL(c.req.url).origin,
      requestId: c.get('requestId'),
      ip: clientIp(c),
      userAgent: c.req.header('user-agent') ?? null,
      actor: 'anonymous',
      ...backgroundOf(c),
    })
    await next()
  }
}

/** Records who acts from here on (admin token, admin session, SSO admin). */
export function setActor(c: Context<AppEnv>, actor: string): void {
  c.set('ctx', { ...c.get('ctx'), actor })
}
