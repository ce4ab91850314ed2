// Faults (issue 15): D1 or KV failing or slow at each step of the ACS, the portal proxy and the
// admin API, through the app itself with doubled bindings. Each failure ends in a 503 with the
// code STORAGE_UNAVAILABLE (page or JSON), logged; nothing is half-written: no session without
// its replay row, and no replay row that blocks the retry of a login whose session was not written.
import { env, exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { issueResponse } from '../helpers/idp'
import { sampleSession, sessionCookie } from '../helpers/session'
import { faultyD1, faultyKv } from '../helpers/storage'
import { seedIdp } from '../helpers/tenants'

const ORIGIN = 'https://support.example.com'
const ENTITY = 'https://idp.faults.test/saml'
const app = createApp()
const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext

function call(path: string, init: RequestInit, bindings: { DB?: D1Database; SESSIONS?: KVNamespace } = {}) {
  return app.fetch(new Request(`${ORIGIN}${path}`, { redirect: 'manual', ...init }), { ...env, ...bindings }, ctx)
}

const postResponse = (samlResponse: string, bindings: { DB?: D1Database; SESSIONS?: KVNamespace } = {}) =>
  call(
    '/sso/acs',
    {
      method: 'POST',
      body: new URLSearchParams({ SAMLResponse: samlResponse }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    },
    bindings,
  )

const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code

beforeAll(async () => {
  await seedIdp(
    env.DB,
    'idp_faults',
    { name: 'Faults', slug: 'faults', entityId: ENTITY, ssoUrl: 'https://idp.faults.test/sso', certificates: [TEST_IDP_CERT], allowIdpInitiated: true },
    new Date(),
  )
})

describe('the ACS', () => {
  it('answers 503 when KV cannot take the session, writes no session, and lets the same response be retried', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {})
    const response = await issueResponse({ issuer: ENTITY, nameId: 'kv-down@acme.example', attributes: { email: ['kv-down@acme.example'] } })
    const failed = await postResponse(response, { SESSIONS: faultyKv(env.SESSIONS, ['put']) })
    expect(failed.status).toBe(503)
    expect(await codeOf(failed)).toBe('STORAGE_UNAVAILABLE')
    expect(failed.headers.getSetCookie().some((c) => c.startsWith('__Host-sso_session='))).toBe(false)
    expect(log.mock.calls.map((c) => String(c[0])).some((line) => line.includes('"store":"KV"') && line.includes('"op":"put"'))).toBe(true)
    const index = await env.DB.prepare("SELECT count(*) AS n FROM session_index WHERE subject = 'faults:kv-down@acme.example'").first<{ n: number }>()
    expect(index!.n).toBe(0)
    // KV is back: the user's retry of the same response signs in (its replay row was given back).
    const retry = await postResponse(response)
    expect(retry.status).toBe(303)
    expect(retry.headers.getSetCookie().some((c) => c.startsWith('__Host-sso_session='))).toBe(true)
  })

  it('answers 503 when D1 cannot record the assertion, and starts no session', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const response = await issueResponse({ issuer: ENTITY, nameId: 'd1-down@acme.example', attributes: { email: ['d1-down@acme.example'] } })
    const failed = await postResponse(response, { DB: faultyD1(env.DB, { fails: /consumed_assertions/ }) })
    expect(failed.status).toBe(503)
    expect(await codeOf(failed)).toBe('STORAGE_UNAVAILABLE')
    expect(failed.headers.getSetCookie().some((c) => c.startsWith('__Host-sso_session='))).toBe(false)
    expect((await postResponse(response)).status).toBe(303)
  })

  it('answers 503 as a page, with the code, for a browser', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const response = await issueResponse({ issuer: ENTITY, nameId: 'page@acme.example', attributes: { email: ['page@acme.example'] } })
    const res = await call(
      '/sso/acs',
      {
        method: 'POST',
        body: new URLSearchParams({ SAMLResponse: response }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      },
      { DB: faultyD1(env.DB, { fails: /session_index/ }) },
    )
    expect(res.status).toBe(503)
    expect(await res.text()).toContain('data-testid="error-code">STORAGE_UNAVAILABLE<')
  })

  it('still signs in when D1 is slow', async () => {
    const response = await issueResponse({ issuer: ENTITY, nameId: 'slow@acme.example', attributes: { email: ['slow@acme.example'] } })
    expect((await postResponse(response, { DB: faultyD1(env.DB, { delayMs: 20 }) })).status).toBe(303)
  })
})

describe('the portal proxy', () => {
  it('answers 503 JSON when KV cannot read the session', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const cookie = await sessionCookie(sampleSession())
    const res = await call('/tickets', { headers: { cookie, accept: 'application/json' } }, { SESSIONS: faultyKv(env.SESSIONS, ['get']) })
    expect(res.status).toBe(503)
    expect(await codeOf(res)).toBe('STORAGE_UNAVAILABLE')
  })
})

describe('the admin API', () => {
  it('answers 503 JSON when D1 fails on a change, and the change did not happen', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const auth = { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json', accept: 'application/json' }
    const res = await call(
      '/sso/admin/api/idps/idp_faults',
      { method: 'PATCH', headers: auth, body: JSON.stringify({ name: 'Renamed' }) },
      { DB: faultyD1(env.DB, { fails: /^update "idps"/ }) },
    )
    expect(res.status).toBe(503)
    expect(await codeOf(res)).toBe('STORAGE_UNAVAILABLE')
    const row = await env.DB.prepare("SELECT name FROM idps WHERE id = 'idp_faults'").first<{ name: string }>()
    expect(row!.name).toBe('Faults')
    void exports
  })
})
