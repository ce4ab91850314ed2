// Logout with the customer's IdP (sso/logout.ts) on real D1, KV and WebCrypto: local logout and
// SP-initiated SLO, the IdP's LogoutResponse, and IdP-initiated LogoutRequests, which must be
// signed with the IdP's configured certificate and are answered with our signed LogoutResponse.
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { newTrail } from '../../src/audit/record'
import type { BrowserStep, CookieChange } from '../../src/navigation'
import { encodeRedirectBinding, signPostMessage } from '../../src/saml/bindings'
import { encodeBase64, utf8Encode } from '../../src/saml/encoding'
import { buildLogoutRequest, buildLogoutResponse, MAX_LOGOUT_MESSAGE_AGE_SECONDS } from '../../src/saml/logout'
import type { ReceivedMessage } from '../../src/saml/received-message'
import { importPrivateKey } from '../../src/saml/x509'
import { firstChildNamed, NS, textContent } from '../../src/saml/xml/dom'
import { logOut, receiveSloMessage, type LogoutOutcome } from '../../src/sso/logout'
import { currentSession, SESSION_COOKIE, startSession } from '../../src/sso/sessions'
import { signingKey } from '../../src/sso/signing-key'
import { seedIdp, type IdpSeed } from '../helpers/tenants'
import { OTHER_IDP_KEY, TEST_IDP_CERT, TEST_IDP_KEY } from '../fixtures/idp-keys'
import { lastAuditRow, TEST_ORIGIN, testContext } from '../helpers/context'
import { readPost, readRedirect, verifyPost, verifyRedirect } from '../helpers/saml-messages'
import { sampleSession } from '../helpers/session'

const ACME = 'https://idp.acme.test/saml'
const ACME_SLO = 'https://idp.acme.test/slo'
const POST_IDP = 'https://idp.post.test/saml'
const GATEWAY_SLO = `${TEST_ORIGIN}/sso/slo`
const LOGOUT_COOKIE = '__Host-sso_logout'

beforeAll(async () => {
  const now = new Date()
  const base = { ssoUrl: 'https://idp.test/sso', certificates: [TEST_IDP_CERT] }
  const make = (id: string, fields: Partial<IdpSeed> & Pick<IdpSeed, 'slug' | 'entityId'>) => seedIdp(env.DB, id, { name: id, ...base, ...fields }, now)
  await make('idp_acme', { slug: 'acme', entityId: ACME, sloUrl: ACME_SLO, sloBinding: 'redirect' })
  await make('idp_post', { slug: 'post', entityId: POST_IDP, sloUrl: 'https://idp.post.test/slo', sloBinding: 'post' })
  await make('idp_noslo', { slug: 'noslo', entityId: 'https://idp.noslo.test/saml' })
  await make('idp_off', { slug: 'off', entityId: 'https://idp.off.test/saml', sloUrl: 'https://idp.off.test/slo', enabled: false })
})

/** A browser signed in at `idpId` as `nameId`: its cookies. */
async function signedIn(idpId: string, nameId = 'jane@acme.example', sessionIndex = '_s-1'): Promise<Record<string, string>> {
  const cookie = await startSession(testContext(), {}, sampleSession({ idpId, idpSlug: idpId.replace('idp_', ''), nameId, sessionIndex }))
  return { [SESSION_COOKIE]: cookie.value! }
}

const isLive = async (cookies: Record<string, string>) => (await currentSession(testContext(), cookies)) !== null
const spCertificate = async () => (await signingKey(testContext(), 'signing')).certificatePem

function navigation(outcome: LogoutOutcome): BrowserStep {
  if (outcome.kind !== 'navigate') throw new Error(`expected a navigation, got ${outcome.kind}`)
  return outcome.step
}

function redirectLocation(step: BrowserStep): string {
  if (step.navigation.kind !== 'redirect') throw new Error('expected a redirect')
  return step.navigation.location
}

