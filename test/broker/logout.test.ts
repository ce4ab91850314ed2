// Logout started at a helpdesk (broker/logout.ts) on real D1, KV and WebCrypto: the gateway
// session ends, the logout fans out to the customer's IdP when it has an SLO URL (and comes back),
// and the helpdesk gets one signed LogoutResponse at its configured SLO URL.
import { env } from 'cloudflare:workers'
import { XMLSerializer } from '@xmldom/xmldom'
import { beforeAll, describe, expect, it } from 'vitest'
import { finishAppLogout, receiveAppLogout } from '../../src/broker/logout'
import { newTrail } from '../../src/audit/record'
import type { BrowserStep } from '../../src/navigation'
import { encodeRedirectBinding } from '../../src/saml/bindings'
import { buildLogoutRequest, buildLogoutResponse } from '../../src/saml/logout'
import type { ReceivedMessage } from '../../src/saml/received-message'
import { importPrivateKey } from '../../src/saml/x509'
import { firstChildNamed, NS, textContent } from '../../src/saml/xml/dom'
import { receiveSloMessage } from '../../src/sso/logout'
import { currentSession, SESSION_COOKIE, startSession } from '../../src/sso/sessions'
import { signingKey } from '../../src/sso/signing-key'
import type { SamlAppConfig } from '../../src/store/app-configs'
import { saveApp } from '../../src/store/apps'
import { seedIdp } from '../helpers/tenants'
import { OTHER_IDP_KEY, TEST_IDP_CERT, TEST_IDP_KEY } from '../fixtures/idp-keys'
import { lastAuditRow, TEST_ORIGIN, testContext } from '../helpers/context'
import { readRedirect, verifyRedirect } from '../helpers/saml-messages'
import { sampleSession } from '../helpers/session'

const BROKER_SLO = `${TEST_ORIGIN}/sso/idp/slo`
const HELPDESK = { entityId: 'https://helpdesk.test/sp', sloUrl: 'https://helpdesk.test/slo?tenant=7' }
const IDP_WITH_SLO = 'https://idp.acme.test/saml'

beforeAll(async () => {
  const now = new Date()
  const app = (id: string, slug: string, config: Partial<SamlAppConfig> & { entityId: string }) =>
    saveApp(
      env.DB,
      env.SSO_SECRET,
      id,
      {
        kind: 'saml',
        name: slug,
        slug,
        enabled: true,
        config: { acsUrl: `${config.entityId}/acs`, nameIdFormat: 'email', signResponse: true, certificates: [], ...config },
      },
      now,
      true,
    )
  await app('app_desk', 'desk', HELPDESK)
  await app('app_signed', 'signed', { entityId: 'https://signed.test/sp', sloUrl: 'https://signed.test/slo', certificates: [TEST_IDP_CERT] })
  await app('app_noslo', 'noslo', { entityId: 'https://noslo.test/sp' })
  await app('app_post', 'post', { entityId: 'https://post.test/sp', sloUrl: 'https://post.test/slo', sloBinding: 'post' })
  const idp = { ssoUrl: 'https://idp.test/sso', certificates: [TEST_IDP_CERT] }
  await seedIdp(env.DB, 'idp_slo', { name: 'With SLO', slug: 'acme', entityId: IDP_WITH_SLO, sloUrl: 'https://idp.acme.test/slo', ...idp }, now)
  await seedIdp(env.DB, 'idp_plain', { name: 'Plain', slug: 'plain', entityId: 'https://idp.plain.test/saml', ...idp }, now)
})

async function signedIn(idpId: string, nameId = 'jane@acme.example'): Promise<Record<string, string>> {
  const idpSlug = { idp_slo: 'acme', idp_plain: 'plain' }[idpId] ?? idpId
  const cookie = await startSession(testContext(), {}, sampleSession({ idpId, idpSlug, nameId }))
  return { [SESSION_COOKIE]: cookie.value! }
}

async function appLogoutRequest(
  issuer: string,
  options: { id?: string; relayState?: string; key?: string; nameId?: string; sessionIndex?: string } = {},
): Promise<ReceivedMessage> {
  const xml = buildLogoutRequest({
    id: options.id ?? `_app-lr-${crypto.randomUUID()}`,
    issueInstant: new Date(),
    destination: BROKER_SLO,
    issuer,
    nameId: options.nameId ?? 'jane@acme.example',
    sessionIndex: options.sessionIndex ?? null,
  })
  const signing = options.key ? { privateKey: await importPrivateKey(options.key, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }) } : null
  return { binding: 'redirect', rawQuery: await encodeRedirectBinding({ xml, param: 'SAMLRequest', relayState: options.relayState ?? null, signing }) }
}

