// Starting an OIDC sign-in (sso/oidc-sign-in.ts) on real D1: the authorization URL carries a
// fresh state, nonce and S256 challenge of the verifier kept in this browser's login cookie,
// ForceAuthn becomes prompt=login, and an IdP without discovered endpoints is refused.
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createIdp } from '../../src/admin/idps'
import { s256 } from '../../src/oidc/pkce'
import { readLoginStates } from '../../src/sso/login-state'
import { oidcRedirectUri, startOidcSignIn } from '../../src/sso/oidc-sign-in'
import type { IdpRow } from '../../src/store/idps'
import { testContext, TEST_ORIGIN } from '../helpers/context'
import { CLIENT_ID, CLIENT_SECRET, fakeProvider } from '../helpers/oidc-provider'
import { seedOrganization, TEST_ORG } from '../helpers/tenants'

let idp: IdpRow
beforeAll(async () => {
  await seedOrganization()
  const provider = await fakeProvider('https://login.start.example')
  idp = await createIdp(
    testContext(),
    {
      protocol: 'oidc',
      name: 'Start',
      issuer: provider.issuer,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      organizationId: TEST_ORG.id,
      scopes: 'openid email groups',
    },
    'api',
  )
  vi.restoreAllMocks()
})
afterEach(() => vi.restoreAllMocks())

async function started(options: { test?: boolean; forceAuthn?: boolean } = {}) {
  const step = await startOidcSignIn(testContext(), idp, '/tickets/7', {}, options)
  const url = new URL((step.navigation as { location: string }).location)
  const cookies = Object.fromEntries(step.cookies.filter((c) => c.value).map((c) => [c.name, c.value!]))
  const [state] = await readLoginStates(env.SSO_SECRET, cookies, new Date())
  return { url, state: state! }
}

describe('startOidcSignIn', () => {
  it('binds state, nonce and the PKCE verifier to this browser and sends only the challenge', async () => {
    const { url, state } = await started()
    expect(url.searchParams.get('state')).toBe(state.requestId)
    expect(url.searchParams.get('nonce')).toBe(state.oidc!.nonce)
    expect(url.searchParams.get('code_challenge')).toBe(await s256(state.oidc!.codeVerifier))
    expect(url.toString()).not.toContain(state.oidc!.codeVerifier)
    expect(url.searchParams.get('redirect_uri')).toBe(oidcRedirectUri(TEST_ORIGIN, idp.slug))
    expect(url.searchParams.get('redirect_uri')).toBe(`${TEST_ORIGIN}/sso/oidc/callback?idp=${idp.slug}`)
    expect(url.searchParams.get('scope')).toBe('openid email groups')
    expect(state).toMatchObject({ idpId: idp.id, returnTo: '/tickets/7', test: false })
    expect(url.searchParams.has('prompt')).toBe(false)
  })

  it('makes every value fresh per sign-in', async () => {
    const a = await started()
    const b = await started()
    expect(a.state.requestId).not.toBe(b.state.requestId)
    expect(a.state.oidc!.nonce).not.toBe(b.state.oidc!.nonce)
    expect(a.state.oidc!.codeVerifier).not.toBe(b.state.oidc!.codeVerifier)
  })

  it('asks for a fresh sign-in (prompt=login) when the helpdesk forced authentication', async () => {
    expect((await started({ forceAuthn: true })).url.searchParams.get('prompt')).toBe('login')
  })

  it('refuses an IdP without discovered endpoints', async () => {
    await expect(startOidcSignIn(testContext(), { ...idp, oidcEndpoints: null }, '/', {}, {})).rejects.toMatchObject({ code: 'LOGIN_IDP_NOT_FOUND' })
  })
})
