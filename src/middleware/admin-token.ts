/**
 * Admin API authentication: `Authorization: Bearer <ADMIN_TOKEN>`. A missing header is a 401
 * without an audit row; a wrong token is counted per client IP and audited (`admin.auth`).
 */
import type { MiddlewareHandler } from 'hono'
import { verifyAdminToken } from '../admin/auth'
import { newTrail } from '../audit/record'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { setActor } from './context'

export function requireAdminToken(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('trail', newTrail('admin.auth'))
    if (!c.env.ADMIN_TOKEN) throw new AppError('CONFIG_MISSING_SECRET')
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')
    if (!match) throw new AppError('ADMIN_AUTH_REQUIRED')
    await verifyAdminToken(c.get('ctx'), match[1]!, c.env.ADMIN_TOKEN)
    c.set('trail', undefined)
    setActor(c, 'admin-token')
    await next()
  }
}
