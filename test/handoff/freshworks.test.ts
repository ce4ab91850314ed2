// Freshworks JWT SSO (handoff/freshworks.ts) on real D1 and WebCrypto: an id_token only ever to a
// registered redirect_uri (checked before sign-in), signed with the gateway's SP signing key and
// verifiable with its certificate, as Freshworks does with the public key it was given.
import { env } from 'cloudflare:workers'
import { importX509, jwtVerify } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { newTrail } from '../../src/audit/record'
import { FRESHWORKS_TOKEN_TTL_SECONDS, handOffToFreshworks, isRegisteredRedirect, type FreshworksRequest } from '../../src/handoff/freshworks'
import type { BrowserStep } from '../../src/navigation'
import { signingKey } from '../../src/sso/signing-key'
import { saveApp } from '../../src/store/apps'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { lastAuditRow, testContext } from '../helpers/context'
import { sampleSession, sessionCookie } from '../helpers/session'

const CALLBACK = 'https://acme.freshdesk.com/sp/OAUTH/123/callback'
const CALLBACK_WITH_QUERY = 'https://acme.freshservice.com/sso/callback?tenant=7'

beforeAll(async () => {
  await saveApp(
    env.DB,
    env.SSO_SECRET,
    'app_fw',
    { kind: 'freshworks', name: 'Freshdesk', slug: 'freshdesk', enabled: true, config: { redirectUris: [CALLBACK, CALLBACK_WITH_QUERY] } },
    new Date(),
    true,
  )
})

async function cookies(overrides = {}): Promise<Record<string, string>> {
  const [name, value] = (await sessionCookie(sampleSession({ idpId: 'idp_acme', ...overrides }))).split('=') as [string, string]
  return { [name]: value }
}

const request = (overrides: Partial<FreshworksRequest> = {}): FreshworksRequest => ({
  app: undefined,
  redirectUri: CALLBACK,
  state: 'st-1',
  nonce: 'n-1',
  clientId: 'fw-client',
  path: '/sso/handoff/freshworks?redirect_uri=x',
  ...overrides,
})

function redirect(step: BrowserStep): URL {
  if (step.navigation.kind !== 'redirect') throw new Error('expected a redirect')
  return new URL(step.navigation.location)
}

async function gatewayKey() {
  return importX509((await signingKey(testContext(), 'freshworks')).certificatePem, 'RS256')
}

