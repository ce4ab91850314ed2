/**
 * GET /sso/login: the selection page, or straight to an IdP (`idp=`, or the one default IdP).
 * POST /sso/login: email-domain discovery; an unknown or invalid email is shown next to the field.
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { AppError, errorInfo } from '../errors'
import { readForm } from '../http/body'
import { requestCookies, respond } from '../http/respond'
import { limitBody, MAX_FORM_BODY_BYTES } from '../middleware/body-limit'
import { chooseIdp, discoverIdp, selectionPage } from '../sso/idp-choice'
import { safeReturnTo } from '../sso/return-to'
import { startSignIn } from '../sso/sign-in'
import { SelectIdpPage } from '../ui/select-idp'

export const signInRoutes = new Hono<AppEnv>()
  .get('/login', async (c) => {
    const ctx = c.get('ctx')
    const returnTo = safeReturnTo(c.req.query('return_to'))
    // `force`: a helpdesk asked for a fresh sign-in (ForceAuthn); kept through the selection page.
    const force = c.req.query('force') !== undefined
    const choice = await chooseIdp(ctx, { idp: c.req.query('idp'), select: c.req.query('select') !== undefined })
    if (choice.kind === 'start') return respond(c, await startSignIn(ctx, choice.idp, returnTo, requestCookies(c), { forceAuthn: force }))
    c.header('Cache-Control', 'no-store')
    return c.html(<SelectIdpPage {...choice.page} returnTo={returnTo} force={force} />)
  })
  .post('/login', limitBody(MAX_FORM_BODY_BYTES), async (c) => {
    const ctx = c.get('ctx')
    const form = await readForm(c)
    const returnTo = safeReturnTo(form.return_to)
    const force = form.force !== undefined
    const email = (form.email ?? '').trim()
    try {
      const idp = await discoverIdp(ctx, email)
      return c.redirect(`/sso/login?${new URLSearchParams({ idp: idp.slug, return_to: returnTo, ...(force ? { force: '' } : {}) })}`, 303)
    } catch (err) {
      if (!(err instanceof AppError) || (err.code !== 'LOGIN_EMAIL_INVALID' && err.code !== 'LOGIN_EMAIL_DOMAIN_UNKNOWN')) throw err
      c.set('errorCode', err.code)
      c.header('Cache-Control', 'no-store')
      const emailError = { code: err.code, message: errorInfo(err.code).user }
      return c.html(<SelectIdpPage {...await selectionPage(ctx)} returnTo={returnTo} force={force} email={email} emailError={emailError} />, 400)
    }
  })
