/**
 * Turns what a service decided (navigation.ts) into the response: cookies set or cleared with
 * the attributes every gateway cookie has (`Path=/; Secure; HttpOnly`, SameSite as given), then a
 * redirect, the auto-submitting page or a page that asks the user first. Never cached: each of these is personal and single use.
 */
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import type { BrowserStep, CookieChange } from '../navigation'
import { AutoPostPage } from '../ui/auto-post'
import { ConfirmPage } from '../ui/confirm'

/** This request's cookies by name (the services' view of them). */
export function requestCookies(c: Context<AppEnv>): Record<string, string> {
  return getCookie(c)
}

export function applyCookies(c: Context<AppEnv>, changes: readonly CookieChange[]): void {
  for (const change of changes) {
    if (change.value === null) deleteCookie(c, change.name, { path: '/', secure: true, sameSite: change.options.sameSite })
    else setCookie(c, change.name, change.value, { path: '/', secure: true, httpOnly: true, sameSite: change.options.sameSite, maxAge: change.options.maxAge })
  }
}

export function respond(c: Context<AppEnv>, step: BrowserStep): Response | Promise<Response> {
  applyCookies(c, step.cookies)
  c.header('Cache-Control', 'no-store')
  const nav = step.navigation
  if (nav.kind === 'redirect') return c.redirect(nav.location, nav.status)
  if (nav.kind === 'confirm') {
    if (!nav.form.action.startsWith('/sso/')) throw new AppError('BAD_REQUEST', 'A confirm form posts only to the gateway')
    return c.html(<ConfirmPage form={nav.form} page={nav.page} />)
  }
  // A `javascript:` action would run script on submit; targets come from admin config or metadata.
  if (!/^https?:\/\//i.test(nav.action)) throw new AppError('SAML_DESTINATION_MISMATCH', 'The HTTP-POST target must be an http(s) URL')
  return c.html(<AutoPostPage action={nav.action} fields={nav.fields} message={nav.message} />)
}
