/**
 * Admin API authentication: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time.
 * Failures are audited and throttled per client IP (KV counter; the token's entropy is the real
 * defense, the throttle keeps logs and guessing bounded).
 */
import type { Context, MiddlewareHandler } from 'hono'
import { timingSafeEqual } from '../crypto/mac'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { writeAudit } from '../store/audit'

export const MAX_FAILED_ATTEMPTS = 10
export const FAILED_ATTEMPT_WINDOW_SECONDS = 600

export function clientIp(c: Context<AppEnv>): string {
  return c.req.header('cf-connecting-ip') ?? '127.0.0.1'
}

function failureKey(ip: string): string {
  return `ratelimit:admin:${ip}`
}

/** Counts a failed admin authentication; audits it. */
export async function recordAdminFailure(c: Context<AppEnv>, code: string): Promise<void> {
  const ip = clientIp(c)
  const count = Number((await c.env.SESSIONS.get(failureKey(ip))) ?? '0') + 1
  await c.env.SESSIONS.put(failureKey(ip), String(count), { expirationTtl: FAILED_ATTEMPT_WINDOW_SECONDS })
  await writeAudit(c.env.DB, {
    at: c.var.deps.clock(),
    actor: 'anonymous',
    action: 'admin.auth',
    outcome: 'failure',
    code,
    ip,
    userAgent: c.req.header('user-agent') ?? null,
    requestId: c.var.requestId,
    detail: { attempts: count },
  })
}

export async function assertNotThrottled(c: Context<AppEnv>): Promise<void> {
  const count = Number((await c.env.SESSIONS.get(failureKey(clientIp(c)))) ?? '0')
  if (count >= MAX_FAILED_ATTEMPTS) throw new AppError('ADMIN_RATE_LIMITED')
}

export function requireAdminToken(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.env.ADMIN_TOKEN) throw new AppError('CONFIG_MISSING_SECRET')
    await assertNotThrottled(c)
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!match) throw new AppError('ADMIN_AUTH_REQUIRED')
    if (!(await timingSafeEqual(match[1]!, c.env.ADMIN_TOKEN))) {
      await recordAdminFailure(c, 'ADMIN_TOKEN_INVALID')
      throw new AppError('ADMIN_TOKEN_INVALID')
    }
    c.set('adminActor', 'admin-token')
    await next()
  }
}
