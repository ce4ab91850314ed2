// Broker sign-on (broker/sign-on.ts) on real D1, KV and WebCrypto: a helpdesk's AuthnRequest is
// answered with a signed Response the helpdesk (here: the core's own validator, trusting only the
// gateway's signing certificate) accepts, only ever at the app's configured ACS URL; without a
// session the request waits for sign-in and is answered exactly once.
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { launchApp, receiveAuthnRequest, resumeSignOn } from '../../src/broker/sign-on'
import { newTrail } from '../../src/audit/record'
import type { BrowserStep } from '../../src/navigation'
import { buildAuthnRequest } from '../../src/saml/authn-request'
import { encodeRedirectBinding, signPostMessage } from '../../src/saml/bindings'
import { encodeBase64, utf8Encode } from '../../src/saml/encoding'
import { validateSamlResponse } from '../../src/saml/index'
import type { ReceivedMessage } from '../../src/saml/received-message'
import { importPrivateKey } from '../../src/saml/x509'
import { signingKey } from '../../src/sso/signing-key'
import type { SamlAppConfig } from '../../src/store/app-configs'
import { saveApp } from '../../src/store/apps'
import { OTHER_IDP_KEY, TEST_IDP_CERT, TEST_IDP_KEY } from '../fixtures/idp-keys'
import { lastAuditRow, TEST_ORIGIN, testContext } from '../helpers/context'
import { sampleSession, sessionCookie } from '../helpers/session'
import { seedOrganization } from '../helpers/tenants'

const BROKER = `${TEST_ORIGIN}/sso/idp/metadata`
const JSM = { entityId: 'https://acme.atlassian.net/sp', acsUrl: 'https://acme.atlassian.net/sp/acs' }
const SIGNED_SP = { entityId: 'urn:signed-sp', acsUrl: 'https://signed.example/acs' }
const ENCRYPTING_SP = { entityId: 'urn:encrypting-sp', acsUrl: 'https://encrypting.example/acs' }

beforeAll(async () => {
  const now = new Date()
  // The users' organization, with its name in the helpdesk and a refinement for Acme's "admins" group.
  await seedOrganization({ helpdeskOrganization: 'Acme Corp' })
  const app = (id: string, slug: string, config: Partial<SamlAppConfig> & { entityId: string; acsUrl: string }, enabled = true) =>
    saveApp(
      env.DB,
      env.SSO_SECRET,
      id,
      { kind: 'saml', name: slug, slug, enabled, config: { nameIdFormat: 'email', signResponse: true, certificates: [], ...config } },
      now,
      true,
    )
  await app('app_jsm', 'jsm', { ...JSM, attributeNames: { upstreamIdp: '' } })
  await app('app_persistent', 'persistent', {
    entityId: 'urn:persistent-sp',
    acsUrl: 'https://persistent.example/acs',
    nameIdFormat: 'persistent',
    signResponse: false,
  })
  await app('app_persistent2', 'persistent2', {
    entityId: 'urn:persistent-sp-2',
    acsUrl: 'https://persistent2.example/acs',
    nameIdFormat: 'persistent',
    signResponse: false,
  })
  await app('app_signed', 'signed', { ...SIGNED_SP, certificates: [TEST_IDP_CERT] })
  await app('app_off', 'off', { entityId: 'urn:off-sp', acsUrl: 'https://off.example/acs' }, false)
  await app('app_encrypted', 'encrypted', {
    ...ENCRYPTING_SP,
    encryptAssertions: true,
    encryptionCertificate: TEST_IDP_CERT,
    encryptionAlgorithm: 'aes256-cbc',
  })
})

async function signedInCookies(overrides = {}): Promise<Record<string, string>> {
  const [name, value] = (await sessionCookie(sampleSession({ idpId: 'idp_acme', ...overrides }))).split('=') as [string, string]
  return { [name]: value }
}

function authnRequest(id: string, sp: { entityId: string; acsUrl: string | null }): string {
  const xml = buildAuthnRequest({ id, issueInstant: new Date(), destination: `${TEST_ORIGIN}/sso/idp/sso`, spEntityId: sp.entityId, acsUrl: sp.acsUrl ?? 'x' })
  return sp.acsUrl === null ? xml.replace(/ AssertionConsumerServiceURL="[^"]*"/, '') : xml
}

