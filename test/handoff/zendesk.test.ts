// Zendesk JWT remote login (handoff/zendesk.ts) on real D1 and WebCrypto: the claims Zendesk
// reads, where it may send the customer back, and the HS256 token posted to /access/jwt, checked
// with the shared secret as Zendesk does.
import { env } from 'cloudflare:workers'
import { jwtVerify } from 'jose'
import { beforeEach, describe, expect, it } from 'vitest'
import { newTrail } from '../../src/audit/record'
import { handOffToZendesk, safeZendeskReturnTo, zendeskClaims, zendeskOrigin } from '../../src/handoff/zendesk'
import type { BrowserStep } from '../../src/navigation'
import type { ZendeskConfig } from '../../src/store/app-configs'
import { saveApp } from '../../src/store/apps'
import { lastAuditRow, testContext } from '../helpers/context'
import { sampleSession, sessionCookie } from '../helpers/session'

const SECRET = 'zendesk-shared-secret-0123456789abcdef'
const NOW = new Date('2031-03-01T12:00:00Z')
const config = (overrides: Partial<ZendeskConfig> = {}): ZendeskConfig => ({
  subdomain: 'acme',
  externalIdFrom: 'nameId',
  tagsFromGroups: false,
  ...overrides,
})

describe('zendeskClaims', () => {
  it('carries iat, jti, email, name and the external_id namespaced by the IdP', () => {
    expect(zendeskClaims(sampleSession(), config(), null, 'jti-1', NOW)).toEqual({
      iat: NOW.getTime() / 1000,
      jti: 'jti-1',
      email: 'jane@acme.example',
      name: 'Jane Doe',
      external_id: 'acme-okta:jane@acme.example',
    })
  })

  it('leaves external_id out when the app keys users by email only', () => {
    expect(zendeskClaims(sampleSession(), config({ externalIdFrom: 'none' }), null, 'j', NOW)).not.toHaveProperty('external_id')
  })

  it('falls back to the email for the name, and never makes an email up from the NameID', () => {
    expect(zendeskClaims(sampleSession({ displayName: null }), config(), null, 'j', NOW)).toMatchObject({ name: 'jane@acme.example' })
    // Zendesk keys users by email: without one the hand-off is refused, not sent with the NameID.
    expect(() => zendeskClaims(sampleSession({ displayName: '', email: null, nameId: 'u-42@acme.example' }), config(), null, 'j', NOW)).toThrow(
      expect.objectContaining({ code: 'HANDOFF_EMAIL_REQUIRED' }),
    )
  })

  // Review of issue 11: an organization that trusts any email could hand Zendesk any address, and
  // Zendesk signs that address's user in (another organization's customer, or an agent).
  it('refuses an email the organization only trusts (not in a verified domain): HANDOFF_EMAIL_UNVERIFIED', () => {
    expect(() => zendeskClaims(sampleSession({ email: 'ceo@umbrella.example', emailVerified: false }), config(), null, 'j', NOW)).toThrow(
      expect.objectContaining({ code: 'HANDOFF_EMAIL_UNVERIFIED' }),
    )
    // A session from before emailVerified existed counts as unverified.
    expect(() => zendeskClaims(sampleSession({ emailVerified: undefined }), config(), null, 'j', NOW)).toThrow(
      expect.objectContaining({ code: 'HANDOFF_EMAIL_UNVERIFIED' }),
    )
  })

  it("sends the organization's helpdesk name it is given, and none without one", () => {
    expect(zendeskClaims(sampleSession(), config(), 'Acme Corp', 'j', NOW).organization).toBe('Acme Corp')
    expect(zendeskClaims(sampleSession(), config(), null, 'j', NOW)).not.toHaveProperty('organization')
  })

  it('sends groups as Zendesk-safe lowercase tags only when asked and when there are groups', () => {
    const session = sampleSession({ groups: ['Support Team', 'EU/Admins', 'tier-2'] })
    expect(zendeskClaims(session, config({ tagsFromGroups: true }), null, 'j', NOW).tags).toEqual(['support_team', 'eu_admins', 'tier-2'])
    expect(zendeskClaims(session, config(), null, 'j', NOW)).not.toHaveProperty('tags')
    expect(zendeskClaims(sampleSession({ groups: [] }), config({ tagsFromGroups: true }), null, 'j', NOW)).not.toHaveProperty('tags')
  })

  it('fills user_fields from the configured sources', () => {
    const claims = zendeskClaims(
      sampleSession(),
      config({ userFields: { sso_idp: 'idp', sso_id: 'nameId', sso_subject: 'subject', sso_groups: 'groups', sso_org: 'organization' } }),
      'Acme Corp',
      'j',
      NOW,
    )
    // 'nameId' (older configs) sends the namespaced subject too: never a bare NameID two IdPs could share.
    expect(claims.user_fields).toEqual({
      sso_idp: 'acme-okta',
      sso_id: 'acme-okta:jane@acme.example',
      sso_subject: 'acme-okta:jane@acme.example',
      sso_groups: 'support, admins',
      sso_org: 'Acme Corp',
    })
    expect(zendeskClaims(sampleSession(), config({ userFields: {} }), null, 'j', NOW)).not.toHaveProperty('user_fields')
  })
})

