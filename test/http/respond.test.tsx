// http/respond.tsx: a service's navigation becomes the response, with the attributes every
// gateway cookie must have, never cached, and never an auto-post page to a non-http(s) target.
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { AppEnv } from '../../src/env'
import { handleError } from '../../src/middleware/error-handler'
import { respond } from '../../src/http/respond'
import { autoPost, clearCookie, redirectTo, setCookie, type BrowserStep } from '../../src/navigation'

function appFor(step: BrowserStep) {
  const app = new Hono<AppEnv>()
  app.use(async (c, next) => {
    c.set('requestId', 'req-1')
    await next()
  })
  app.get('/', (c) => respond(c, step))
  app.onError(handleError)
  return app
}

describe('respond', () => {
  it('redirects with the status asked for, sets and clears cookies as __Host- cookies need, and is never cached', async () => {
    const res = await appFor({
      navigation: redirectTo('/tickets', 303),
      cookies: [setCookie('__Host-sso_session', 'tok', { sameSite: 'Lax', maxAge: 60 }), clearCookie('__Host-sso_login_x', 'None')],
    }).request('/')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/tickets')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const [set, cleared] = res.headers.getSetCookie()
    expect(set).toMatch(/^__Host-sso_session=tok;/)
    for (const attr of [/Path=\//, /Secure/, /HttpOnly/, /SameSite=Lax/, /Max-Age=60/]) expect(set).toMatch(attr)
    expect(cleared).toMatch(/^__Host-sso_login_x=;/)
    expect(cleared).toMatch(/Max-Age=0/)
  })

  it('renders an auto-post page for an http(s) target', async () => {
    const res = await appFor({ navigation: autoPost('https://sp.example/acs', { SAMLResponse: 'v' }, 'Continuing…'), cookies: [] }).request('/')
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('action="https://sp.example/acs"')
  })

  it('refuses to render an auto-post page to a javascript: target', async () => {
    const res = await appFor({ navigation: autoPost('javascript:alert(1)', {}, 'x'), cookies: [] }).request('/', { headers: { accept: 'application/json' } })
    expect(res.status).toBe(403)
    expect(await res.text()).not.toContain('javascript:')
  })
})
