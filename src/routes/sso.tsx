/**
 * Customer sign-in entry: GET /sso/login (selection page, or straight to an IdP when `idp` is
 * given or one default IdP exists) and POST /sso/login (email-domain discovery).
 */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError, errorInfo } from '../errors'
import { findIdp, listIdps, type IdpRow } from '../store/idps'
import { getSettings } from '../store/settings'
import { SelectIdpPage, type SelectIdpProps } from '../ui/select-idp'
import { startLogin } from './login-start'
import { safeReturnTo } from './return-to'

const EMAIL = /^[^\s@]{1,64}@([a-z0-9.-]{1,253})$/i

async function renderSelection(c: Context<AppEnv>, idps: IdpRow[], returnTo: string, extra: Partial<SelectIdpProps> = {}, status: 200 | 400 = 200) {
  const settings = await getSettings(c.env.DB)
  const enabled = idps.filter((i) => i.enabled)
  c.header('Cache-Control', 'no-store')
  return c.html(
    <SelectIdpPage
      portalName={settings.portalName}
      accent={settings.primaryColor}
      logoUrl={settings.logoUrl}
      idps={enabled.filter((i) => i.showOnSelection).map((i) => ({ slug: i.slug, name: i.name, logoUrl: i.logoUrl }))}
      hasEmailRouting={enabled.some((i) => i.emailDomains.length > 0)}
      returnTo={returnTo}
      {...extra}
    />,
    status,
  )
}

function usable(idp: IdpRow | null): IdpRow {
  if (!idp) throw new AppError('LOGIN_IDP_NOT_FOUND')
  if (!idp.enabled) throw new AppError('LOGIN_IDP_DISABLED')
  return idp
}

export const ssoRoutes = new Hono<AppEnv>()
  .get('/login', async (c) => {
    const returnTo = safeReturnTo(c.req.query('return_to'))
    const wanted = c.req.query('idp')
    if (wanted) return startLogin(c, usable(await findIdp(c.env.DB, wanted)), returnTo)
    const idps = await listIdps(c.env.DB)
    // "Redirect to default IdP": one enabled default and no explicit choice skips the page.
    const defaults = idps.filter((i) => i.enabled && i.isDefault)
    if (defaults.length === 1 && c.req.query('select') === undefined) return startLogin(c, defaults[0]!, returnTo)
    return renderSelection(c, idps, returnTo)
  })
  .post('/login', async (c) => {
    const form = await c.req.parseBody()
    const returnTo = safeReturnTo(typeof form.return_to === 'string' ? form.return_to : null)
    const email = typeof form.email === 'string' ? form.email.trim() : ''
    const idps = await listIdps(c.env.DB)
    const fail = (code: 'LOGIN_EMAIL_INVALID' | 'LOGIN_EMAIL_DOMAIN_UNKNOWN') => {
      c.set('errorCode', code)
      return renderSelection(c, idps, returnTo, { email, emailError: { code, message: errorInfo(code).user } }, 400)
    }
    const match = EMAIL.exec(email)
    if (!match) return fail('LOGIN_EMAIL_INVALID')
    const domain = match[1]!.toLowerCase()
    // Exact domain first, then the closest parent domain (eu.acme.com → acme.com).
    const candidates = idps.filter((i) => i.enabled)
    for (let d = domain; d.includes('.'); d = d.slice(d.indexOf('.') + 1)) {
      const idp = candidates.find((i) => i.emailDomains.includes(d))
      if (idp) {
        const params = new URLSearchParams({ idp: idp.slug, return_to: returnTo })
        return c.redirect(`/sso/login?${params}`, 303)
      }
    }
    return fail('LOGIN_EMAIL_DOMAIN_UNKNOWN')
  })