describe('safeZendeskReturnTo', () => {
  it('keeps a return_to inside the same Zendesk account', () => {
    expect(safeZendeskReturnTo(config(), 'https://acme.zendesk.com/hc/en-us/requests?x=1')).toBe('https://acme.zendesk.com/hc/en-us/requests?x=1')
  })

  it.each([
    'https://evil.example/',
    'https://other.zendesk.com/hc',
    'https://acme.zendesk.com.evil.example/hc',
    'http://acme.zendesk.com/hc',
    'https://acme.zendesk.com@evil.example/',
    '/hc/en-us',
    'javascript:alert(1)',
    '',
  ])('drops %j', (value) => {
    expect(safeZendeskReturnTo(config(), value)).toBeNull()
  })

  it('follows a host-mapped help center (baseUrl) instead of the zendesk.com origin', () => {
    const mapped = config({ baseUrl: 'https://help.acme.example/hc' })
    expect(zendeskOrigin(mapped)).toBe('https://help.acme.example')
    expect(safeZendeskReturnTo(mapped, 'https://help.acme.example/hc/articles/1')).toBe('https://help.acme.example/hc/articles/1')
    expect(safeZendeskReturnTo(mapped, 'https://acme.zendesk.com/hc')).toBeNull()
    expect(safeZendeskReturnTo(mapped, undefined)).toBeNull()
  })
})

