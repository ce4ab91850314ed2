// Test helper: a tiny cookie-keeping client over the worker's fetch, like a browser session
// (Sec-Fetch-Site on every request, same-origin unless `crossSite`; Origin on same-origin POSTs;
// manual redirects).
import { exports } from 'cloudflare:workers'
import { LOGIN_COOKIE_PREFIX } from '../../src/sso/login-state'

export const ORIGIN = 'https://support.example.com'

export class TestBrowser {
  readonly cookies = new Map<string, string>()

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  async fetch(path: string, init: RequestInit & { form?: Record<string, string>; crossSite?: boolean } = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    headers.set('accept', headers.get('accept') ?? 'text/html')
    if (this.cookies.size) headers.set('cookie', this.cookieHeader())
    let body = init.body
    if (init.form) {
      body = new URLSearchParams(init.form).toString()
      headers.set('content-type', 'application/x-www-form-urlencoded')
    }
    const method = init.method ?? (init.form ? 'POST' : 'GET')
    // As a current browser: Fetch Metadata on every request, Origin on same-origin POSTs.
    if (!headers.has('sec-fetch-site')) headers.set('sec-fetch-site', init.crossSite ? 'cross-site' : 'same-origin')
    if (method !== 'GET' && !init.crossSite) headers.set('origin', ORIGIN)
    const res = await exports.default.fetch(new URL(path, ORIGIN).toString(), { ...init, method, headers, body, redirect: 'manual' })
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=thu, 01 jan 1970/i.test(a.trim()))
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return res
  }
}

/** The value of a hidden input in an HTML page. */
export function hiddenValue(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)
  if (!m) throw new Error(`no hidden input ${name}`)
  return m[1]!
}

/** The AuthnRequest ID a sign-in start bound to the browser (the name of its login-state cookie). */
export function loginRequestId(res: Response): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(LOGIN_COOKIE_PREFIX) && !/Max-Age=0/i.test(c))!
  return cookie.slice(LOGIN_COOKIE_PREFIX.length, cookie.indexOf('='))
}
