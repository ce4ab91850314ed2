import { env, exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildAuthnRequest } from '../../src/saml/authn-request'
import { encodeRedirectBinding } from '../../src/saml/bindings'
import { validateSamlResponse } from '../../src/saml/index'
import { OTHER_IDP_CERT } from '../fixtures/idp-keys'
import { sampleSession, sessionCookie } from '../helpers/session'
import { readAutoPost } from '../helpers/auto-post'
import { TEST_ORG } from '../helpers/tenants'

const ORIGIN = 'https://support.example.com'
const SP = 'https://acme.atlassian.net/sp/abc'
const ACS = 'https://acme.atlassian.net/sp/abc/acs'
const AUTH = { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' }
type ErrorBody = { error: { code: string } }

let idpCert: string
beforeAll(async () => {
  const created = await exports.default.fetch(`${ORIGIN}/sso/admin/api/apps`, {
    method: 'POST',
    headers: AUTH,
    body: JSON.stringify({ kind: 'saml', name: 'Jira Service Management', slug: 'jsm', config: { entityId: SP, acsUrl: ACS, signResponse: true } }),
  })
  expect(created.status).toBe(201)
  await exports.default.fetch(`${ORIGIN}/sso/admin/api/apps`, {
    method: 'POST',
    headers: AUTH,
    body: JSON.stringify({
      kind: 'saml',
      name: 'Signed SP',
      slug: 'signed-sp',
      config: { entityId: 'urn:signed-sp', acsUrl: 'https://signed.example/acs', certificates: [OTHER_IDP_CERT] },
    }),
  })
  const metadata = await (await exports.default.fetch(`${ORIGIN}/sso/idp/metadata`)).text()
  expect(metadata).toContain(`entityID="${ORIGIN}/sso/idp/metadata"`)
  expect(metadata).toContain(`Location="${ORIGIN}/sso/idp/sso"`)
  idpCert = /<ds:X509Certificate>([^<]+)</.exec(metadata)![1]!
})

async function authnRequestQuery(id: string, issuer = SP, acsUrl = ACS): Promise<string> {
  const xml = buildAuthnRequest({ id, issueInstant: new Date(), destination: `${ORIGIN}/sso/idp/sso`, spEntityId: issuer, acsUrl })
  return encodeRedirectBinding({ xml, param: 'SAMLRequest', relayState: 'jsm-relay' })
}

describe('broker mode: the gateway as the helpdesk SAML IdP', () => {
  it('answers a signed-in customer with a signed Response the SP can validate', async () => {
    const cookie = await sessionCookie(sampleSession())
    const res = await exports.default.fetch(`${ORIGIN}/sso/idp/sso?${await authnRequestQuery('_jsm-req-1')}`, { headers: { cookie } })
    expect(res.status).toBe(200)
    const { action, fields } = readAutoPost(await res.text())
    expect(action).toBe(ACS)
    expect(fields.RelayState).toBe('jsm-relay')
    const result = await validateSamlResponse({
      samlResponse: fields.SAMLResponse!,
      idp: { entityId: `${ORIGIN}/sso/idp/metadata`, certificates: [idpCert] },
      sp: { entityId: SP, acsUrl: ACS },
      now: new Date(),
      expectedRequestId: '_jsm-req-1',
    })
    expect(result).toMatchObject({ nameId: 'jane@acme.example', signedParts: { response: true, assertion: true } })
    expect(result.attributes).toMatchObject({
      email: ['jane@acme.example'],
      firstName: ['Jane'],
      lastName: ['Doe'],
      groups: ['support', 'admins'],
      upstreamIdp: ['acme-okta'],
    })
  })

  it('sends an anonymous customer through sign-in first, then resumes the request', async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/idp/sso?${await authnRequestQuery('_jsm-req-2')}`, { redirect: 'manual' })
    expect(res.status).toBe(302)
    const location = res.headers.get('location')!
    const resume = decodeURIComponent(/return_to=([^&]+)/.exec(location)![1]!)
    expect(resume).toMatch(/^\/sso\/idp\/resume\/_[0-9a-f]{40}$/)
    const after = await exports.default.fetch(`${ORIGIN}${resume}`, { headers: { cookie: await sessionCookie() } })
    const { fields } = readAutoPost(await after.text())
    const xml = atob(fields.SAMLResponse!)
    expect(xml).toContain('InResponseTo="_jsm-req-2"')
    const again = await exports.default.fetch(`${ORIGIN}${resume}`, { headers: { cookie: await sessionCookie(), accept: 'application/json' } })
    expect((await again.json<ErrorBody>()).error.code).toBe('LOGIN_STATE_MISSING')
  })

  it('refuses unknown SPs, foreign ACS URLs, and unsigned requests from SPs that sign', async () => {
    const cookie = await sessionCookie()
    const headers = { cookie, accept: 'application/json' }
    const unknown = await exports.default.fetch(`${ORIGIN}/sso/idp/sso?${await authnRequestQuery('_x1', 'urn:unknown')}`, { headers })
    expect((await unknown.json<ErrorBody>()).error.code).toBe('HANDOFF_APP_NOT_FOUND')
    const evilAcs = await exports.default.fetch(`${ORIGIN}/sso/idp/sso?${await authnRequestQuery('_x2', SP, 'https://evil.example/acs')}`, { headers })
    expect((await evilAcs.json<ErrorBody>()).error.code).toBe('HANDOFF_REQUEST_REFUSED')
    const unsigned = await exports.default.fetch(`${ORIGIN}/sso/idp/sso?${await authnRequestQuery('_x3', 'urn:signed-sp', 'https://signed.example/acs')}`, {
      headers,
    })
    expect((await unsigned.json<ErrorBody>()).error.code).toBe('HANDOFF_REQUEST_REFUSED')
    // Each refusal is in the audit log, naming the app and the SAML reason for the admin.
    const rows = await env.DB.prepare("SELECT code, detail FROM audit_log WHERE action = 'handoff.saml' AND outcome = 'failure' ORDER BY id").all<{
      code: string
      detail: string
    }>()
    const seen = rows.results.map((r) => [r.code, (JSON.parse(r.detail) as { samlCode?: string }).samlCode ?? null])
    expect(seen).toEqual(
      expect.arrayContaining([
        ['HANDOFF_APP_NOT_FOUND', null],
        ['HANDOFF_REQUEST_REFUSED', 'SAML_DESTINATION_MISMATCH'],
        ['HANDOFF_REQUEST_REFUSED', 'SAML_SIGNATURE_MISSING'],
      ]),
    )
  })

  // Issue 16: a request the helpdesk got wrong is its configuration; the customer's page says so
  // neutrally, and never blames "your organization".
  it("shows the customer a neutral page for the helpdesk's refused request", async () => {
    const page = await exports.default.fetch(`${ORIGIN}/sso/idp/sso?${await authnRequestQuery('_x4', SP, 'https://evil.example/acs')}`, {
      headers: { cookie: await sessionCookie(), accept: 'text/html' },
    })
    expect(page.status).toBe(400)
    const html = await page.text()
    expect(html).toContain('This is a setting at the help desk, not something you did')
    expect(html).toContain('HANDOFF_REQUEST_REFUSED')
    expect(html).not.toMatch(/your organization/i)
    expect(html).not.toContain('evil.example')
  })

  it('launches an IdP-initiated sign-in into the app', async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/idp/launch/jsm`, { headers: { cookie: await sessionCookie() } })
    const { action, fields } = readAutoPost(await res.text())
    expect(action).toBe(ACS)
    const result = await validateSamlResponse({
      samlResponse: fields.SAMLResponse!,
      idp: { entityId: `${ORIGIN}/sso/idp/metadata`, certificates: [idpCert] },
      sp: { entityId: SP, acsUrl: ACS },
      now: new Date(),
      allowIdpInitiated: true,
    })
    expect(result.inResponseTo).toBeNull()
  })
})