describe('handOffToZendesk', () => {
  beforeEach(async () => {
    await env.DB.prepare('DELETE FROM apps').run()
  })

  const save = (id: string, slug: string, options: { secret?: string; enabled?: boolean; config?: Partial<ZendeskConfig> } = {}) =>
    saveApp(
      env.DB,
      env.SSO_SECRET,
      id,
      { kind: 'zendesk', name: slug, slug, enabled: options.enabled ?? true, config: config(options.config), sharedSecret: options.secret },
      new Date(),
      true,
    )

  async function cookies(): Promise<Record<string, string>> {
    const [name, value] = (await sessionCookie(sampleSession({ idpId: 'idp_acme' }))).split('=') as [string, string]
    return { [name]: value }
  }

  function posted(step: BrowserStep) {
    if (step.navigation.kind !== 'post') throw new Error(`expected an auto-post, got ${step.navigation.kind}`)
    return step.navigation
  }

  const request = (returnTo?: string, app?: string) => ({ app, returnTo, path: '/sso/handoff/zendesk?return_to=x' })

  it("posts an HS256 JWT that verifies with the app's shared secret to Zendesk's /access/jwt", async () => {
    await save('app_zd', 'help', { secret: SECRET })
    const trail = newTrail('handoff.zendesk')
    const { action, fields } = posted(await handOffToZendesk(testContext(), trail, request('https://acme.zendesk.com/hc/en-us'), await cookies()))
    expect(action).toBe('https://acme.zendesk.com/access/jwt')
    expect(fields.return_to).toBe('https://acme.zendesk.com/hc/en-us')
    const { payload, protectedHeader } = await jwtVerify(fields.jwt!, new TextEncoder().encode(SECRET), { algorithms: ['HS256'], maxTokenAge: '3m' })
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(payload).toMatchObject({ email: 'jane@acme.example', external_id: 'acme-okta:jane@acme.example', jti: expect.stringMatching(/^[0-9a-f]{32}$/) })
    await expect(jwtVerify(fields.jwt!, new TextEncoder().encode('another-shared-secret-0123456789'))).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    })
    expect(trail).toMatchObject({ idpId: 'idp_acme', subject: 'acme-okta:jane@acme.example' })
    expect(await lastAuditRow('handoff.zendesk')).toMatchObject({
      outcome: 'success',
      subject: 'acme-okta:jane@acme.example',
      detail: { appId: 'app_zd', jti: payload.jti },
    })
  })

  it('uses a fresh jti every time (Zendesk refuses one it has seen)', async () => {
    await save('app_zd', 'help', { secret: SECRET })
    const c = await cookies()
    const jtis = await Promise.all(
      [1, 2, 3].map(
        async () =>
          (
            await jwtVerify(
              posted(await handOffToZendesk(testContext(), newTrail('handoff.zendesk'), request(), c)).fields.jwt!,
              new TextEncoder().encode(SECRET),
            )
          ).payload.jti,
      ),
    )
    expect(new Set(jtis).size).toBe(3)
  })

  it('drops a return_to that leaves the Zendesk account', async () => {
    await save('app_zd', 'help', { secret: SECRET })
    const { fields } = posted(await handOffToZendesk(testContext(), newTrail('handoff.zendesk'), request('https://evil.example/'), await cookies()))
    expect(fields).not.toHaveProperty('return_to')
  })

  it('sends a signed-out customer through sign-in and back to this hand-off', async () => {
    await save('app_zd', 'help', { secret: SECRET })
    expect(await handOffToZendesk(testContext(), newTrail('handoff.zendesk'), request(), {})).toEqual({
      navigation: { kind: 'redirect', location: '/sso/login?return_to=%2Fsso%2Fhandoff%2Fzendesk%3Freturn_to%3Dx', status: 302 },
      cookies: [],
    })
  })

  it('refuses with HANDOFF_APP_NOT_FOUND without an enabled Zendesk app, or when several exist and none is named', async () => {
    const zendesk = () => handOffToZendesk(testContext(), newTrail('handoff.zendesk'), request(), {})
    await expect(zendesk()).rejects.toMatchObject({ code: 'HANDOFF_APP_NOT_FOUND' })
    await save('app_off', 'off', { secret: SECRET, enabled: false })
    await expect(zendesk()).rejects.toMatchObject({ code: 'HANDOFF_APP_NOT_FOUND' })
    await save('app_a', 'help-a', { secret: SECRET })
    await save('app_b', 'help-b', { secret: SECRET, config: { subdomain: 'beta' } })
    await expect(zendesk()).rejects.toMatchObject({ code: 'HANDOFF_APP_NOT_FOUND' })
    const named = posted(await handOffToZendesk(testContext(), newTrail('handoff.zendesk'), request(undefined, 'help-b'), await cookies()))
    expect(named.action).toBe('https://beta.zendesk.com/access/jwt')
  })

  it('refuses with HANDOFF_NOT_CONFIGURED when the app has no shared secret', async () => {
    await save('app_nosecret', 'help')
    await expect(handOffToZendesk(testContext(), newTrail('handoff.zendesk'), request(), await cookies())).rejects.toMatchObject({
      code: 'HANDOFF_NOT_CONFIGURED',
      detail: { appId: 'app_nosecret' },
    })
  })
})