function location(step: BrowserStep): string {
  if (step.navigation.kind !== 'redirect') throw new Error('expected a redirect')
  return step.navigation.location
}

const isLive = async (cookies: Record<string, string>) => (await currentSession(testContext(), cookies)) !== null
const doneKey = (path: string) => /^\/sso\/idp\/slo\/done\/(_[0-9a-f]{40})$/.exec(path)![1]!

describe('receiveAppLogout', () => {
  it('ends the session and, with no upstream SLO, goes straight to the done URL', async () => {
    const cookies = await signedIn('idp_plain', 'kim@acme.example')
    const trail = newTrail('logout.app-initiated')
    const step = await receiveAppLogout(testContext(), trail, await appLogoutRequest(HELPDESK.entityId), cookies, true)
    expect(location(step)).toMatch(/^\/sso\/idp\/slo\/done\/_[0-9a-f]{40}$/)
    expect(step.cookies).toEqual([{ name: SESSION_COOKIE, value: null, options: { sameSite: 'Lax', maxAge: 0 } }])
    expect(await isLive(cookies)).toBe(false)
    expect(trail).toMatchObject({ idpId: 'idp_plain', subject: 'plain:kim@acme.example' })
    expect(await lastAuditRow('logout.app-initiated')).toMatchObject({
      outcome: 'success',
      idp_id: 'idp_plain',
      subject: 'plain:kim@acme.example',
      detail: { appId: 'app_desk' },
    })
  })

  it('answers a browser without a session all the same', async () => {
    const trail = newTrail('logout.app-initiated')
    const step = await receiveAppLogout(testContext(), trail, await appLogoutRequest(HELPDESK.entityId), {}, true)
    expect(location(step)).toMatch(/^\/sso\/idp\/slo\/done\//)
    expect(trail).toMatchObject({ idpId: null, subject: null })
  })

  it("fans out to the customer's IdP SLO, and the IdP's answer leads back to the done URL", async () => {
    const cookies = await signedIn('idp_slo')
    const step = await receiveAppLogout(testContext(), newTrail('logout.app-initiated'), await appLogoutRequest(HELPDESK.entityId), cookies, true)
    expect(await isLive(cookies)).toBe(false)
    const upstream = location(step)
    await verifyRedirect(upstream, (await signingKey(testContext(), 'signing')).certificatePem)
    const { target, root } = await readRedirect(upstream)
    expect(target).toBe('https://idp.acme.test/slo')
    expect(root.localName).toBe('LogoutRequest')
    const logoutCookie = step.cookies.find((c) => c.name === '__Host-sso_logout')!
    expect(logoutCookie.options.sameSite).toBe('None')

    const idpAnswer = buildLogoutResponse({
      id: '_idp-answer',
      issueInstant: new Date(),
      destination: `${TEST_ORIGIN}/sso/slo`,
      issuer: IDP_WITH_SLO,
      inResponseTo: root.getAttribute('ID')!,
    })
    const back = await receiveSloMessage(
      testContext(),
      newTrail('logout.idp-response'),
      { binding: 'redirect', rawQuery: await encodeRedirectBinding({ xml: idpAnswer, param: 'SAMLResponse' }) },
      true,
      { [logoutCookie.name]: logoutCookie.value! },
    )
    if (back.kind !== 'navigate') throw new Error('expected to continue to the done URL')
    const answer = location(await finishAppLogout(testContext(), doneKey(location(back.step))))
    expect((await readRedirect(answer)).target).toBe('https://helpdesk.test/slo')
  })

  it('requires a signed LogoutRequest from an app with certificates; the session lives until then', async () => {
    const cookies = await signedIn('idp_plain')
    const unsigned = receiveAppLogout(testContext(), newTrail('logout.app-initiated'), await appLogoutRequest('https://signed.test/sp'), cookies, true)
    await expect(unsigned).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
    const wrongKey = receiveAppLogout(
      testContext(),
      newTrail('logout.app-initiated'),
      await appLogoutRequest('https://signed.test/sp', { key: OTHER_IDP_KEY }),
      cookies,
      true,
    )
    await expect(wrongKey).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
    expect(await isLive(cookies)).toBe(true)
    await receiveAppLogout(
      testContext(),
      newTrail('logout.app-initiated'),
      await appLogoutRequest('https://signed.test/sp', { key: TEST_IDP_KEY }),
      cookies,
      true,
    )
    expect(await isLive(cookies)).toBe(false)
  })

  // Issue 11 item 7: an app without a certificate sends unsigned LogoutRequests, which any site
  // could forge; from another site they now only ask the user.
  it('asks the user before an unsigned LogoutRequest from another site, then acts on the confirmed one', async () => {
    const cookies = await signedIn('idp_plain', 'max@acme.example')
    const request = await appLogoutRequest(HELPDESK.entityId, { relayState: 'desk-relay' })
    const step = await receiveAppLogout(testContext(), newTrail('logout.app-initiated'), request, cookies, false)
    if (step.navigation.kind !== 'confirm') throw new Error('expected a confirm page')
    expect(step.cookies).toEqual([])
    expect(await isLive(cookies)).toBe(true)
    const { form, page } = step.navigation
    expect(page).toMatchObject({ title: 'Sign out?', text: 'desk asks to sign you out of Support portal.', button: 'Sign out' })
    expect(form).toEqual({ method: 'get', action: '/sso/idp/slo', fields: { SAMLRequest: expect.any(String), RelayState: 'desk-relay' } })
    // The button: the browser sends the fields as the query of a GET, now from a gateway page.
    const resent: ReceivedMessage = { binding: 'redirect', rawQuery: new URLSearchParams(form.fields).toString() }
    const done = await receiveAppLogout(testContext(), newTrail('logout.app-initiated'), resent, cookies, true)
    expect(location(done)).toMatch(/^\/sso\/idp\/slo\/done\//)
    expect(await isLive(cookies)).toBe(false)
  })

  it('asks the same for an unsigned LogoutRequest over HTTP-POST', async () => {
    const xml = buildLogoutRequest({
      id: '_post-lr',
      issueInstant: new Date(),
      destination: BROKER_SLO,
      issuer: HELPDESK.entityId,
      nameId: 'jane@acme.example',
    })
    const value = btoa(xml)
    const cookies = await signedIn('idp_plain')
    const step = await receiveAppLogout(testContext(), newTrail('logout.app-initiated'), { binding: 'post', value, relayState: null }, cookies, false)
    expect(step.navigation).toMatchObject({ kind: 'confirm', form: { method: 'post', action: '/sso/idp/slo', fields: { SAMLRequest: value } } })
    expect(await isLive(cookies)).toBe(true)
  })

  it('acts at once on a signed LogoutRequest from another site (the app is who it says)', async () => {
    const cookies = await signedIn('idp_plain')
    const signed = await appLogoutRequest('https://signed.test/sp', { key: TEST_IDP_KEY })
    const step = await receiveAppLogout(testContext(), newTrail('logout.app-initiated'), signed, cookies, false)
    expect(location(step)).toMatch(/^\/sso\/idp\/slo\/done\//)
    expect(await isLive(cookies)).toBe(false)
  })

  it('takes each LogoutRequest ID once: a replay is LOGOUT_REPLAY and the newer session lives', async () => {
    const captured = await appLogoutRequest('https://signed.test/sp', { key: TEST_IDP_KEY, id: '_captured-lr' })
    await receiveAppLogout(testContext(), newTrail('logout.app-initiated'), captured, await signedIn('idp_plain'), false)
    const later = await signedIn('idp_plain')
    await expect(receiveAppLogout(testContext(), newTrail('logout.app-initiated'), captured, later, false)).rejects.toMatchObject({ code: 'LOGOUT_REPLAY' })
    expect(await isLive(later)).toBe(true)
  })

  it('refuses an unknown issuer with HANDOFF_APP_NOT_FOUND and an app without SLO URL with SAML_LOGOUT_INVALID', async () => {
    const cookies = await signedIn('idp_plain')
    await expect(receiveAppLogout(testContext(), newTrail('logout.app-initiated'), await appLogoutRequest('urn:nobody'), cookies, true)).rejects.toMatchObject({
      code: 'HANDOFF_APP_NOT_FOUND',
    })
    await expect(
      receiveAppLogout(testContext(), newTrail('logout.app-initiated'), await appLogoutRequest('https://noslo.test/sp'), cookies, true),
    ).rejects.toMatchObject({ code: 'SAML_LOGOUT_INVALID' })
    expect(await isLive(cookies)).toBe(true)
  })
})

describe('finishAppLogout', () => {
  it('answers the helpdesk once with a signed LogoutResponse at its SLO URL, InResponseTo its request, RelayState kept', async () => {
    const step = await receiveAppLogout(
      testContext(),
      newTrail('logout.app-initiated'),
      await appLogoutRequest(HELPDESK.entityId, { id: '_desk-lr-9', relayState: 'desk-relay' }),
      await signedIn('idp_plain'),
      true,
    )
    const key = doneKey(location(step))
    const answer = location(await finishAppLogout(testContext(), key))
    expect(answer.startsWith('https://helpdesk.test/slo?tenant=7&SAMLResponse=')).toBe(true)
    await verifyRedirect(answer, (await signingKey(testContext(), 'broker')).certificatePem)
    await expect(verifyRedirect(answer, TEST_IDP_CERT)).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
    const { root, relayState } = await readRedirect(answer)
    expect(relayState).toBe('desk-relay')
    expect(root.localName).toBe('LogoutResponse')
    expect(root.getAttribute('InResponseTo')).toBe('_desk-lr-9')
    expect(root.getAttribute('Destination')).toBe(HELPDESK.sloUrl)
    expect(textContent(firstChildNamed(root, NS.saml, 'Issuer')!)).toBe(`${TEST_ORIGIN}/sso/idp/metadata`)

    await expect(finishAppLogout(testContext(), key)).rejects.toMatchObject({ code: 'LOGIN_STATE_MISSING' })
  })

  it('refuses a done key that was never issued with LOGIN_STATE_MISSING', async () => {
    await expect(finishAppLogout(testContext(), `_${'a'.repeat(40)}`)).rejects.toMatchObject({ code: 'LOGIN_STATE_MISSING' })
  })
})

// Issue 16: the LogoutResponse always went by HTTP-Redirect, and any LogoutRequest ended the
// browser's session whoever it named.
describe('logout by the book (issue 16)', () => {
  it("answers over HTTP-POST when that is the app's SLO binding, signed, RelayState kept", async () => {
    const step = await receiveAppLogout(
      testContext(),
      newTrail('logout.app-initiated'),
      await appLogoutRequest('https://post.test/sp', { relayState: 'post-relay' }),
      await signedIn('idp_plain'),
      true,
    )
    const answer = await finishAppLogout(testContext(), doneKey(location(step)))
    if (answer.navigation.kind !== 'post') throw new Error('expected an auto-post')
    expect(answer.navigation.action).toBe('https://post.test/slo')
    expect(answer.navigation.fields.RelayState).toBe('post-relay')
    const xml = new TextDecoder().decode(Uint8Array.from(atob(answer.navigation.fields.SAMLResponse!), (c) => c.charCodeAt(0)))
    expect(xml).toContain('<samlp:LogoutResponse')
    expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:status:Success')
    const { verifyPost } = await import('../helpers/saml-messages')
    await verifyPost(answer.navigation.fields.SAMLResponse!, (await signingKey(testContext(), 'broker')).certificatePem)
  })

  it('ends nothing for a LogoutRequest naming another user, and answers Requester/UnknownPrincipal', async () => {
    const cookies = await signedIn('idp_plain', 'ann@acme.example')
    const step = await receiveAppLogout(
      testContext(),
      newTrail('logout.app-initiated'),
      await appLogoutRequest(HELPDESK.entityId, { nameId: 'bob@acme.example' }),
      cookies,
      true,
    )
    expect(await isLive(cookies)).toBe(true)
    expect(step.cookies).toEqual([])
    const answer = await readRedirect(location(await finishAppLogout(testContext(), doneKey(location(step)))))
    const codes = [...new XMLSerializer().serializeToString(answer.root).matchAll(/StatusCode Value="([^"]+)"/g)].map((m) => m[1])
    expect(codes).toEqual(['urn:oasis:names:tc:SAML:2.0:status:Requester', 'urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal'])
    expect(await lastAuditRow('logout.app-initiated')).toMatchObject({ outcome: 'failure', code: 'LOGOUT_UNKNOWN_PRINCIPAL' })
  })

  it('matches a SessionIndex to the one the broker issued for this session: another index ends nothing, the right one ends it', async () => {
    const cookies = await signedIn('idp_plain')
    const session = (await currentSession(testContext(), cookies))!
    const { getApp } = await import('../../src/store/apps')
    const desk = (await getApp(env.DB, 'app_desk'))!
    if (desk.kind !== 'saml') throw new Error('expected the SAML app')
    const { brokerSessionIndex } = await import('../../src/broker/sign-on')
    const ours = await brokerSessionIndex(testContext(), desk, session)
    await receiveAppLogout(
      testContext(),
      newTrail('logout.app-initiated'),
      await appLogoutRequest(HELPDESK.entityId, { sessionIndex: '_other' }),
      cookies,
      true,
    )
    expect(await isLive(cookies)).toBe(true)
    await receiveAppLogout(testContext(), newTrail('logout.app-initiated'), await appLogoutRequest(HELPDESK.entityId, { sessionIndex: ours }), cookies, true)
    expect(await isLive(cookies)).toBe(false)
  })
})
