// Broker mode interop proof: assertions the gateway issues as an IdP verify with xmlsec1, and are
// accepted by @node-saml/node-saml and by this gateway's own SP core (round trip).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SAML } from '@node-saml/node-saml'
import { describe, expect, it } from 'vitest'
import { ATTRIBUTE_PROFILE_NAMES, issuedAttributes, type AttributeProfile } from '../../../src/broker/attributes'
import { buildIssuedResponse, encodeIssuedResponse } from '../../../src/saml/broker/response'
import { validateSamlResponse } from '../../../src/saml/index'
import { hasXmlsec1 } from '../../helpers/xmlsec1'
import { signingKey, testKeyPair } from '../../helpers/keys'

const ISSUER = 'https://support.example.com/sso/idp/metadata'
const SP = 'https://acme.atlassian.net/sp'
const ACS = 'https://acme.atlassian.net/sp/acs'

async function issue(signResponse: boolean, overrides: { nameId?: string; attributes?: Parameters<typeof buildIssuedResponse>[0]['attributes'] } = {}) {
  const pair = testKeyPair('rsa', 'gateway-idp')
  const now = new Date()
  const xml = await buildIssuedResponse({
    issuer: ISSUER,
    audience: SP,
    acsUrl: ACS,
    inResponseTo: '_req-from-helpdesk',
    nameId: overrides.nameId ?? 'jane@acme.example',
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    sessionIndex: '_sess-1',
    attributes: overrides.attributes ?? {
      email: ['jane@acme.example'],
      firstName: ['Jane'],
      lastName: ['Doe & Co <x>'],
      groups: ['Support', 'Admins'],
      upstreamIdp: ['acme-okta'],
    },
    now,
    authnInstant: now,
    responseId: '_resp-issued-1',
    assertionId: '_assert-issued-1',
    signing: { privateKey: await signingKey(pair), certificatePem: pair.certificatePem },
    signResponse,
  })
  return { xml, pair, now }
}

