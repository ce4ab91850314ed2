// Who the assertion is for and which login it answers: Audience, Recipient, Destination, Issuer,
// InResponseTo, unsolicited responses, Status (profiles §4.1.4, bindings §3.5.5.2).
import { describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../../src/saml/index'
import { ACS, IDP, optionsFor, REQUEST_ID, responseOf, signedResponse, SP } from '../../helpers/saml-response'

describe('binding the assertion to this SP and this login', () => {
  it('accepts the matching response and returns what it asserts (control)', async () => {
    const result = await validateSamlResponse(optionsFor(await signedResponse('both')))
    expect(result).toMatchObject({
      nameId: 'alice@example.com',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      sessionIndex: '_session-1',
      issuer: IDP,
      assertionId: '_assert-1',
      inResponseTo: REQUEST_ID,
      attributes: { email: ['alice@example.com'], groups: ['staff', 'admins'] },
      signedParts: { response: true, assertion: true },
      warnings: [],
    })
  })

  it('rejects another SP as Audience with SAML_AUDIENCE_MISMATCH', async () => {
    const doc = await signedResponse('response', { audience: 'https://other-sp.test' })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({
      code: 'SAML_AUDIENCE_MISMATCH',
      detail: { expected: SP, received: ['https://other-sp.test'] },
    })
  })

  it('rejects another Recipient with SAML_RECIPIENT_MISMATCH', async () => {
    const doc = await signedResponse('assertion', { recipient: 'https://other-sp.test/acs' })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_RECIPIENT_MISMATCH' })
  })

  it('rejects another Destination with SAML_DESTINATION_MISMATCH', async () => {
    const doc = await signedResponse('response', { destination: 'https://other-sp.test/acs' })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_DESTINATION_MISMATCH' })
  })

  it('rejects a wrong Destination on an unsigned Response even when the Assertion is signed (SAML_DESTINATION_MISMATCH)', async () => {
    const doc = await signedResponse('assertion')
    responseOf(doc).setAttribute('Destination', 'https://other-sp.test/acs')
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_DESTINATION_MISMATCH' })
  })

  it('rejects a signed Response without Destination with SAML_DESTINATION_MISMATCH (bindings §3.5.5.2)', async () => {
    const doc = await signedResponse('response', { destination: null })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_DESTINATION_MISMATCH' })
  })

  it('accepts an assertion-signed Response without Destination', async () => {
    const doc = await signedResponse('assertion', { destination: null })
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  it('rejects another Issuer with SAML_ISSUER_MISMATCH', async () => {
    const doc = await signedResponse('response', { issuer: 'https://evil-idp.test', assertionIssuer: 'https://evil-idp.test' })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_ISSUER_MISMATCH', detail: { expected: IDP } })
  })

  it('rejects an Assertion Issuer that differs from the Response Issuer with SAML_ISSUER_MISMATCH', async () => {
    const doc = await signedResponse('response', { assertionIssuer: 'https://evil-idp.test' })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_ISSUER_MISMATCH' })
  })

  it('rejects an answer to another request with SAML_IN_RESPONSE_TO_MISMATCH', async () => {
    const doc = await signedResponse('response', { inResponseTo: '_someone-elses-request' })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_IN_RESPONSE_TO_MISMATCH' })
  })

  it('reads InResponseTo from the signed Assertion, not from an edited unsigned Response', async () => {
    const doc = await signedResponse('assertion', { inResponseTo: '_someone-elses-request' })
    responseOf(doc).setAttribute('InResponseTo', REQUEST_ID)
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_IN_RESPONSE_TO_MISMATCH' })
  })

  it('rejects a response without InResponseTo when a request was issued with SAML_IN_RESPONSE_TO_MISMATCH', async () => {
    const doc = await signedResponse('response', { inResponseTo: null })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_IN_RESPONSE_TO_MISMATCH' })
  })

  it('rejects an unsolicited response when IdP-initiated login is off with SAML_UNSOLICITED_NOT_ALLOWED', async () => {
    const doc = await signedResponse('response', { inResponseTo: null })
    await expect(validateSamlResponse(optionsFor(doc, { expectedRequestId: undefined }))).rejects.toMatchObject({ code: 'SAML_UNSOLICITED_NOT_ALLOWED' })
  })

  it('accepts an unsolicited response when IdP-initiated login is on', async () => {
    const doc = await signedResponse('response', { inResponseTo: null })
    await expect(validateSamlResponse(optionsFor(doc, { expectedRequestId: undefined, allowIdpInitiated: true }))).resolves.toMatchObject({
      inResponseTo: null,
    })
  })

  it('rejects a solicited response arriving without login state with SAML_IN_RESPONSE_TO_MISMATCH', async () => {
    const doc = await signedResponse('response')
    await expect(validateSamlResponse(optionsFor(doc, { expectedRequestId: undefined, allowIdpInitiated: true }))).rejects.toMatchObject({
      code: 'SAML_IN_RESPONSE_TO_MISMATCH',
    })
  })

  it('rejects a non-Success status with SAML_STATUS_NOT_SUCCESS', async () => {
    const doc = await signedResponse('response', { status: 'urn:oasis:names:tc:SAML:2.0:status:Requester' })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({
      code: 'SAML_STATUS_NOT_SUCCESS',
      detail: { statusCodes: ['urn:oasis:names:tc:SAML:2.0:status:Requester'] },
    })
  })

  it('uses the configured ACS URL exactly', async () => {
    const doc = await signedResponse('response')
    await expect(validateSamlResponse(optionsFor(doc, { sp: { entityId: SP, acsUrl: `${ACS}/` } }))).rejects.toMatchObject({
      code: 'SAML_DESTINATION_MISMATCH',
    })
  })
})
