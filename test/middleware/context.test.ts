// The request context (middleware/context.ts): built once per request from the bindings, and
// refused, loudly, when the master secret is missing or too short to key anything; it carries the
// request's waitUntil for background work (webhook deliveries) when there is one.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, defaultDeps } from '../../src/app'
import type { AppEnv } from '../../src/env'
import { requestContext, setActor } from '../../src/middleware/context'
import { MIN_SSO_SECRET_CHARS, requireSsoSecret } from '../../src/secrets'

afterEach(() => vi.restoreAllMocks())

const app = createApp()
const call = (secret: string | undefined, path = '/sso/login') =>
  app.fetch(new Request(`https://support.example.com${path}`, { headers: { accept: 'application/json' } }), { ...env, SSO_SECRET: secret as string })

describe('the master secret', () => {
  // Review of issue 11: an unset SSO_SECRET keyed every MAC and seal with an empty key.
  it.each([
    ['unset', undefined],
    ['empty', ''],
    ['short', 'x'.repeat(MIN_SSO_SECRET_CHARS - 1)],
  ])('when %s, every request is refused with CONFIG_MISSING_SECRET and the reason is logged', async (_name, secret) => {
    const errors: string[] = []
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(String(line)))
    for (const path of ['/sso/login', '/sso/health', '/tickets']) {
      const res = await call(secret, path)
      expect(res.status, path).toBe(500)
      expect((await res.json<{ error: { code: string } }>()).error.code).toBe('CONFIG_MISSING_SECRET')
    }
    expect(errors.some((l) => l.includes('SSO_SECRET') && l.includes(String(MIN_SSO_SECRET_CHARS)))).toBe(true)
  })

  it('takes a secret of the documented size', async () => {
    expect(requireSsoSecret('k'.repeat(MIN_SSO_SECRET_CHARS))).toHaveLength(MIN_SSO_SECRET_CHARS)
    expect((await call(env.SSO_SECRET, '/sso/health')).status).toBe(200)
  })
})

describe('background work (waitUntil)', () => {
  const probe = () =>
    new Hono<AppEnv>().use(requestContext(defaultDeps)).get('/probe', (c) => {
      const background = c.var.ctx.waitUntil
      background?.(Promise.resolve('done'))
      // An actor change keeps it (setActor copies the context).
      setActor(c, 'admin-token')
      return c.json({ hasWaitUntil: typeof background === 'function', keptAfterActor: typeof c.var.ctx.waitUntil === 'function' })
    })

  it("hands services the request's waitUntil", async () => {
    const executionCtx = createExecutionContext()
    const res = await probe().fetch(new Request('https://support.example.com/probe'), env, executionCtx)
    await waitOnExecutionContext(executionCtx)
    expect(await res.json()).toEqual({ hasWaitUntil: true, keptAfterActor: true })
  })

  it('leaves it out when the app runs without an ExecutionContext (the cron then does the work)', async () => {
    const res = await probe().fetch(new Request('https://support.example.com/probe'), env)
    expect(await res.json()).toEqual({ hasWaitUntil: false, keptAfterActor: false })
  })
})