async function redirectMessage(xml: string, options: { relayState?: string; key?: string } = {}): Promise<ReceivedMessage> {
  const signing = options.key ? { privateKey: await importPrivateKey(options.key, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }) } : null
  return { binding: 'redirect', rawQuery: await encodeRedirectBinding({ xml, param: 'SAMLRequest', relayState: options.relayState ?? null, signing }) }
}

function posted(step: BrowserStep): { action: string; fields: Record<string, string> } {
  if (step.navigation.kind !== 'post') throw new Error(`expected an auto-post, got ${step.navigation.kind}`)
  return step.navigation
}

function resumePath(step: BrowserStep): string {
  if (step.navigation.kind !== 'redirect') throw new Error('expected a redirect to sign-in')
  const url = new URL(step.navigation.location, TEST_ORIGIN)
  expect(url.pathname).toBe('/sso/login')
  return url.searchParams.get('return_to')!
}

const gatewayCertificate = async () => (await signingKey(testContext(), 'broker')).certificatePem

/** The helpdesk's view: validate the posted Response trusting only the gateway's signing certificate. */
async function helpdeskValidates(samlResponse: string, sp: { entityId: string; acsUrl: string }, expectedRequestId: string | null) {
  return validateSamlResponse({
    samlResponse,
    idp: { entityId: BROKER, certificates: [await gatewayCertificate()] },
    sp,
    now: new Date(),
    expectedRequestId,
    allowIdpInitiated: expectedRequestId === null,
  })
}

