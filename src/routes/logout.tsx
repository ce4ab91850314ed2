/**
 * GET/POST /sso/logout: ends the portal session here (KV entry and cookie), audits it, then starts
 * SAML single logout at the IdP when it has an SLO URL, else shows the signed-out page.
 * GET/POST /sso/slo: the IdP's answer, or an IdP-initiated logout (routes/slo.ts).
 */
import { Hono, type Context } from 'hono'
import { deleteCookie, getCookie } from 'hono/cookie'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { auditRequest } from '../middleware/audit'
import { isSamlError } from '../saml/errors'
import type { ReceivedLogoutMessage } from '../saml/logout'
import { deleteSession, readSession, SESSION_COOKIE } from '../store/sessions'
import { getSettings } from '../store/settings'
import { SignedOutPage } from '../ui/signed-out'
import { handleSlo, startIdpLogout } from './slo'

async function signedOut(c: Context<AppEnv>, idpLoggedOut: boolean) {
  const settings = await getSettings(c.env.DB)
  c.header('Cache-Control', 'no-store')
  return c.html(<SignedOutPage portalName={settings.portalName} accent={settings.primaryColor} idpLoggedOut={idpLoggedOut} />)
}

async function logout(c: Context<AppEnv>) {
  const now = c.var.deps.clock()
  const token = getCookie(c, SESSION_COOKIE)
  const session = token ? await readSession(c.env.SESSIONS, token, now) : null
  if (token) await deleteSession(c.env.SESSIONS, token)
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true })
  if (!session) return signedOut(c, false)
  await auditRequest(c, { action: 'logout', idpId: session.idpId, subject: session.nameId, outcome: 'success', detail: { initiatedBy: 'user' } })
  return (await startIdpLogout(c, session)) ?? signedOut(c, false)
}

async function slo(c: Context<AppEnv>) {
  let message: ReceivedLogoutMessage
  let isResponse: boolean
  if (c.req.method === 'GET') {
    const rawQuery = new URL(c.req.url).search.slice(1)
    isResponse = c.req.query('SAMLResponse') !== undefined
    if (!isResponse && c.req.query('SAMLRequest') === undefined) throw new AppError('BAD_REQUEST', 'SAMLRequest or SAMLResponse is missing')
    message = { binding: 'redirect', rawQuery }
  } else {
    const form = await c.req.parseBody()
    const value = typeof form.SAMLResponse === 'string' ? form.SAMLResponse : typeof form.SAMLRequest === 'string' ? form.SAMLRequest : ''
    if (!value) throw new AppError('BAD_REQUEST', 'SAMLRequest or SAMLResponse is missing')
    isResponse = typeof form.SAMLResponse === 'string'
    message = { binding: 'post', value, relayState: typeof form.RelayState === 'string' ? form.RelayState : null }
  }
  try {
    const outcome = await handleSlo(c, message, isResponse)
    if (outcome.kind === 'response') {
      await auditRequest(c, { action: 'logout.idp-response', idpId: outcome.idp.id, subject: null, outcome: outcome.ok ? 'success' : 'failure', detail: {} })
      // Broker-mode logout continues to the helpdesk that started it.
      if (outcome.next?.startsWith('/sso/idp/slo/done/')) return c.redirect(outcome.next, 302)
      return signedOut(c, outcome.ok)
    }
    await auditRequest(c, {
      action: 'logout.idp-initiated',
      idpId: outcome.idp.id,
      subject: outcome.nameId,
      outcome: 'success',
      detail: { sessionsEnded: outcome.ended },
    })
    return outcome.response
  } catch (err) {
    if (err instanceof AppError || isSamlError(err)) {
      await auditRequest(c, {
        action: isResponse ? 'logout.idp-response' : 'logout.idp-initiated',
        idpId: null,
        subject: null,
        outcome: 'failure',
        code: err.code,
        detail: { ...err.detail },
      })
    }
    throw err
  }
}

export const logoutRoutes = new Hono<AppEnv>().get('/logout', logout).post('/logout', logout).get('/slo', slo).post('/slo', slo)
