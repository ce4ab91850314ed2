/**
 * Where a service sends the browser next, and which cookies change on the way: plain data that
 * routes turn into a response (http/respond.ts). Services never build responses themselves.
 */

export type Navigation =
  /** A 302/303 redirect; `location` is absolute or a same-origin path the service vouches for. */
  | { kind: 'redirect'; location: string; status: 302 | 303 }
  /** An auto-submitting form to another site (HTTP-POST binding, JWT hand-offs). */
  | { kind: 'post'; action: string; fields: Record<string, string>; message: string }
  /** A page that asks the user before a same-origin form does something (a cross-site logout). */
  | { kind: 'confirm'; form: ConfirmForm; page: ConfirmText }

/** The form the confirm button submits: to a gateway path, as a page of the gateway. */
export interface ConfirmForm {
  method: 'get' | 'post'
  /** A path under /sso/ (never another site). */
  action: string
  fields: Record<string, string>
}

/** What the confirm page says, with the portal's branding. */
export interface ConfirmText {
  title: string
  text: string
  button: string
  portalName: string
  accent: string
}

export interface CookieOptions {
  sameSite: 'Lax' | 'None' | 'Strict'
  /** Seconds; ignored when the cookie is cleared. */
  maxAge: number
}

/** Set a cookie (`value` a string) or clear it (`value` null). Always `Path=/; Secure; HttpOnly`. */
export interface CookieChange {
  name: string
  value: string | null
  options: CookieOptions
}

/** A navigation and the cookie changes that come with it. */
export interface BrowserStep {
  navigation: Navigation
  cookies: CookieChange[]
}

export function redirectTo(location: string, status: 302 | 303 = 302): Navigation {
  return { kind: 'redirect', location, status }
}

export function autoPost(action: string, fields: Record<string, string>, message: string): Navigation {
  return { kind: 'post', action, fields, message }
}

export function confirmFirst(form: ConfirmForm, page: ConfirmText): Navigation {
  return { kind: 'confirm', form, page }
}

export function setCookie(name: string, value: string, options: CookieOptions): CookieChange {
  return { name, value, options }
}

export function clearCookie(name: string, sameSite: CookieOptions['sameSite'] = 'Lax'): CookieChange {
  return { name, value: null, options: { sameSite, maxAge: 0 } }
}