describe('receiveAuthnRequest with a signed-in customer', () => {
  it("answers with an auto-post of a signed Response to the app's ACS that the helpdesk accepts", async () => {
    const trail = newTrail('handoff.saml')
    const step = await receiveAuthnRequest(
      testContext(),
      trail,
      await redirectMessage(authnRequest('_jsm-1', JSM), { relayState: 'jsm-relay' }),
      await signedInCookies(),
    )
    const { action, fields } = posted(step)
    expect(action).toBe(JSM.acsUrl)
    expect(fields.RelayState).toBe('jsm-relay')
    const result = await helpdeskValidates(fields.SAMLResponse!, JSM, '_jsm-1')
    expect(result).toMatchObject({
      issuer: BROKER,
      nameId: 'jane@acme.example',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      inResponseTo: '_jsm-1',
      signedParts: { response: true, assertion: true },
    })
    // The app's attribute names: upstreamIdp left out; the organization's name in the helpdesk.
    expect(result.attributes).toEqual({
      email: ['jane@acme.example'],
      firstName: ['Jane'],
      lastName: ['Doe'],
      displayName: ['Jane Doe'],
      groups: ['support', 'admins'],
      organization: ['Acme Corp'],
    })
    expect(trail).toMatchObject({ idpId: 'idp_acme', subject: 'acme-okta:jane@acme.example' })
    expect(await lastAuditRow('handoff.saml')).toMatchObject({
      outcome: 'success',
      idp_id: 'idp_acme',
      subject: 'acme-okta:jane@acme.example',
      detail: { appId: 'app_jsm', inResponseTo: '_jsm-1' },
    })
  })

  it('a Response the helpdesk validates with another certificate is refused (control)', async () => {
    const step = await receiveAuthnRequest(testContext(), newTrail('handoff.saml'), await redirectMessage(authnRequest('_jsm-2', JSM)), await signedInCookies())
    const outcome = validateSamlResponse({
      samlResponse: posted(step).fields.SAMLResponse!,
      idp: { entityId: BROKER, certificates: [TEST_IDP_CERT] },
      sp: JSM,
      now: new Date(),
      expectedRequestId: '_jsm-2',
    })
    await expect(outcome).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })

  describe('persistent NameID: opaque, stable, pairwise', () => {
    const SP1 = { entityId: 'urn:persistent-sp', acsUrl: 'https://persistent.example/acs' }
    const SP2 = { entityId: 'urn:persistent-sp-2', acsUrl: 'https://persistent2.example/acs' }
    let n = 0
    async function nameIdAt(sp: typeof SP1, overrides = {}): Promise<string> {
      const id = `_p-${++n}`
      const step = await receiveAuthnRequest(
        testContext(),
        newTrail('handoff.saml'),
        await redirectMessage(authnRequest(id, sp)),
        await signedInCookies(overrides),
      )
      const result = await helpdeskValidates(posted(step).fields.SAMLResponse!, sp, id)
      expect(result).toMatchObject({ nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', signedParts: { response: false, assertion: true } })
      return result.nameId
    }

    it('is the same for the same user and app on every sign-in, and reveals neither NameID nor email', async () => {
      const first = await nameIdAt(SP1)
      expect(await nameIdAt(SP1)).toBe(first)
      expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(first.toLowerCase()).not.toContain('jane')
    })

    it('differs between two apps for the same user (no correlation across helpdesks)', async () => {
      expect(await nameIdAt(SP1)).not.toBe(await nameIdAt(SP2))
    })

    it('differs for the same NameID from two IdPs, so two IdPs never share a helpdesk user', async () => {
      const acme = await nameIdAt(SP1)
      const globex = await nameIdAt(SP1, { idpId: 'idp_globex', idpSlug: 'globex-entra', organizationId: 'org_globex', organizationSlug: 'globex' })
      expect(globex).not.toBe(acme)
    })
  })

  it('sends no email NameID from a domain that is not verified for the organization', async () => {
    const step = receiveAuthnRequest(
      testContext(),
      newTrail('handoff.saml'),
      await redirectMessage(authnRequest('_jsm-unverified', JSM)),
      await signedInCookies({ email: 'jane@elsewhere.example', emailVerified: false }),
    )
    await expect(step).rejects.toMatchObject({ code: 'HANDOFF_EMAIL_UNVERIFIED' })
    const without = receiveAuthnRequest(
      testContext(),
      newTrail('handoff.saml'),
      await redirectMessage(authnRequest('_jsm-noemail', JSM)),
      await signedInCookies({ email: null, emailVerified: false }),
    )
    await expect(without).rejects.toMatchObject({ code: 'HANDOFF_EMAIL_REQUIRED' })
  })

  it('answers at the configured ACS when the request names none', async () => {
    const step = await receiveAuthnRequest(
      testContext(),
      newTrail('handoff.saml'),
      await redirectMessage(authnRequest('_jsm-3', { entityId: JSM.entityId, acsUrl: null })),
      await signedInCookies(),
    )
    expect(posted(step).action).toBe(JSM.acsUrl)
  })
})

describe('receiveAuthnRequest refusals', () => {
  it('refuses an AssertionConsumerServiceURL that is not the app’s: HANDOFF_REQUEST_REFUSED (SAML_DESTINATION_MISMATCH)', async () => {
    const message = await redirectMessage(authnRequest('_evil-acs', { entityId: JSM.entityId, acsUrl: 'https://evil.example/acs' }))
    await expect(receiveAuthnRequest(testContext(), newTrail('handoff.saml'), message, await signedInCookies())).rejects.toMatchObject({
      code: 'HANDOFF_REQUEST_REFUSED',
      detail: { appId: 'app_jsm', samlCode: 'SAML_DESTINATION_MISMATCH', expected: JSM.acsUrl, received: 'https://evil.example/acs' },
    })
  })

  it('refuses an issuer that is no enabled app with HANDOFF_APP_NOT_FOUND', async () => {
    for (const entityId of ['urn:unknown-sp', 'urn:off-sp']) {
      const message = await redirectMessage(authnRequest('_x', { entityId, acsUrl: 'https://off.example/acs' }))
      await expect(receiveAuthnRequest(testContext(), newTrail('handoff.saml'), message, await signedInCookies())).rejects.toMatchObject({
        code: 'HANDOFF_APP_NOT_FOUND',
      })
    }
  })

  it('requires a signed request from an app with certificates', async () => {
    const cookies = await signedInCookies()
    const unsigned = await redirectMessage(authnRequest('_s-1', SIGNED_SP))
    await expect(receiveAuthnRequest(testContext(), newTrail('handoff.saml'), unsigned, cookies)).rejects.toMatchObject({
      code: 'HANDOFF_REQUEST_REFUSED',
      detail: { samlCode: 'SAML_SIGNATURE_MISSING' },
    })
    const wrongKey = await redirectMessage(authnRequest('_s-2', SIGNED_SP), { key: OTHER_IDP_KEY })
    await expect(receiveAuthnRequest(testContext(), newTrail('handoff.saml'), wrongKey, cookies)).rejects.toMatchObject({
      code: 'HANDOFF_REQUEST_REFUSED',
      detail: { samlCode: 'SAML_SIGNATURE_INVALID' },
    })
    const signed = await redirectMessage(authnRequest('_s-3', SIGNED_SP), { key: TEST_IDP_KEY })
    expect(posted(await receiveAuthnRequest(testContext(), newTrail('handoff.saml'), signed, cookies)).action).toBe(SIGNED_SP.acsUrl)
  })

  it('accepts a signed request over the POST binding too', async () => {
    const privateKey = await importPrivateKey(TEST_IDP_KEY, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' })
    const xml = await signPostMessage(authnRequest('_s-post', SIGNED_SP), { privateKey, certificatePem: TEST_IDP_CERT })
    const message: ReceivedMessage = { binding: 'post', value: encodeBase64(utf8Encode(xml)), relayState: 'r' }
    const { action, fields } = posted(await receiveAuthnRequest(testContext(), newTrail('handoff.saml'), message, await signedInCookies()))
    expect(action).toBe(SIGNED_SP.acsUrl)
    expect(fields.RelayState).toBe('r')
  })
})

describe('without a session', () => {
  it('parks the request, sends the customer to sign-in, and answers it once when they are back', async () => {
    const message = await redirectMessage(authnRequest('_park-1', JSM), { relayState: 'parked-relay' })
    const first = await receiveAuthnRequest(testContext(), newTrail('handoff.saml'), message, {})
    const resume = resumePath(first)
    expect(resume).toMatch(/^\/sso\/idp\/resume\/_[0-9a-f]{40}$/)
    const key = resume.split('/').pop()!
    const cookies = await signedInCookies()

    const answered = posted(await resumeSignOn(testContext(), newTrail('handoff.saml'), key, cookies))
    expect(answered.fields.RelayState).toBe('parked-relay')
    expect(await helpdeskValidates(answered.fields.SAMLResponse!, JSM, '_park-1')).toMatchObject({ inResponseTo: '_park-1' })
    await expect(resumeSignOn(testContext(), newTrail('handoff.saml'), key, cookies)).rejects.toMatchObject({ code: 'LOGIN_STATE_MISSING' })
  })

  it('keeps the request parked when the customer comes back still signed out', async () => {
    const key = resumePath(await receiveAuthnRequest(testContext(), newTrail('handoff.saml'), await redirectMessage(authnRequest('_park-2', JSM)), {}))
      .split('/')
      .pop()!
    expect(resumePath(await resumeSignOn(testContext(), newTrail('handoff.saml'), key, {}))).toBe(`/sso/idp/resume/${key}`)
    expect(posted(await resumeSignOn(testContext(), newTrail('handoff.saml'), key, await signedInCookies())).action).toBe(JSM.acsUrl)
  })

  it('refuses to answer a parked request once its app was turned off (HANDOFF_APP_NOT_FOUND)', async () => {
    const sp = { entityId: 'urn:later-off', acsUrl: 'https://later-off.example/acs' }
    const fields = {
      kind: 'saml' as const,
      name: 'later',
      slug: 'later-off',
      config: { ...sp, nameIdFormat: 'email' as const, signResponse: true, certificates: [] },
    }
    await saveApp(env.DB, env.SSO_SECRET, 'app_later_off', { ...fields, enabled: true }, new Date(), true)
    const key = resumePath(await receiveAuthnRequest(testContext(), newTrail('handoff.saml'), await redirectMessage(authnRequest('_park-3', sp)), {}))
      .split('/')
      .pop()!
    await saveApp(env.DB, env.SSO_SECRET, 'app_later_off', { ...fields, enabled: false }, new Date(), false)
    await expect(resumeSignOn(testContext(), newTrail('handoff.saml'), key, await signedInCookies())).rejects.toMatchObject({ code: 'HANDOFF_APP_NOT_FOUND' })
  })

  it('refuses a resume key that was never issued with LOGIN_STATE_MISSING', async () => {
    for (const key of [`_${'0'.repeat(40)}`, 'not-a-key', '../session:x']) {
      await expect(resumeSignOn(testContext(), newTrail('handoff.saml'), key, await signedInCookies())).rejects.toMatchObject({ code: 'LOGIN_STATE_MISSING' })
    }
  })
})

describe('launchApp (IdP-initiated)', () => {
  it('posts an unsolicited signed Response to the app named by slug', async () => {
    const trail = newTrail('handoff.saml')
    const { action, fields } = posted(await launchApp(testContext(), trail, 'jsm', await signedInCookies()))
    expect(action).toBe(JSM.acsUrl)
    expect(fields.RelayState).toBeUndefined()
    expect(await helpdeskValidates(fields.SAMLResponse!, JSM, null)).toMatchObject({ inResponseTo: null, nameId: 'jane@acme.example' })
    expect(trail.subject).toBe('acme-okta:jane@acme.example')
  })

  it('sends a signed-out customer through sign-in first, then launches', async () => {
    const key = resumePath(await launchApp(testContext(), newTrail('handoff.saml'), 'jsm', {}))
      .split('/')
      .pop()!
    const { fields } = posted(await resumeSignOn(testContext(), newTrail('handoff.saml'), key, await signedInCookies()))
    expect(await helpdeskValidates(fields.SAMLResponse!, JSM, null)).toMatchObject({ inResponseTo: null })
  })

  it('refuses an unknown or disabled app with HANDOFF_APP_NOT_FOUND', async () => {
    for (const slug of ['nope', 'off']) {
      await expect(launchApp(testContext(), newTrail('handoff.saml'), slug, await signedInCookies())).rejects.toMatchObject({ code: 'HANDOFF_APP_NOT_FOUND' })
    }
  })
})

// Issue 16: the options an SP's AuthnRequest carries, honoured by the book (SAML core §3.4.1).
describe('AuthnRequest options and checks', () => {
  let n = 0
  const fresh = () => `_opt-${++n}-${crypto.randomUUID().slice(0, 8)}`
  const PPT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'
  const PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password'
  const INTERNET_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:ac:classes:InternetProtocol'

  /** A request to JSM with its XML edited (attributes on the root, children after Issuer). */
  function edited(id: string, edit: (xml: string) => string): string {
    return edit(authnRequest(id, JSM))
  }
  const withAttr = (attrs: string) => (xml: string) => xml.replace('<samlp:AuthnRequest ', `<samlp:AuthnRequest ${attrs} `)
  const withChild = (child: string) => (xml: string) => xml.replace('</saml:Issuer>', `</saml:Issuer>${child}`)
  const policy = (format: string) => withChild(`<samlp:NameIDPolicy Format="${format}" AllowCreate="true"/>`)
  const context = (comparison: string, ...refs: string[]) =>
    withChild(
      `<samlp:RequestedAuthnContext Comparison="${comparison}">${refs.map((r) => `<saml:AuthnContextClassRef>${r}</saml:AuthnContextClassRef>`).join('')}</samlp:RequestedAuthnContext>`,
    )
  const refused = (samlCode: string) => expect.objectContaining({ code: 'HANDOFF_REQUEST_REFUSED', detail: expect.objectContaining({ samlCode }) })

  async function send(xml: string, cookies: Record<string, string> | null = null) {
    return receiveAuthnRequest(testContext(), newTrail('handoff.saml'), await redirectMessage(xml), cookies ?? (await signedInCookies()))
  }

  /** The status a Response carries (its top and second-level codes), after checking its signature. */
  async function statusOf(step: BrowserStep): Promise<string[]> {
    const { action, fields } = posted(step)
    expect(action).toBe(JSM.acsUrl)
    const xml = new TextDecoder().decode(Uint8Array.from(atob(fields.SAMLResponse!), (c) => c.charCodeAt(0)))
    const { parseXml } = await import('../../src/saml/xml/parse')
    const { verifyEnvelopedSignature } = await import('../../src/saml/dsig/verify')
    const { parseCertificate } = await import('../../src/saml/x509')
    const root = parseXml(xml).documentElement!
    const signature = [...Array.from(root.childNodes)].find((c) => (c as { localName?: string }).localName === 'Signature')
    await verifyEnvelopedSignature(root, signature as never, [parseCertificate(await gatewayCertificate())], { allowSha1: false })
    expect(xml).not.toContain('<saml:Assertion')
    return [...xml.matchAll(/<samlp:StatusCode Value="([^"]+)"/g)].map((m) => m[1]!.replace('urn:oasis:names:tc:SAML:2.0:status:', ''))
  }

  describe('where and when', () => {
    it.each([
      [
        'addressed to another IdP',
        (xml: string) => xml.replace(/Destination="[^"]*"/, 'Destination="https://other-idp.example/sso"'),
        'SAML_DESTINATION_MISMATCH',
      ],
      ['dated 2001', (xml: string) => xml.replace(/IssueInstant="[^"]*"/, 'IssueInstant="2001-01-01T00:00:00Z"'), 'SAML_EXPIRED'],
      [
        'dated an hour ahead',
        (xml: string) => xml.replace(/IssueInstant="[^"]*"/, `IssueInstant="${new Date(Date.now() + 3600_000).toISOString()}"`),
        'SAML_NOT_YET_VALID',
      ],
      ['without an IssueInstant', (xml: string) => xml.replace(/ IssueInstant="[^"]*"/, ''), 'SAML_NOT_SAML'],
      [
        'asking for an answer over HTTP-Artifact',
        (xml: string) => xml.replace(/ProtocolBinding="[^"]*"/, 'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"'),
        'SAML_BINDING_UNSUPPORTED',
      ],
    ])('refuses a request %s', async (_name, edit, samlCode) => {
      await expect(send(edited(fresh(), edit))).rejects.toThrow(refused(samlCode))
    })

    it('answers each request ID once: a replayed request is refused (SAML_REPLAY)', async () => {
      const xml = authnRequest(fresh(), JSM)
      posted(await send(xml))
      await expect(send(xml)).rejects.toThrow(refused('SAML_REPLAY'))
    })
  })

  describe('NameIDPolicy', () => {
    async function nameIdFor(format: string) {
      const id = fresh()
      const step = await send(edited(id, policy(format)))
      return helpdeskValidates(posted(step).fields.SAMLResponse!, JSM, id)
    }

    it('gives the persistent NameID asked for, though the app is set to email', async () => {
      const result = await nameIdFor('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent')
      expect(result.nameIdFormat).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent')
      expect(result.nameId).toMatch(/^[A-Za-z0-9_-]{43}$/)
    })

    it('gives a transient NameID, new each time', async () => {
      const a = await nameIdFor('urn:oasis:names:tc:SAML:2.0:nameid-format:transient')
      const b = await nameIdFor('urn:oasis:names:tc:SAML:2.0:nameid-format:transient')
      expect(a.nameIdFormat).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:transient')
      expect(a.nameId).not.toBe(b.nameId)
      expect(a.nameId.toLowerCase()).not.toContain('jane')
    })

    it('gives the email for emailAddress and for unspecified', async () => {
      expect((await nameIdFor('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress')).nameId).toBe('jane@acme.example')
      expect((await nameIdFor('urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified')).nameId).toBe('jane@acme.example')
    })

    it('answers a format it cannot issue with a signed Requester/InvalidNameIDPolicy Response, and audits it', async () => {
      const step = await send(edited(fresh(), policy('urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName')))
      expect(await statusOf(step)).toEqual(['Requester', 'InvalidNameIDPolicy'])
      expect(await lastAuditRow('handoff.saml')).toMatchObject({ outcome: 'failure', code: 'HANDOFF_REQUEST_REFUSED', detail: { appId: 'app_jsm' } })
    })
  })

  describe('RequestedAuthnContext and the upstream AuthnContextClassRef', () => {
    it("passes the upstream IdP's class on when it meets an exact request", async () => {
      const id = fresh()
      const step = await send(edited(id, context('exact', PPT)), await signedInCookies({ authnContextClassRef: PPT }))
      const result = await helpdeskValidates(posted(step).fields.SAMLResponse!, JSM, id)
      expect(result.authnContextClassRef).toBe(PPT)
    })

    it('states an upstream Password sign-in (always over https) as PasswordProtectedTransport, meeting an exact request for it', async () => {
      const id = fresh()
      const step = await send(edited(id, context('exact', PPT)), await signedInCookies({ authnContextClassRef: PASSWORD }))
      expect((await helpdeskValidates(posted(step).fields.SAMLResponse!, JSM, id)).authnContextClassRef).toBe(PPT)
    })

    it("maps Entra ID's password method to PasswordProtectedTransport", async () => {
      const id = fresh()
      const entra = 'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password'
      const step = await send(edited(id, context('minimum', PPT)), await signedInCookies({ authnContextClassRef: entra }))
      expect((await helpdeskValidates(posted(step).fields.SAMLResponse!, JSM, id)).authnContextClassRef).toBe(PPT)
    })

    it('answers NoAuthnContext when the sign-in was weaker than the minimum asked for, or unknown for an exact request', async () => {
      expect(await statusOf(await send(edited(fresh(), context('minimum', PPT)), await signedInCookies({ authnContextClassRef: INTERNET_PROTOCOL })))).toEqual([
        'Responder',
        'NoAuthnContext',
      ])
      expect(await statusOf(await send(edited(fresh(), context('exact', PPT)), await signedInCookies({ authnContextClassRef: undefined })))).toEqual([
        'Responder',
        'NoAuthnContext',
      ])
    })

    it('states unspecified when the upstream IdP said nothing and nothing was asked', async () => {
      const id = fresh()
      const step = await send(authnRequest(id, JSM), await signedInCookies({ authnContextClassRef: undefined }))
      expect((await helpdeskValidates(posted(step).fields.SAMLResponse!, JSM, id)).authnContextClassRef).toBe(
        'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified',
      )
    })
  })

  describe('IsPassive and ForceAuthn', () => {
    it('answers IsPassive without a session with Responder/NoPassive, and with one as usual', async () => {
      expect(await statusOf(await send(edited(fresh(), withAttr('IsPassive="true"')), {}))).toEqual(['Responder', 'NoPassive'])
      const id = fresh()
      const step = await send(edited(id, withAttr('IsPassive="true"')))
      expect((await helpdeskValidates(posted(step).fields.SAMLResponse!, JSM, id)).inResponseTo).toBe(id)
    })

    it('makes ForceAuthn sign in afresh upstream: the existing session does not answer it, a new one does', async () => {
      const id = fresh()
      const old = await signedInCookies({ createdAt: Date.now() - 60_000 })
      const step = await send(edited(id, withAttr('ForceAuthn="true"')), old)
      if (step.navigation.kind !== 'redirect') throw new Error('expected the sign-in page')
      const login = new URL(step.navigation.location, TEST_ORIGIN)
      expect(login.searchParams.has('force')).toBe(true)
      const resume = login.searchParams.get('return_to')!
      const key = resume.split('/').at(-1)!
      // Back with the old session: sent to sign in again, still asking for a fresh sign-in.
      const again = await resumeSignOn(testContext(), newTrail('handoff.saml'), key, old)
      expect(again.navigation).toMatchObject({ kind: 'redirect', location: expect.stringContaining('&force') })
      // Back with a session started after the request: answered.
      const answered = await resumeSignOn(testContext(), newTrail('handoff.saml'), key, await signedInCookies({ createdAt: Date.now() + 1000 }))
      expect((await helpdeskValidates(posted(answered).fields.SAMLResponse!, JSM, id)).inResponseTo).toBe(id)
    })
  })
})

// Issue 16: no assertion was ever encrypted, even for an SP whose metadata asks for it.
describe('encrypted assertions', () => {
  it("encrypts the signed assertion for an app that asks, which only the SP's key opens", async () => {
    const id = `_enc-${crypto.randomUUID().slice(0, 8)}`
    const step = await receiveAuthnRequest(
      testContext(),
      newTrail('handoff.saml'),
      await redirectMessage(authnRequest(id, ENCRYPTING_SP)),
      await signedInCookies(),
    )
    const response = posted(step).fields.SAMLResponse!
    const xml = new TextDecoder().decode(Uint8Array.from(atob(response), (c) => c.charCodeAt(0)))
    expect(xml).toContain('<saml:EncryptedAssertion')
    expect(xml).toContain('http://www.w3.org/2001/04/xmlenc#aes256-cbc')
    expect(xml).not.toContain('jane@acme.example')
    const options = {
      samlResponse: response,
      idp: { entityId: BROKER, certificates: [await gatewayCertificate()] },
      sp: ENCRYPTING_SP,
      now: new Date(),
      expectedRequestId: id,
    }
    const result = await validateSamlResponse({ ...options, decryptionKeys: [TEST_IDP_KEY], requireSignedAssertion: true })
    expect(result).toMatchObject({ nameId: 'jane@acme.example', signedParts: { assertion: true, response: true } })
    await expect(validateSamlResponse({ ...options, decryptionKeys: [OTHER_IDP_KEY] })).rejects.toMatchObject({ code: 'SAML_DECRYPTION_FAILED' })
    expect(await lastAuditRow('handoff.saml')).toMatchObject({ outcome: 'success', detail: { appId: 'app_encrypted', encrypted: true } })
  })
})