describe('handOffToFreshworks', () => {
  it('returns state and an RS256 id_token to the registered redirect_uri, verifiable with the gateway signing certificate', async () => {
    const trail = newTrail('handoff.freshworks')
    const target = redirect(await handOffToFreshworks(testContext(), trail, request(), await cookies()))
    expect(target.origin + target.pathname).toBe(CALLBACK)
    expect(target.searchParams.get('state')).toBe('st-1')
    const idToken = target.searchParams.get('id_token')!
    const { payload, protectedHeader } = await jwtVerify(idToken, await gatewayKey(), { algorithms: ['RS256'], audience: 'fw-client' })
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: (await signingKey(testContext(), 'freshworks')).id })
    expect(payload).toMatchObject({
      sub: 'acme-okta:jane@acme.example',
      aud: 'fw-client',
      nonce: 'n-1',
      email: 'jane@acme.example',
      name: 'Jane Doe',
      given_name: 'Jane',
      family_name: 'Doe',
    })
    expect(payload.exp! - payload.iat!).toBe(FRESHWORKS_TOKEN_TTL_SECONDS)
    expect(trail).toMatchObject({ idpId: 'idp_acme', subject: 'acme-okta:jane@acme.example' })
    expect(await lastAuditRow('handoff.freshworks')).toMatchObject({ outcome: 'success', idp_id: 'idp_acme', detail: { appId: 'app_fw' } })
  })

  it('refuses with HANDOFF_EMAIL_REQUIRED when the IdP sent no email: Freshworks keys users by it, and the NameID is never used instead', async () => {
    const noEmail = await cookies({ email: null, nameId: 'ceo@umbrella.example' })
    await expect(handOffToFreshworks(testContext(), newTrail('handoff.freshworks'), request(), noEmail)).rejects.toMatchObject({
      code: 'HANDOFF_EMAIL_REQUIRED',
    })
  })

  it('refuses an email the organization only trusts (not in a verified domain) with HANDOFF_EMAIL_UNVERIFIED, and sends no token', async () => {
    const trusted = await cookies({ email: 'ceo@umbrella.example', emailVerified: false })
    await expect(handOffToFreshworks(testContext(), newTrail('handoff.freshworks'), request(), trusted)).rejects.toMatchObject({
      code: 'HANDOFF_EMAIL_UNVERIFIED',
    })
  })

  it('does not verify with another certificate (control)', async () => {
    const idToken = redirect(await handOffToFreshworks(testContext(), newTrail('handoff.freshworks'), request(), await cookies())).searchParams.get('id_token')!
    await expect(jwtVerify(idToken, await importX509(TEST_IDP_CERT, 'RS256'))).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' })
  })

  it('keeps the query a registered redirect_uri already has', async () => {
    const target = redirect(
      await handOffToFreshworks(testContext(), newTrail('handoff.freshworks'), request({ redirectUri: CALLBACK_WITH_QUERY }), await cookies()),
    )
    expect(target.searchParams.get('tenant')).toBe('7')
    expect(target.searchParams.get('state')).toBe('st-1')
  })

  it('omits nonce and aud when Freshworks sent none, and name parts the IdP did not send', async () => {
    const target = redirect(
      await handOffToFreshworks(
        testContext(),
        newTrail('handoff.freshworks'),
        request({ nonce: undefined, clientId: undefined }),
        await cookies({ displayName: null }),
      ),
    )
    const { payload } = await jwtVerify(target.searchParams.get('id_token')!, await gatewayKey())
    expect(payload).not.toHaveProperty('nonce')
    expect(payload).not.toHaveProperty('aud')
    expect(payload).not.toHaveProperty('given_name')
    expect(payload.name).toBe('jane@acme.example')
  })

  it.each(['https://evil.example/callback', `${CALLBACK}.evil.example`, `${CALLBACK}/../../x`, `${CALLBACK}?extra=1`, CALLBACK.toUpperCase(), ''])(
    'refuses the unregistered redirect_uri %j with HANDOFF_REDIRECT_NOT_ALLOWED, before sign-in',
    async (redirectUri) => {
      const signedOut = handOffToFreshworks(testContext(), newTrail('handoff.freshworks'), request({ redirectUri }), {})
      await expect(signedOut).rejects.toMatchObject({ code: 'HANDOFF_REDIRECT_NOT_ALLOWED' })
      const signedIn = handOffToFreshworks(testContext(), newTrail('handoff.freshworks'), request({ redirectUri }), await cookies())
      await expect(signedIn).rejects.toMatchObject({ code: 'HANDOFF_REDIRECT_NOT_ALLOWED' })
    },
  )

  it('sends a signed-out customer with a registered redirect_uri through sign-in and back', async () => {
    expect(await handOffToFreshworks(testContext(), newTrail('handoff.freshworks'), request(), {})).toEqual({
      navigation: { kind: 'redirect', location: '/sso/login?return_to=%2Fsso%2Fhandoff%2Ffreshworks%3Fredirect_uri%3Dx', status: 302 },
      cookies: [],
    })
  })

  it('refuses a missing or oversized state with BAD_REQUEST', async () => {
    for (const state of ['', 's'.repeat(2049)]) {
      await expect(handOffToFreshworks(testContext(), newTrail('handoff.freshworks'), request({ state }), await cookies())).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      })
    }
  })

  it('refuses an app slug that names no Freshworks app with HANDOFF_APP_NOT_FOUND', async () => {
    await expect(handOffToFreshworks(testContext(), newTrail('handoff.freshworks'), request({ app: 'nope' }), await cookies())).rejects.toMatchObject({
      code: 'HANDOFF_APP_NOT_FOUND',
    })
  })
})

describe('isRegisteredRedirect', () => {
  it('matches exactly, nothing looser', () => {
    const config = { redirectUris: [CALLBACK] }
    expect(isRegisteredRedirect(config, CALLBACK)).toBe(true)
    expect(isRegisteredRedirect(config, `${CALLBACK}/`)).toBe(false)
    expect(isRegisteredRedirect(config, CALLBACK.replace('https:', 'http:'))).toBe(false)
  })
})
