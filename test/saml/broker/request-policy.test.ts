// What a helpdesk's AuthnRequest asks of the broker (saml/broker/request-policy.ts): checks by the
// book, NameIDPolicy and RequestedAuthnContext decisions; and the status Response for what cannot
// be given, as node-saml (strict) and xmlsec1 read it.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SAML } from '@node-saml/node-saml'
import { describe, expect, it } from 'vitest'
import type { AuthnRequestInfo } from '../../../src/saml/broker/authn-request'
import {
  AUTHN_CONTEXT_UNSPECIFIED,
  brokerAuthnContext,
  checkAuthnRequest,
  MAX_AUTHN_REQUEST_AGE_SECONDS,
  nameIdFormatFor,
  satisfiesAuthnContext,
  STATUS,
} from '../../../src/saml/broker/request-policy'
import { buildIssuedResponse, buildStatusResponse, encodeIssuedResponse } from '../../../src/saml/broker/response'
import type { MessageTrust } from '../../../src/saml/received-message'
import { signingKey, testKeyPair } from '../../helpers/keys'
import { hasXmlsec1 } from '../../helpers/xmlsec1'

const SSO = 'https://support.example.com/sso/idp/sso'
const NOW = new Date('2026-12-04T10:00:00Z')
const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:'

function request(overrides: Partial<AuthnRequestInfo<MessageTrust>> = {}): AuthnRequestInfo<MessageTrust> {
  return {
    id: '_r1',
    issuer: 'https://desk.example/sp',
    issueInstant: NOW.toISOString(),
    destination: SSO,
    acsUrl: null,
    protocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
    forceAuthn: false,
    isPassive: false,
    nameIdPolicy: null,
    requestedAuthnContext: null,
    relayState: null,
    signed: false,
    issuerConfig: { certificates: [] },
    ...overrides,
  }
}
const check = (r: AuthnRequestInfo<MessageTrust>, now = NOW) => checkAuthnRequest(r, { ssoUrl: SSO, now, skewSeconds: 180 })

