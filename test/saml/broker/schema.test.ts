// What the gateway publishes and sends, checked against the OASIS SAML 2.0 schemas by xmllint
// (issue 16: an independent verifier for metadata): the broker's IdP metadata (plain, signed,
// for an app that must sign), our SP metadata, and the broker's Responses (plain, encrypted, and
// status answers) and LogoutResponses.
import { describe, expect, it } from 'vitest'
import { buildBrokerMetadata } from '../../../src/saml/broker/metadata'
import { buildIssuedResponse, buildStatusResponse } from '../../../src/saml/broker/response'
import { STATUS } from '../../../src/saml/broker/request-policy'
import { buildLogoutResponse, STATUS_REQUESTER, STATUS_UNKNOWN_PRINCIPAL } from '../../../src/saml/logout'
import { buildSpMetadata, signMetadata } from '../../../src/saml/sp-metadata'
import { signingKey, testKeyPair } from '../../helpers/keys'
import { hasSamlSchemas, validateSamlSchema } from '../../helpers/xml-schema'

const key = testKeyPair('rsa', 'schema-broker')
const sp = testKeyPair('rsa', 'schema-sp')
const itSchemas = hasSamlSchemas || process.env.CI ? it : it.skip

function expectValid(xml: string, kind: 'metadata' | 'protocol') {
  const r = validateSamlSchema(xml, kind)
  expect(r.ok, r.output).toBe(true)
}

describe('metadata against saml-schema-metadata-2.0.xsd', () => {
  const broker = {
    entityId: 'https://gateway.example/sso/idp/metadata',
    ssoUrl: 'https://gateway.example/sso/idp/sso',
    sloUrl: 'https://gateway.example/sso/idp/slo',
    signingCertificates: [key.certificatePem],
  }

  itSchemas('the broker IdP metadata, plain, signed, and the copy for an app that must sign', async () => {
    expectValid(buildBrokerMetadata(broker), 'metadata')
    expectValid(buildBrokerMetadata({ ...broker, wantAuthnRequestsSigned: true }), 'metadata')
    expectValid(
      await signMetadata(buildBrokerMetadata({ ...broker, id: '_md' }), { privateKey: await signingKey(key), certificatePem: key.certificatePem }),
      'metadata',
    )
  })

  itSchemas('our SP metadata', () => {
    expectValid(
      buildSpMetadata({
        entityId: 'https://gateway.example/sso/metadata',
        acsUrl: 'https://gateway.example/sso/acs',
        sloUrl: 'https://gateway.example/sso/slo',
        signingCertificates: [key.certificatePem],
        encryptionCertificates: [sp.certificatePem],
        wantAssertionsSigned: true,
        authnRequestsSigned: true,
      }),
      'metadata',
    )
  })

  itSchemas('a document the schema refuses is reported (control)', () => {
    const bad = buildBrokerMetadata(broker).replace('<md:IDPSSODescriptor ', '<md:IDPSSODescriptor bogus="1" ')
    expect(validateSamlSchema(bad, 'metadata').ok).toBe(false)
  })
})

describe('broker messages against saml-schema-protocol-2.0.xsd', () => {
  async function response(extra: Partial<Parameters<typeof buildIssuedResponse>[0]> = {}) {
    const now = new Date()
    return buildIssuedResponse({
      issuer: 'https://gateway.example/sso/idp/metadata',
      audience: 'https://desk.example/sp',
      acsUrl: 'https://desk.example/acs',
      inResponseTo: '_req',
      nameId: 'jane@acme.example',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      sessionIndex: '_s',
      attributes: [{ name: 'urn:oid:2.5.4.42', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri', friendlyName: 'givenName', values: ['Jane'] }],
      now,
      authnInstant: now,
      responseId: '_resp',
      assertionId: '_assert',
      signing: { privateKey: await signingKey(key), certificatePem: key.certificatePem },
      signResponse: true,
      authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
      ...extra,
    })
  }

  itSchemas('a Response, plain and with an encrypted assertion', async () => {
    expectValid(await response(), 'protocol')
    expectValid(await response({ encryptFor: { certificatePem: sp.certificatePem, algorithm: 'aes256-gcm' } }), 'protocol')
  })

  itSchemas('the status Responses and a LogoutResponse with a second-level status', async () => {
    for (const subStatus of [STATUS.invalidNameIdPolicy, STATUS.noAuthnContext, STATUS.noPassive]) {
      const xml = await buildStatusResponse({
        issuer: 'https://gateway.example/sso/idp/metadata',
        acsUrl: 'https://desk.example/acs',
        inResponseTo: '_req',
        status: STATUS.responder,
        subStatus,
        message: 'why',
        now: new Date(),
        responseId: '_status',
        signing: { privateKey: await signingKey(key), certificatePem: key.certificatePem },
      })
      expectValid(xml, 'protocol')
    }
    expectValid(
      buildLogoutResponse({
        id: '_lr',
        issueInstant: new Date(),
        destination: 'https://desk.example/slo',
        issuer: 'https://gateway.example/sso/idp/metadata',
        inResponseTo: '_req',
        statusCode: STATUS_REQUESTER,
        subStatusCode: STATUS_UNKNOWN_PRINCIPAL,
        statusMessage: 'not this user',
      }),
      'protocol',
    )
  })
})