function cookieJar(changes: CookieChange[]): Record<string, string> {
  return Object.fromEntries(changes.filter((c) => c.value !== null).map((c) => [c.name, c.value!]))
}

async function countRows(action: string): Promise<number> {
  return (await env.DB.prepare('SELECT COUNT(*) AS n FROM audit_log WHERE action = ?').bind(action).first<{ n: number }>())!.n
}

describe('logOut', () => {
  it('without a session shows the signed-out page, clears the cookie and records nothing', async () => {
    const before = await countRows('logout')
    const outcome = await logOut(testContext(), {}, true)
    expect(outcome).toEqual({
      kind: 'signed-out',
      page: { portalName: 'Support portal', accent: expect.any(String), idpLoggedOut: false },
      cookies: [{ name: SESSION_COOKIE, value: null, options: { sameSite: 'Lax', maxAge: 0 } }],
    })
    expect(await countRows('logout')).toBe(before)
  })

  it('ends the session, records a logout row, and stops there when the IdP has no SLO URL', async () => {
    const cookies = await signedIn('idp_noslo', 'kim@acme.example')
    const outcome = await logOut(testContext(), cookies, true)
    expect(outcome).toMatchObject({ kind: 'signed-out', page: { idpLoggedOut: false } })
    expect(await isLive(cookies)).toBe(false)
    expect(await lastAuditRow('logout')).toMatchObject({
      outcome: 'success',
      idp_id: 'idp_noslo',
      subject: 'noslo:kim@acme.example',
      actor: 'noslo:kim@acme.example',
      detail: { initiatedBy: 'user' },
    })
  })

  it('sends a signed LogoutRequest for the session to the IdP SLO URL, with a SameSite=None logout cookie', async () => {
    const cookies = await signedIn('idp_acme', 'jane@acme.example', '_s-sp')
    const step = navigation(await logOut(testContext(), cookies, true))
    const location = redirectLocation(step)
    await verifyRedirect(location, await spCertificate())
    const { target, root } = await readRedirect(location)
    expect(target).toBe(ACME_SLO)
    expect(root.localName).toBe('LogoutRequest')
    expect(root.getAttribute('Destination')).toBe(ACME_SLO)
    expect(textContent(firstChildNamed(root, NS.saml, 'Issuer')!)).toBe(`${TEST_ORIGIN}/sso/metadata`)
    expect(textContent(firstChildNamed(root, NS.saml, 'NameID')!)).toBe('jane@acme.example')
    expect(textContent(firstChildNamed(root, NS.samlp, 'SessionIndex')!)).toBe('_s-sp')
    expect(step.cookies).toEqual([
      { name: SESSION_COOKIE, value: null, options: { sameSite: 'Lax', maxAge: 0 } },
      { name: LOGOUT_COOKIE, value: expect.any(String), options: { sameSite: 'None', maxAge: 600 } },
    ])
    expect(await isLive(cookies)).toBe(false)
    expect(await lastAuditRow('logout')).toMatchObject({ idp_id: 'idp_acme', subject: 'acme:jane@acme.example' })
  })

  it('posts the signed LogoutRequest to an IdP whose SLO binding is HTTP-POST', async () => {
    const step = navigation(await logOut(testContext(), await signedIn('idp_post'), true))
    if (step.navigation.kind !== 'post') throw new Error('expected an auto-post')
    expect(step.navigation.action).toBe('https://idp.post.test/slo')
    await verifyPost(step.navigation.fields.SAMLRequest!, await spCertificate())
    expect(readPost(step.navigation.fields.SAMLRequest!).localName).toBe('LogoutRequest')
  })

  // Issue 11 item 7: a cross-site link or form to /sso/logout ended the session.
  it('asked by another site, only asks the user: a confirm page whose button posts to /sso/logout, and the session lives', async () => {
    const cookies = await signedIn('idp_noslo', 'lee@acme.example')
    const before = await countRows('logout')
    const outcome = await logOut(testContext(), cookies, false)
    expect(outcome).toEqual({
      kind: 'navigate',
      step: {
        navigation: {
          kind: 'confirm',
          form: { method: 'post', action: '/sso/logout', fields: {} },
          page: {
            title: 'Sign out?',
            text: 'Do you want to sign out of Support portal?',
            button: 'Sign out',
            portalName: 'Support portal',
            accent: expect.any(String),
          },
        },
        cookies: [],
      },
    })
    expect(await isLive(cookies)).toBe(true)
    expect(await countRows('logout')).toBe(before)
  })

  it('does not start SLO at an IdP that is turned off', async () => {
    const cookies = await signedIn('idp_off')
    expect(await logOut(testContext(), cookies, true)).toMatchObject({ kind: 'signed-out' })
    expect(await isLive(cookies)).toBe(false)
  })
})