describe('responses issued by the gateway as an IdP', () => {
  for (const signResponse of [false, true]) {
    const what = signResponse ? 'response and assertion signed' : 'assertion signed'
    it(`are accepted by this gateway's SP core (${what})`, async () => {
      const { xml, pair, now } = await issue(signResponse)
      const result = await validateSamlResponse({
        samlResponse: encodeIssuedResponse(xml),
        idp: { entityId: ISSUER, certificates: [pair.certificatePem] },
        sp: { entityId: SP, acsUrl: ACS },
        now,
        expectedRequestId: '_req-from-helpdesk',
      })
      expect(result).toMatchObject({ nameId: 'jane@acme.example', sessionIndex: '_sess-1', signedParts: { assertion: true, response: signResponse } })
      expect(result.attributes.lastName).toEqual(['Doe & Co <x>'])
      expect(result.attributes.groups).toEqual(['Support', 'Admins'])
    })

    it(`are accepted by @node-saml/node-saml (${what})`, async () => {
      const { xml, pair } = await issue(signResponse)
      const saml = new SAML({
        callbackUrl: ACS,
        entryPoint: 'https://support.example.com/sso/idp/sso',
        issuer: SP,
        audience: SP,
        idpCert: pair.certificatePem,
        wantAssertionsSigned: true,
        wantAuthnResponseSigned: signResponse,
        validateInResponseTo: 'never' as never,
      })
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: encodeIssuedResponse(xml) })
      expect(profile?.nameID).toBe('jane@acme.example')
      expect(profile?.['email']).toBe('jane@acme.example')
    })

    it(`verify with xmlsec1 (${what})`, async () => {
      if (!hasXmlsec1) {
        if (process.env.CI) throw new Error('xmlsec1 is required in CI')
        return
      }
      const { xml, pair } = await issue(signResponse)
      const dir = mkdtempSync(join(tmpdir(), 'issued-'))
      try {
        writeFileSync(join(dir, 'r.xml'), xml)
        writeFileSync(join(dir, 'cert.pem'), pair.certificatePem)
        const ids = signResponse ? ['_assert-issued-1', '_resp-issued-1'] : ['_assert-issued-1']
        for (const id of ids) {
          const args = [
            '--verify',
            '--enabled-key-data',
            'rsa',
            '--pubkey-cert-pem',
            join(dir, 'cert.pem'),
            '--id-attr:ID',
            'urn:oasis:names:tc:SAML:2.0:assertion:Assertion',
            '--id-attr:ID',
            'urn:oasis:names:tc:SAML:2.0:protocol:Response',
            '--node-xpath',
            `//*[@ID='${id}']/*[local-name()='Signature']`,
            join(dir, 'r.xml'),
          ]
          expect(() => execFileSync('xmlsec1', args, { stdio: 'pipe' })).not.toThrow()
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  }

  it('escapes hostile values so they cannot change the structure', async () => {
    const { xml, pair, now } = await issue(false, { nameId: 'x</saml:NameID><saml:NameID>admin@acme.example' })
    const result = await validateSamlResponse({
      samlResponse: encodeIssuedResponse(xml),
      idp: { entityId: ISSUER, certificates: [pair.certificatePem] },
      sp: { entityId: SP, acsUrl: ACS },
      now,
      expectedRequestId: '_req-from-helpdesk',
    })
    expect(result.nameId).toBe('x</saml:NameID><saml:NameID>admin@acme.example')
  })
})

// Issue 16: each attribute profile, as a strict SP library reads it (node-saml, signed Response
// and assertion required) and as xmlsec1 verifies it.
describe('attribute profiles through node-saml and xmlsec1', () => {
  const session = {
    idpId: 'idp_acme',
    idpSlug: 'acme-okta',
    nameId: 'jane@acme.example',
    nameIdFormat: null,
    sessionIndex: null,
    email: 'jane@acme.example',
    emailVerified: true,
    displayName: 'Jane Doe',
    groups: ['Support', 'Admins'],
    createdAt: 0,
    expiresAt: 1,
  }
  const config = (attributeProfile: AttributeProfile) => ({
    entityId: SP,
    acsUrl: ACS,
    nameIdFormat: 'email' as const,
    signResponse: true,
    certificates: [],
    attributeProfile,
  })

  it.each(ATTRIBUTE_PROFILE_NAMES)('%s', async (profile) => {
    const attributes = issuedAttributes(config(profile), session, 'Acme Corp')
    const { xml, pair } = await issue(true, { attributes })
    for (const a of attributes) {
      expect(xml).toContain(`Name="${a.name}" NameFormat="${a.nameFormat}"${a.friendlyName ? ` FriendlyName="${a.friendlyName}"` : ''}`)
    }
    const saml = new SAML({
      callbackUrl: ACS,
      entryPoint: 'https://support.example.com/sso/idp/sso',
      issuer: SP,
      audience: SP,
      idpCert: pair.certificatePem,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      validateInResponseTo: 'never' as never,
    })
    const { profile: received } = await saml.validatePostResponseAsync({ SAMLResponse: encodeIssuedResponse(xml) })
    for (const a of attributes) expect(received?.[a.name], a.name).toEqual(a.values.length === 1 ? a.values[0] : a.values)
    if (hasXmlsec1) {
      const dir = mkdtempSync(join(tmpdir(), 'profile-'))
      try {
        writeFileSync(join(dir, 'r.xml'), xml)
        writeFileSync(join(dir, 'cert.pem'), pair.certificatePem)
        execFileSync(
          'xmlsec1',
          ['--verify', '--pubkey-cert-pem', join(dir, 'cert.pem'), '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:Response', join(dir, 'r.xml')],
          {
            stdio: 'pipe',
          },
        )
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    } else if (process.env.CI) throw new Error('xmlsec1 is required in CI')
  })
})
