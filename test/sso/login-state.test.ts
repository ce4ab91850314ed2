// The login-state cookie (sso/login-state.ts): what binds an AuthnRequest to the browser that
// started it. Only our MAC, under the name of its own request ID, before it expires, counts.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  clearLoginState,
  LOGIN_COOKIE_PREFIX,
  LOGIN_STATE_TTL_SECONDS,
  loginStateCookies,
  MAX_PENDING_LOGINS,
  newRequestId,
  readLoginStates,
  type LoginState,
} from '../../src/sso/login-state'
import type { CookieChange } from '../../src/navigation'

const NOW = new Date('2031-03-01T12:00:00Z')
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

function state(overrides: Partial<LoginState> = {}): LoginState {
  return { requestId: newRequestId(random), idpId: 'idp_acme', returnTo: '/tickets?open=1', test: false, expiresAt: NOW.getTime() + 600_000, ...overrides }
}

/** The cookies a browser holds after applying `changes`. */
function jar(changes: CookieChange[], into: Record<string, string> = {}): Record<string, string> {
  for (const c of changes) {
    if (c.value === null) delete into[c.name]
    else into[c.name] = c.value
  }
  return into
}

describe('login-state cookie', () => {
  it('round-trips the pending login: request ID, IdP, return path and test flag', async () => {
    const pending = state({ test: true })
    const cookies = jar(await loginStateCookies(env.SSO_SECRET, pending, []))
    expect(await readLoginStates(env.SSO_SECRET, cookies, NOW)).toEqual([pending])
  })

  it('is named after its request ID and set SameSite=None for the cross-site ACS POST, for LOGIN_STATE_TTL_SECONDS', async () => {
    const pending = state()
    const changes = await loginStateCookies(env.SSO_SECRET, pending, [])
    expect(changes).toEqual([
      { name: `${LOGIN_COOKIE_PREFIX}${pending.requestId}`, value: expect.any(String), options: { sameSite: 'None', maxAge: LOGIN_STATE_TTL_SECONDS } },
    ])
    expect(clearLoginState(pending.requestId)).toEqual({
      name: `${LOGIN_COOKIE_PREFIX}${pending.requestId}`,
      value: null,
      options: { sameSite: 'None', maxAge: 0 },
    })
  })

  it('ignores a value moved to the cookie name of another request ID', async () => {
    const pending = state()
    const [cookie] = await loginStateCookies(env.SSO_SECRET, pending, [])
    const other = newRequestId(random)
    expect(await readLoginStates(env.SSO_SECRET, { [`${LOGIN_COOKIE_PREFIX}${other}`]: cookie!.value! }, NOW)).toEqual([])
  })

  it('ignores a cookie whose payload or MAC was altered, or that another secret signed', async () => {
    const pending = state()
    const [cookie] = await loginStateCookies(env.SSO_SECRET, pending, [])
    const name = cookie!.name
    const value = cookie!.value!
    const dot = value.lastIndexOf('.')
    const forged = btoa(JSON.stringify({ ...pending, idpId: 'idp_evil' }))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1)
    expect(await readLoginStates(env.SSO_SECRET, { [name]: `${forged}${value.slice(dot)}` }, NOW)).toEqual([])
    expect(await readLoginStates(env.SSO_SECRET, { [name]: `${value.slice(0, dot + 1)}${flip(value.slice(dot + 1))}` }, NOW)).toEqual([])
    expect(await readLoginStates(env.SSO_SECRET, { [name]: 'garbage' }, NOW)).toEqual([])
    const foreign = await loginStateCookies('another-secret-0123456789abcdef0123456789', pending, [])
    expect(await readLoginStates(env.SSO_SECRET, jar(foreign), NOW)).toEqual([])
    // Control: the untouched cookie reads.
    expect(await readLoginStates(env.SSO_SECRET, { [name]: value }, NOW)).toHaveLength(1)
  })

  it('ignores an expired pending login', async () => {
    const pending = state({ expiresAt: NOW.getTime() + 1000 })
    const cookies = jar(await loginStateCookies(env.SSO_SECRET, pending, []))
    expect(await readLoginStates(env.SSO_SECRET, cookies, new Date(NOW.getTime() + 999))).toHaveLength(1)
    expect(await readLoginStates(env.SSO_SECRET, cookies, new Date(NOW.getTime() + 1000))).toEqual([])
  })

  it('ignores cookies that are not login states', async () => {
    const cookies = { __Host_sso_session: 'x', other: 'y', [`${LOGIN_COOKIE_PREFIX}`]: 'z' }
    expect(await readLoginStates(env.SSO_SECRET, cookies, NOW)).toEqual([])
  })
})

describe('several tabs', () => {
  it(`keeps at most MAX_PENDING_LOGINS (${MAX_PENDING_LOGINS}) pending logins, clearing the oldest`, async () => {
    const cookies: Record<string, string> = {}
    const started: LoginState[] = []
    for (let i = 0; i < MAX_PENDING_LOGINS + 2; i++) {
      const next = state({ expiresAt: NOW.getTime() + 60_000 + i * 1000 })
      jar(await loginStateCookies(env.SSO_SECRET, next, await readLoginStates(env.SSO_SECRET, cookies, NOW)), cookies)
      started.push(next)
    }
    const kept = await readLoginStates(env.SSO_SECRET, cookies, NOW)
    expect(kept.map((s) => s.requestId).sort()).toEqual(
      started
        .slice(-MAX_PENDING_LOGINS)
        .map((s) => s.requestId)
        .sort(),
    )
  })

  it('clears nothing while there is room, and the oldest one once there is not', async () => {
    const pending = [state({ expiresAt: NOW.getTime() + 3000 }), state({ expiresAt: NOW.getTime() + 1000 })]
    expect((await loginStateCookies(env.SSO_SECRET, state(), pending)).filter((c) => c.value === null)).toEqual([])
    const full = [...pending, state({ expiresAt: NOW.getTime() + 2000 })]
    const changes = await loginStateCookies(env.SSO_SECRET, state(), full)
    expect(changes.filter((c) => c.value === null)).toEqual([clearLoginState(pending[1]!.requestId)])
  })
})

describe('request IDs', () => {
  it('are _ and 40 hex characters from the injected randomness (an xs:ID that fits a cookie name)', () => {
    expect(newRequestId(random)).toMatch(/^_[0-9a-f]{40}$/)
    expect(newRequestId((n) => new Uint8Array(n).fill(0xab))).toBe(`_${'ab'.repeat(20)}`)
  })
})