describe('SAML apps from SP metadata', () => {
  it("imports a helpdesk's SP metadata (here: a gateway's own, a real SP metadata document)", async () => {
    const spMetadata = await (await exports.default.fetch('https://helpdesk.example.net/sso/metadata')).text()
    const res = await exports.default.fetch(`${ORIGIN}/sso/admin/api/apps/import`, {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify({ metadataXml: spMetadata, name: 'Other helpdesk' }),
    })
    expect(res.status).toBe(201)
    const app = await res.json<{ kind: string; config: { entityId: string; acsUrl: string; certificates: string[] } }>()
    expect(app).toMatchObject({
      kind: 'saml',
      config: { entityId: 'https://helpdesk.example.net/sso/metadata', acsUrl: 'https://helpdesk.example.net/sso/acs' },
    })
    const bad = await exports.default.fetch(`${ORIGIN}/sso/admin/api/apps/import`, {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify({ metadataXml: '<x/>' }),
    })
    expect(bad.status).toBe(422)
    expect((await bad.json<ErrorBody>()).error.code).toBe('SAML_METADATA_INVALID')
  })
})

describe('IdP metadata', () => {
  it("is signed on request with the metadata role's key (in the signature's KeyInfo), never the assertion key it publishes", async () => {
    const { parseIdpMetadata } = await import('../../src/saml/metadata')
    const xml = await (await exports.default.fetch(`${ORIGIN}/sso/idp/metadata?signed`)).text()
    await expect(parseIdpMetadata(xml, { verifyWith: [idpCert] })).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
    const metadataCert = /<ds:Signature[\s\S]*?<ds:X509Certificate>([^<]+)</.exec(xml)![1]!
    expect(metadataCert).not.toBe(idpCert)
    const parsed = await parseIdpMetadata(xml, { verifyWith: [metadataCert] })
    expect(parsed.signatureVerified).toBe(true)
    expect(parsed.idps[0]!.ssoUrls['HTTP-Redirect']).toBe(`${ORIGIN}/sso/idp/sso`)
  })
})

