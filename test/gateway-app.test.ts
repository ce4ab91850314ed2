// Two Workers (docs/architecture.md, "Two Workers"): the gateway passes the console's paths, and
// only those, to the console Worker, untouched both ways; the console serves nothing of the
// gateway's (no sign-in, no ACS, no portal proxy); an unreachable console is a 503 with its code;
// and through the test Worker's real CONSOLE service binding the console answers as deployed.
import { env, exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CONSOLE_PATHS, createConsoleApp, createGatewayApp, defaultDeps } from '../src/app'

afterEach(() => vi.restoreAllMocks())

const ORIGIN = 'https://support.example.com'

/** The gateway with a console that records what it gets and answers with a marked response. */
function recordingGateway() {
  const seen: { method: string; url: string; headers: Record<string, string>; body: string }[] = []
  const app = createGatewayApp(defaultDeps, async (request) => {
    seen.push({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() })
    return new Response('from the console', { status: 299, headers: { 'X-Request-Id': 'console-request-id', 'Set-Cookie': 'admin=1; Path=/sso/admin' } })
  })
  return { app, seen }
}

describe('the gateway Worker', () => {
  it('passes console paths to the console untouched: method, URL, headers, body; and its answer back as it is', async () => {
    const { app, seen } = recordingGateway()
    const body = 'token=abc&next=%2Fsso%2Fadmin'
    const res = await app.fetch(
      new Request(`${ORIGIN}/sso/admin/login?x=1`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': '198.51.100.4', cookie: 'a=b', 'x-request-id': 'theirs' },
      }),
      env,
    )
    expect(seen).toEqual([
      {
        method: 'POST',
        url: `${ORIGIN}/sso/admin/login?x=1`,
        headers: expect.objectContaining({ 'cf-connecting-ip': '198.51.100.4', cookie: 'a=b', 'x-request-id': 'theirs' }),
        body,
      },
    ])
    // Nothing of the gateway's middleware on the way back: the console's own request ID and headers.
    expect(res.status).toBe(299)
    expect(await res.text()).toBe('from the console')
    expect(res.headers.get('x-request-id')).toBe('console-request-id')
    expect(res.headers.get('set-cookie')).toBe('admin=1; Path=/sso/admin')
    expect(res.headers.get('content-security-policy')).toBeNull()
  })

  it.each(['/sso/admin', '/sso/admin/', '/sso/admin/idps/idp_1', '/sso/admin/api/idps', '/sso/setup', '/sso/setup/tok_123', '/sso/setup/tok_123/test/r1'])(
    'sends %s to the console',
    async (path) => {
      const { app, seen } = recordingGateway()
      expect((await app.fetch(new Request(`${ORIGIN}${path}`), env)).status).toBe(299)
      expect(seen.map((s) => new URL(s.url).pathname)).toEqual([path])
    },
  )

  it.each(['/sso/login', '/sso/acs', '/sso/health', '/sso/administrator', '/sso/admin-x', '/sso/setupx/1', '/admin', '/tickets/1'])(
    'keeps %s to itself',
    async (path) => {
      const { app, seen } = recordingGateway()
      const res = await app.fetch(new Request(`${ORIGIN}${path}`, { headers: { accept: 'application/json' } }), env)
      expect(res.status).not.toBe(299)
      expect(seen).toEqual([])
    },
  )

  it('lists exactly the console paths the docs name', () => {
    expect(CONSOLE_PATHS).toEqual(['/sso/admin', '/sso/admin/*', '/sso/setup/*'])
  })

  it('answers 503 CONSOLE_UNAVAILABLE, page or JSON, and logs why, when the console cannot be reached', async () => {
    const errors: string[] = []
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(String(line)))
    const app = createGatewayApp(defaultDeps, () => Promise.reject(new Error('Worker "edge-sso-console" not found')))
    const json = await app.fetch(new Request(`${ORIGIN}/sso/admin/api/idps`, { headers: { accept: 'application/json' } }), env)
    expect(json.status).toBe(503)
    expect(json.headers.get('cache-control')).toBe('no-store')
    expect(await json.json()).toEqual({ error: { code: 'CONSOLE_UNAVAILABLE', message: expect.stringContaining('briefly unavailable') } })
    const page = await app.fetch(new Request(`${ORIGIN}/sso/admin`, { headers: { accept: 'text/html' } }), env)
    expect(page.status).toBe(503)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(await page.text()).toContain('CONSOLE_UNAVAILABLE')
    for (const res of [json, page]) {
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    }
    expect(errors.some((l) => l.includes('console unavailable') && l.includes('edge-sso-console') && l.includes('/sso/admin/api/idps'))).toBe(true)
  })
})

describe('the console Worker', () => {
  const consoleApp = createConsoleApp(defaultDeps)

  it.each(['/sso/login', '/sso/acs', '/sso/health', '/', '/tickets/1'])('serves nothing of the gateway: %s is 404', async (path) => {
    const res = await consoleApp.fetch(new Request(`${ORIGIN}${path}`, { headers: { accept: 'application/json' } }), env)
    expect(res.status).toBe(404)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('NOT_FOUND')
  })

  it('answers through the real CONSOLE service binding, with its own request ID and headers', async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/admin/login`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<form')
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    const api = await exports.default.fetch(`${ORIGIN}/sso/admin/api/idps`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } })
    expect(api.status).toBe(200)
    expect(await api.json()).toHaveProperty('idps')
  })
})