describe('checkAuthnRequest', () => {
  it('takes a fresh request to us, and remembers its ID until it would be too old anyway', () => {
    expect(check(request())).toEqual({ replayUntil: new Date(NOW.getTime() + (MAX_AUTHN_REQUEST_AGE_SECONDS + 180) * 1000) })
    expect(() => check(request({ destination: null, protocolBinding: null }))).not.toThrow()
  })

  it.each([
    ['another Destination', { destination: 'https://other.example/sso' }, 'SAML_DESTINATION_MISMATCH'],
    ['a signed request without Destination', { destination: null, signed: true }, 'SAML_DESTINATION_MISMATCH'],
    ['no IssueInstant', { issueInstant: null }, 'SAML_NOT_SAML'],
    ['an IssueInstant in 2001', { issueInstant: '2001-01-01T00:00:00Z' }, 'SAML_EXPIRED'],
    [
      'an IssueInstant past the age limit and the skew',
      { issueInstant: new Date(NOW.getTime() - (MAX_AUTHN_REQUEST_AGE_SECONDS + 181) * 1000).toISOString() },
      'SAML_EXPIRED',
    ],
    ['an IssueInstant beyond the skew ahead', { issueInstant: new Date(NOW.getTime() + 181_000).toISOString() }, 'SAML_NOT_YET_VALID'],
    ['an unparseable IssueInstant', { issueInstant: 'yesterday' }, 'SAML_'],
    ['the Artifact binding', { protocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact' }, 'SAML_BINDING_UNSUPPORTED'],
    [
      'the Redirect binding (it cannot carry a Response)',
      { protocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect' },
      'SAML_BINDING_UNSUPPORTED',
    ],
  ])('refuses %s', (_name, overrides, code) => {
    expect(() => check(request(overrides))).toThrow(expect.objectContaining({ code: expect.stringMatching(new RegExp(`^${code}`)) }))
  })
})

describe('nameIdFormatFor', () => {
  it('honours emailAddress, persistent and transient, falls back to the app for unspecified or none, and refuses the rest', () => {
    expect(nameIdFormatFor('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', 'email')).toBe('persistent')
    expect(nameIdFormatFor('urn:oasis:names:tc:SAML:2.0:nameid-format:transient', 'email')).toBe('transient')
    expect(nameIdFormatFor('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', 'persistent')).toBe('email')
    expect(nameIdFormatFor('urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified', 'persistent')).toBe('persistent')
    expect(nameIdFormatFor(null, 'email')).toBe('email')
    expect(nameIdFormatFor('urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos', 'email')).toBeNull()
  })
})

describe('authentication context', () => {
  it('maps what Entra ID and ADFS send to SAML classes, and nothing to unspecified', () => {
    expect(brokerAuthnContext('http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password')).toBe(`${AC}PasswordProtectedTransport`)
    expect(brokerAuthnContext('urn:federation:authentication:windows')).toBe(`${AC}PasswordProtectedTransport`)
    expect(brokerAuthnContext(`${AC}X509`)).toBe(`${AC}X509`)
    expect(brokerAuthnContext(`${AC}Password`)).toBe(`${AC}PasswordProtectedTransport`)
    expect(brokerAuthnContext(null)).toBe(AUTHN_CONTEXT_UNSPECIFIED)
  })

  it.each([
    ['exact: listed', 'exact', [`${AC}PasswordProtectedTransport`], `${AC}PasswordProtectedTransport`, true],
    ['exact: not listed', 'exact', [`${AC}PasswordProtectedTransport`], `${AC}X509`, false],
    ['minimum: stronger', 'minimum', [`${AC}PasswordProtectedTransport`], `${AC}X509`, true],
    ['minimum: weaker', 'minimum', [`${AC}PasswordProtectedTransport`], `${AC}Password`, false],
    ['better: equal is not better', 'better', [`${AC}PasswordProtectedTransport`], `${AC}PasswordProtectedTransport`, false],
    ['maximum: weaker is fine', 'maximum', [`${AC}X509`], `${AC}Password`, true],
    ['minimum: unspecified never satisfies', 'minimum', [`${AC}Password`], AUTHN_CONTEXT_UNSPECIFIED, false],
    ['minimum: an unknown class only matches exactly', 'minimum', ['urn:vendor:mfa'], 'urn:vendor:mfa', true],
  ])('%s', (_name, comparison, classRefs, ours, expected) => {
    expect(satisfiesAuthnContext({ comparison, classRefs }, ours)).toBe(expected)
  })

  it('is satisfied by anything when nothing was requested', () => {
    expect(satisfiesAuthnContext(null, AUTHN_CONTEXT_UNSPECIFIED)).toBe(true)
  })
})

describe('status Responses and the AuthnContextClassRef, as SP libraries read them', () => {
  const pair = testKeyPair('rsa', 'gateway-broker')
  const sp = () =>
    new SAML({
      callbackUrl: 'https://desk.example/acs',
      entryPoint: SSO,
      issuer: 'https://desk.example/sp',
      audience: 'https://desk.example/sp',
      idpCert: pair.certificatePem,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      validateInResponseTo: 'never' as never,
    })

  async function status(subStatus: string) {
    return buildStatusResponse({
      issuer: 'https://support.example.com/sso/idp/metadata',
      acsUrl: 'https://desk.example/acs',
      inResponseTo: '_r1',
      status: subStatus === STATUS.invalidNameIdPolicy ? STATUS.requester : STATUS.responder,
      subStatus,
      message: 'why',
      now: new Date(),
      responseId: '_status-1',
      signing: { privateKey: await signingKey(pair), certificatePem: pair.certificatePem },
    })
  }

  it.each([
    [STATUS.invalidNameIdPolicy, 'Requester'],
    [STATUS.noAuthnContext, 'Responder'],
  ])('node-saml reports %s as the reason it got no assertion', async (subStatus, top) => {
    const error = await sp()
      .validatePostResponseAsync({ SAMLResponse: encodeIssuedResponse(await status(subStatus)) })
      .then(
        () => null,
        (e: Error & { xmlStatus?: string }) => e,
      )
    expect(error?.message).toBe(`SAML provider returned ${top} error: why`)
    expect(error?.xmlStatus).toContain(subStatus)
  })

  it('node-saml takes a signed NoPassive as "not signed in", with no error', async () => {
    expect(await sp().validatePostResponseAsync({ SAMLResponse: encodeIssuedResponse(await status(STATUS.noPassive)) })).toEqual({
      profile: null,
      loggedOut: false,
    })
  })

  it('the status Response verifies with xmlsec1', async () => {
    if (!hasXmlsec1) {
      if (process.env.CI) throw new Error('xmlsec1 is required in CI')
      return
    }
    const dir = mkdtempSync(join(tmpdir(), 'status-'))
    try {
      writeFileSync(join(dir, 'r.xml'), await status(STATUS.noPassive))
      writeFileSync(join(dir, 'c.pem'), pair.certificatePem)
      execFileSync(
        'xmlsec1',
        ['--verify', '--pubkey-cert-pem', join(dir, 'c.pem'), '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:Response', join(dir, 'r.xml')],
        {
          stdio: 'pipe',
        },
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('node-saml accepts an assertion that states the upstream class', async () => {
    const now = new Date()
    const xml = await buildIssuedResponse({
      issuer: 'https://support.example.com/sso/idp/metadata',
      audience: 'https://desk.example/sp',
      acsUrl: 'https://desk.example/acs',
      inResponseTo: '_r1',
      nameId: 'jane@acme.example',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      sessionIndex: '_s',
      attributes: {},
      now,
      authnInstant: now,
      responseId: '_resp-ac',
      assertionId: '_assert-ac',
      signing: { privateKey: await signingKey(pair), certificatePem: pair.certificatePem },
      signResponse: true,
      authnContextClassRef: `${AC}PasswordProtectedTransport`,
    })
    expect(xml).toContain(`<saml:AuthnContextClassRef>${AC}PasswordProtectedTransport</saml:AuthnContextClassRef>`)
    const { profile } = await sp().validatePostResponseAsync({ SAMLResponse: encodeIssuedResponse(xml) })
    expect(profile?.nameID).toBe('jane@acme.example')
  })
})
