/**
 * GET/POST /sso/logout: ends the portal session here (KV entry and cookie), audits it, and shows
 * the signed-out page. IdP logout (SP-initiated SLO) hangs off this route once the IdP has an
 * SLO URL and the logout messages land.
 */
import { Hono, type Context } from 'hono'
import { deleteCookie, getCookie } from 'hono/cookie'
import type { AppEnv } from '../env'
import { clientIp } from '../middleware/admin-auth'
import { writeAudit } from '../store/audit'
import { deleteSession, readSession, SESSION_COOKIE } from '../store/sessions'
import { getSettings } from '../store/settings'
import { SignedOutPage } from '../ui/signed-out'

async function logout(c: Context<AppEnv>) {
  const now = c.var.deps.clock()
  const token = getCookie(c, SESSION_COOKIE)
  const session = token ? await readSession(c.env.SESSIONS, token, now) : null
  if (token) await deleteSession(c.env.SESSIONS, token)
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true })
  if (session) {
    await writeAudit(c.env.DB, {
      at: now,
      actor: session.nameId,
      action: 'logout',
      idpId: session.idpId,
      subject: session.nameId,
      outcome: 'success',
      ip: clientIp(c),
      userAgent: c.req.header('user-agent') ?? null,
      requestId: c.var.requestId,
      detail: { initiatedBy: 'user' },
    })
  }
  const settings = await getSettings(c.env.DB)
  c.header('Cache-Control', 'no-store')
  return c.html(<SignedOutPage portalName={settings.portalName} accent={settings.primaryColor} idpLoggedOut={false} />)
}

export const logoutRoutes = new Hono<AppEnv>().get('/logout', logout).post('/logout', logout)