describe('the IdP LogoutResponse to our LogoutRequest', () => {
  async function pendingLogout() {
    const step = navigation(await logOut(testContext(), await signedIn('idp_acme'), true))
    const { root } = await readRedirect(redirectLocation(step))
    return { cookies: cookieJar(step.cookies), requestId: root.getAttribute('ID')! }
  }

  async function logoutResponse(inResponseTo: string, issuer = ACME): Promise<ReceivedMessage> {
    const xml = buildLogoutResponse({ id: `_lr${crypto.randomUUID()}`, issueInstant: new Date(), destination: GATEWAY_SLO, issuer, inResponseTo })
    return { binding: 'redirect', rawQuery: await encodeRedirectBinding({ xml, param: 'SAMLResponse' }) }
  }

  it('shows the signed-out page with the IdP logout confirmed and clears the logout cookie', async () => {
    const { cookies, requestId } = await pendingLogout()
    const trail = newTrail('logout.idp-response')
    const outcome = await receiveSloMessage(testContext(), trail, await logoutResponse(requestId), true, cookies)
    expect(outcome).toMatchObject({ kind: 'signed-out', page: { idpLoggedOut: true }, cookies: [{ name: LOGOUT_COOKIE, value: null }] })
    expect(trail.idpId).toBe('idp_acme')
    expect(await lastAuditRow('logout.idp-response')).toMatchObject({ outcome: 'success', idp_id: 'idp_acme' })
  })

  it('refuses a LogoutResponse when this browser has no pending logout with LOGIN_STATE_MISSING, naming the IdP', async () => {
    const trail = newTrail('logout.idp-response')
    await expect(receiveSloMessage(testContext(), trail, await logoutResponse('_forged'), true, {})).rejects.toMatchObject({ code: 'LOGIN_STATE_MISSING' })
    expect(trail.idpId).toBe('idp_acme')
  })

  it('refuses a LogoutResponse from another IdP than the one we asked', async () => {
    const { cookies, requestId } = await pendingLogout()
    const outcome = receiveSloMessage(testContext(), newTrail('logout.idp-response'), await logoutResponse(requestId, POST_IDP), true, cookies)
    await expect(outcome).rejects.toMatchObject({ code: 'LOGIN_STATE_MISSING' })
  })

  it('refuses a LogoutResponse that answers another request', async () => {
    const { cookies } = await pendingLogout()
    const outcome = receiveSloMessage(testContext(), newTrail('logout.idp-response'), await logoutResponse('_another-request'), true, cookies)
    await expect(outcome).rejects.toMatchObject({ code: 'SAML_IN_RESPONSE_TO_MISMATCH' })
  })
})