describe('logout started at the helpdesk (IdP-side SLO)', () => {
  it('ends the session, fans out to the upstream IdP, then answers the helpdesk', async () => {
    const { seedIdp } = await import('../helpers/tenants')
    const { TEST_IDP_CERT } = await import('../fixtures/idp-keys')
    const { buildLogoutRequest, buildLogoutResponse } = await import('../../src/saml/logout')
    const { decodeBase64, inflateRaw, utf8Decode } = await import('../../src/saml/encoding')
    const { parseXml } = await import('../../src/saml/xml/parse')
    await seedIdp(
      env.DB,
      'idp_up',
      {
        name: 'Up',
        slug: 'up',
        entityId: 'https://up.example/idp',
        ssoUrl: 'https://up.example/sso',
        sloUrl: 'https://up.example/slo',
        certificates: [TEST_IDP_CERT],
      },
      new Date(),
    )
    const created = await exports.default.fetch(`${ORIGIN}/sso/admin/api/apps`, {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify({
        kind: 'saml',
        name: 'SLO helpdesk',
        slug: 'slo-desk',
        config: { entityId: 'urn:slo-desk', acsUrl: 'https://desk.example/acs', sloUrl: 'https://desk.example/slo' },
      }),
    })
    expect(created.status).toBe(201)
    const cookie = await sessionCookie(sampleSession({ idpId: 'idp_up', idpSlug: 'up' }))

    const request = buildLogoutRequest({
      id: '_desk-lr-1',
      issueInstant: new Date(),
      destination: `${ORIGIN}/sso/idp/slo`,
      issuer: 'urn:slo-desk',
      nameId: 'jane@acme.example',
    })
    // The app has no certificate, so its request is unsigned: coming from the helpdesk's site, the
    // gateway asks the user (issue 11 item 7); the button sends it again from the gateway's page.
    const asked = await exports.default.fetch(
      `${ORIGIN}/sso/idp/slo?${await encodeRedirectBinding({ xml: request, param: 'SAMLRequest', relayState: 'desk-rs' })}`,
      { headers: { cookie, 'sec-fetch-site': 'cross-site' }, redirect: 'manual' },
    )
    expect(asked.status).toBe(200)
    const page = await asked.text()
    expect(page).toContain('SLO helpdesk asks to sign you out of')
    expect(page).toMatch(/<form method="get" action="\/sso\/idp\/slo">/)
    expect((await exports.default.fetch(`${ORIGIN}/sso/me`, { headers: { cookie, accept: 'application/json' } })).status).toBe(200)
    const fields = new URLSearchParams(
      [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replaceAll('&amp;', '&')]),
    )
    expect([...fields.keys()]).toEqual(['SAMLRequest', 'RelayState'])
    const start = await exports.default.fetch(`${ORIGIN}/sso/idp/slo?${fields}`, { headers: { cookie, 'sec-fetch-site': 'same-origin' }, redirect: 'manual' })
    expect(start.status).toBe(302)
    const upstream = new URL(start.headers.get('location')!)
    expect(upstream.origin + upstream.pathname).toBe('https://up.example/slo')
    const logoutCookie = start.headers
      .getSetCookie()
      .find((c) => c.startsWith('__Host-sso_logout='))!
      .split(';')[0]!
    expect((await exports.default.fetch(`${ORIGIN}/sso/me`, { headers: { cookie, accept: 'application/json' } })).status).toBe(401)

    const upstreamRequest = parseXml(utf8Decode(await inflateRaw(decodeBase64(upstream.searchParams.get('SAMLRequest')!), 65536))).documentElement!
    const upstreamAnswer = buildLogoutResponse({
      id: '_up-resp',
      issueInstant: new Date(),
      destination: `${ORIGIN}/sso/slo`,
      issuer: 'https://up.example/idp',
      inResponseTo: upstreamRequest.getAttribute('ID')!,
    })
    const back = await exports.default.fetch(`${ORIGIN}/sso/slo?${await encodeRedirectBinding({ xml: upstreamAnswer, param: 'SAMLResponse' })}`, {
      headers: { cookie: logoutCookie },
      redirect: 'manual',
    })
    expect(back.status).toBe(302)
    const done = back.headers.get('location')!
    expect(done).toMatch(/^\/sso\/idp\/slo\/done\/_[0-9a-f]{40}$/)

    const answer = await exports.default.fetch(`${ORIGIN}${done}`, { redirect: 'manual' })
    const toDesk = new URL(answer.headers.get('location')!)
    expect(toDesk.origin + toDesk.pathname).toBe('https://desk.example/slo')
    expect(toDesk.searchParams.get('RelayState')).toBe('desk-rs')
    expect(toDesk.searchParams.get('Signature')).toBeTruthy()
    const deskAnswer = parseXml(utf8Decode(await inflateRaw(decodeBase64(toDesk.searchParams.get('SAMLResponse')!), 65536))).documentElement!
    expect(deskAnswer.getAttribute('InResponseTo')).toBe('_desk-lr-1')
  })
})

