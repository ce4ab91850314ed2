// Races at the ACS (issue 15, "Races"): the same valid response posted 20 times at once, by
// browsers that all hold the login cookie, gives exactly one session; the other 19 are refused
// as replays. The OIDC callback's state is taken once the same way (test/sso/oidc-callback.test.ts).
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { LOGIN_COOKIE_PREFIX } from '../../src/sso/login-state'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { TestBrowser } from '../helpers/browser-fetch'
import { issueResponse } from '../helpers/idp'
import { seedIdp } from '../helpers/tenants'

const ENTITY = 'https://idp.race.test/saml'

beforeAll(async () => {
  await seedIdp(
    env.DB,
    'idp_race',
    { name: 'Race', slug: 'race', entityId: ENTITY, ssoUrl: 'https://idp.race.test/sso', certificates: [TEST_IDP_CERT] },
    new Date(),
  )
})

describe('one response, posted 20 times at once', () => {
  it('makes exactly one session; the others are SAML_REPLAY', async () => {
    const starter = new TestBrowser()
    const start = await starter.fetch('/sso/login?idp=race&return_to=%2F')
    expect(start.status).toBe(302)
    const requestId = [...starter.cookies.keys()].find((k) => k.startsWith(LOGIN_COOKIE_PREFIX))!.slice(LOGIN_COOKIE_PREFIX.length)
    const response = await issueResponse({
      issuer: ENTITY,
      inResponseTo: requestId,
      nameId: 'racer@acme.example',
      attributes: { email: ['racer@acme.example'] },
    })
    const browsers = Array.from({ length: 20 }, () => {
      const b = new TestBrowser()
      for (const [k, v] of starter.cookies) b.cookies.set(k, v)
      return b
    })
    const answers = await Promise.all(
      browsers.map((b) =>
        b.fetch('/sso/acs', { form: { SAMLResponse: response }, crossSite: true, headers: { accept: 'application/json' } }).then(async (res) => ({
          status: res.status,
          code: res.status === 303 ? null : ((await res.json()) as { error: { code: string } }).error.code,
          session: b.cookies.has('__Host-sso_session'),
        })),
      ),
    )
    expect(answers.filter((a) => a.status === 303)).toHaveLength(1)
    expect(answers.filter((a) => a.session)).toHaveLength(1)
    expect(new Set(answers.filter((a) => a.status !== 303).map((a) => a.code))).toEqual(new Set(['SAML_REPLAY']))
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM session_index WHERE subject = 'race:racer@acme.example'").first<{ n: number }>()
    expect(rows!.n).toBe(1)
  })
})