describe('IdP-initiated LogoutRequest', () => {
  const idpKey = (pem = TEST_IDP_KEY) => importPrivateKey(pem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })

  function logoutRequestXml(nameId: string, sessionIndex?: string, issuer = ACME): { id: string; xml: string } {
    const id = `_idp-lr-${crypto.randomUUID()}`
    return { id, xml: buildLogoutRequest({ id, issueInstant: new Date(), destination: GATEWAY_SLO, issuer, nameId, sessionIndex: sessionIndex ?? null }) }
  }

  async function signedPost(xml: string, key = TEST_IDP_KEY, relayState: string | null = null): Promise<ReceivedMessage> {
    const signed = await signPostMessage(xml, { privateKey: await idpKey(key), certificatePem: TEST_IDP_CERT })
    return { binding: 'post', value: encodeBase64(utf8Encode(signed)), relayState }
  }

  it("ends every session of the user at that IdP and answers with a signed LogoutResponse to the IdP's SLO URL", async () => {
    const laptop = await signedIn('idp_acme', 'ann@acme.example', '_s-laptop')
    const phone = await signedIn('idp_acme', 'ann@acme.example', '_s-phone')
    const colleague = await signedIn('idp_acme', 'bob@acme.example')
    const sameNameElsewhere = await signedIn('idp_post', 'ann@acme.example')
    const { id, xml } = logoutRequestXml('ann@acme.example')
    const trail = newTrail('logout.idp-initiated')

    const step = navigation(await receiveSloMessage(testContext(), trail, await signedPost(xml, TEST_IDP_KEY, 'relay-1'), false, {}))

    expect([await isLive(laptop), await isLive(phone)]).toEqual([false, false])
    expect([await isLive(colleague), await isLive(sameNameElsewhere)]).toEqual([true, true])
    const location = redirectLocation(step)
    await verifyRedirect(location, await spCertificate())
    const answer = await readRedirect(location)
    expect(answer.target).toBe(ACME_SLO)
    expect(answer.relayState).toBe('relay-1')
    expect(answer.root.localName).toBe('LogoutResponse')
    expect(answer.root.getAttribute('InResponseTo')).toBe(id)
    expect(answer.root.getAttribute('Destination')).toBe(ACME_SLO)
    expect(textContent(firstChildNamed(answer.root, NS.saml, 'Issuer')!)).toBe(`${TEST_ORIGIN}/sso/metadata`)
    expect(firstChildNamed(firstChildNamed(answer.root, NS.samlp, 'Status')!, NS.samlp, 'StatusCode')!.getAttribute('Value')).toBe(
      'urn:oasis:names:tc:SAML:2.0:status:Success',
    )
    expect(trail).toMatchObject({ idpId: 'idp_acme', subject: 'acme:ann@acme.example' })
    expect(await lastAuditRow('logout.idp-initiated')).toMatchObject({
      outcome: 'success',
      idp_id: 'idp_acme',
      subject: 'acme:ann@acme.example',
      detail: { sessionsEnded: 2 },
    })
  })

  // Issue 11 item 10: logout trimmed the NameID while login kept it as sent, so the IdP's logout of
  // a user whose NameID carries spaces ended nothing.
  it('matches the NameID exactly as login stored it, spaces included', async () => {
    const padded = await signedIn('idp_acme', ' padded@acme.example ', '_s-padded')
    const trimmed = await signedIn('idp_acme', 'padded@acme.example', '_s-trimmed')
    const { xml } = logoutRequestXml(' padded@acme.example ')
    await receiveSloMessage(testContext(), newTrail('logout.idp-initiated'), await signedPost(xml, TEST_IDP_KEY, 'relay-2'), false, {})
    expect([await isLive(padded), await isLive(trimmed)]).toEqual([false, true])
  })

  it('ends only the sessions a SessionIndex names, over the signed Redirect binding', async () => {
    const named = await signedIn('idp_acme', 'cy@acme.example', '_s-named')
    const other = await signedIn('idp_acme', 'cy@acme.example', '_s-other')
    const { xml } = logoutRequestXml('cy@acme.example', '_s-named')
    const rawQuery = await encodeRedirectBinding({ xml, param: 'SAMLRequest', signing: { privateKey: await idpKey() } })
    await receiveSloMessage(testContext(), newTrail('logout.idp-initiated'), { binding: 'redirect', rawQuery }, false, {})
    expect(await isLive(named)).toBe(false)
    expect(await isLive(other)).toBe(true)
  })

  it('refuses an unsigned LogoutRequest with SAML_SIGNATURE_MISSING and the session lives; the trail names the IdP', async () => {
    const cookies = await signedIn('idp_acme', 'dee@acme.example')
    const { xml } = logoutRequestXml('dee@acme.example')
    const trail = newTrail('logout.idp-initiated')
    const unsigned: ReceivedMessage = { binding: 'post', value: encodeBase64(utf8Encode(xml)) }
    await expect(receiveSloMessage(testContext(), trail, unsigned, false, {})).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
    expect(await isLive(cookies)).toBe(true)
    expect(trail.idpId).toBe('idp_acme')
    const redirectUnsigned = await encodeRedirectBinding({ xml, param: 'SAMLRequest' })
    await expect(receiveSloMessage(testContext(), trail, { binding: 'redirect', rawQuery: redirectUnsigned }, false, {})).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_MISSING',
    })
    expect(await isLive(cookies)).toBe(true)
  })

  // Issue 11 item 7: LogoutRequest IDs were not tracked, so a captured signed request could be
  // replayed within its age limit to end the user's next session.
  it('takes each LogoutRequest ID once: a replay is LOGOUT_REPLAY and the newer session lives', async () => {
    const first = await signedIn('idp_acme', 'rex@acme.example', '_s-first')
    const { id, xml } = logoutRequestXml('rex@acme.example')
    const captured = await signedPost(xml)
    await receiveSloMessage(testContext(), newTrail('logout.idp-initiated'), captured, false, {})
    expect(await isLive(first)).toBe(false)
    const again = await signedIn('idp_acme', 'rex@acme.example', '_s-again')
    await expect(receiveSloMessage(testContext(), newTrail('logout.idp-initiated'), captured, false, {})).rejects.toMatchObject({
      code: 'LOGOUT_REPLAY',
      detail: { id },
    })
    expect(await isLive(again)).toBe(true)
    const row = await env.DB.prepare('SELECT expires_at FROM consumed_assertions WHERE assertion_id = ?').bind(id).first<{ expires_at: number }>()
    // Kept as long as the message could be accepted: its age limit plus the IdP's skew.
    expect(row!.expires_at).toBeGreaterThan(Date.now() + (MAX_LOGOUT_MESSAGE_AGE_SECONDS - 5) * 1000)
  })

  it('refuses a LogoutRequest signed with a key the IdP does not have configured, and the session lives', async () => {
    const cookies = await signedIn('idp_acme', 'eve@acme.example')
    const { xml } = logoutRequestXml('eve@acme.example')
    const outcome = receiveSloMessage(testContext(), newTrail('logout.idp-initiated'), await signedPost(xml, OTHER_IDP_KEY), false, {})
    await expect(outcome).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
    expect(await isLive(cookies)).toBe(true)
  })

  it('ends the sessions but refuses to answer an IdP that has no SLO URL with SAML_LOGOUT_INVALID', async () => {
    const cookies = await signedIn('idp_noslo', 'fay@acme.example')
    const { xml } = logoutRequestXml('fay@acme.example', undefined, 'https://idp.noslo.test/saml')
    const outcome = receiveSloMessage(testContext(), newTrail('logout.idp-initiated'), await signedPost(xml), false, {})
    await expect(outcome).rejects.toMatchObject({ code: 'SAML_LOGOUT_INVALID' })
    expect(await isLive(cookies)).toBe(false)
  })

  it('refuses a LogoutRequest from an issuer that is not configured with LOGIN_UNKNOWN_ISSUER', async () => {
    const { xml } = logoutRequestXml('jane@acme.example', undefined, 'https://idp.nobody.test')
    const trail = newTrail('logout.idp-initiated')
    await expect(receiveSloMessage(testContext(), trail, await signedPost(xml), false, {})).rejects.toMatchObject({ code: 'LOGIN_UNKNOWN_ISSUER' })
    expect(trail.idpId).toBeNull()
  })
})