describe('per-app attributes and organizations', () => {
  it("sends the attributes under the names the app asks for, with the organization's helpdesk name refined by (IdP, group)", async () => {
    const cookie = await sessionCookie()
    const named = await exports.default.fetch(`${ORIGIN}/sso/admin/api/organizations/${TEST_ORG.id}`, {
      method: 'PATCH',
      headers: AUTH,
      body: JSON.stringify({
        helpdeskOrganization: 'Acme Corp',
        groupMappings: [{ idp: 'acme-okta', group: 'support', helpdeskOrganization: 'Acme Support' }],
      }),
    })
    expect(named.status).toBe(200)
    const created = await exports.default.fetch(`${ORIGIN}/sso/admin/api/apps`, {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify({
        kind: 'saml',
        name: 'Mapped desk',
        slug: 'mapped-desk',
        config: {
          entityId: 'urn:mapped',
          acsUrl: 'https://mapped.example/acs',
          attributeNames: { email: 'User.Email', groups: '', upstreamIdp: '' },
        },
      }),
    })
    expect(created.status).toBe(201)
    const res = await exports.default.fetch(`${ORIGIN}/sso/idp/launch/mapped-desk`, { headers: { cookie } })
    const { fields } = readAutoPost(await res.text())
    const result = await validateSamlResponse({
      samlResponse: fields.SAMLResponse!,
      idp: { entityId: `${ORIGIN}/sso/idp/metadata`, certificates: [idpCert] },
      sp: { entityId: 'urn:mapped', acsUrl: 'https://mapped.example/acs' },
      now: new Date(),
      allowIdpInitiated: true,
    })
    expect(result.attributes).toEqual({
      'User.Email': ['jane@acme.example'],
      firstName: ['Jane'],
      lastName: ['Doe'],
      displayName: ['Jane Doe'],
      // Jane is in Acme's IdP group "support": the refinement wins over the organization's own name.
      organization: ['Acme Support'],
    })
    const bad = await exports.default.fetch(`${ORIGIN}/sso/admin/api/apps`, {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify({
        kind: 'saml',
        name: 'Bad',
        config: { entityId: 'urn:bad', acsUrl: 'https://bad.example/acs', attributeNames: { shoeSize: 'x' } },
      }),
    })
    expect(bad.status).toBe(400)
  })
})
